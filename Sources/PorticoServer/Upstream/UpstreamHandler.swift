import NIOCore
import NIOHTTP1

/// The last handler of an upstream channel: forwards response parts to its owner, directly, on the
/// same event loop (no futures or closures per request), and pauses reads while the client is slow.
final class UpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// The downstream connection using this upstream connection now; nil while pooled. Strong
    /// references (no `weak`: side-table reference counting is measurably slower), cleared
    /// whenever an exchange lets go of the connection.
    var owner: ConnectionHandler?
    /// Cleared when the channel closes, which breaks the cycle with `UpstreamConnection`.
    var connection: UpstreamConnection?
    private var readPending = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        owner?.upstreamRead(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        owner?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let owner {
            self.owner = nil
            owner.upstreamFailed(nil)
        } else if let connection {
            connection.pool?.remove(connection)
        }
        connection = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let owner {
            self.owner = nil
            owner.upstreamFailed(error)
        }
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { owner?.upstreamWritable() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let owner, !owner.downstreamWritable {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Resumes reading after the downstream drained.
    func resumeReading(context: ChannelHandlerContext) {
        guard readPending else { return }
        readPending = false
        context.read()
    }
}

extension UpstreamConnection {
    func resumeReading() {
        guard let context = try? channel.pipeline.syncOperations.context(handlerType: UpstreamHandler.self) else { return }
        handler.resumeReading(context: context)
    }
}
