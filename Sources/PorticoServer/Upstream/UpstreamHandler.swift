import NIOCore
import NIOHTTP1
import PorticoPipeline

/// What an upstream connection reports to the exchange that currently uses it.
protocol UpstreamOwner: AnyObject {
    func upstreamHead(_ head: HTTP1ResponseHead)
    /// Response payload (chunk framing already removed).
    func upstreamBody(_ data: ByteBuffer)
    /// The response ended; `reusable` when the connection may serve another request.
    func upstreamEnd(reusable: Bool)
    func upstreamReadComplete()
    func upstreamFailed(_ error: Error?)
    func upstreamWritable()
    /// False while the downstream cannot take more bytes: the upstream then stops reading.
    var downstreamWritable: Bool { get }
}

/// The only handler of an upstream channel: parses responses at the byte level (`HTTP1Parser`,
/// `ChunkedDecoder`), hands heads and payload slices to its owner directly on the same event loop
/// (no futures or closures per request), and pauses reads while the client is slow — by switching
/// `autoRead` off, not by intercepting `read`, which would cost a pipeline hop per read cycle.
final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State {
        /// Pooled, or request sent and nothing received yet.
        case idle
        case head
        case length(remaining: Int)
        case chunked
        case untilClose
    }

    /// The exchange using this connection now; nil while pooled. A strong reference (no `weak`:
    /// side-table reference counting is measurably slower), cleared whenever an exchange lets go.
    var owner: UpstreamOwner?
    /// Cleared when the channel closes, which breaks the cycle with `UpstreamConnection`.
    var connection: UpstreamConnection?
    // Hot per-response state, touched by this handler only: no runtime exclusivity checks.
    @exclusivity(unchecked) private var state = State.idle
    @exclusivity(unchecked) private var pending: ByteBuffer?
    @exclusivity(unchecked) private var decoder = ChunkedDecoder()
    private var keepAlive = false
    private var noBody = false
    /// Reading is paused (`autoRead` off) until the downstream drains.
    private var readsPaused = false
    private var context: ChannelHandlerContext?
    /// Field offsets of the response being parsed, reused from one response to the next.
    @exclusivity(unchecked) private var fieldStorage: [HTTP1Fields.Field] = []

    static let maxHeadBytes = 64 * 1024

    /// Kept from writability events, so a request's checks need not ask the channel.
    private(set) var isWritable = true
    /// False once the channel closed: the pool's checks need not ask the channel (an existential
    /// call and two reference-count operations each, three times a request).
    private(set) var isActive = true

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        isWritable = context.channel.isWritable
    }

    /// Called when a request is written: its response is expected next.
    func expectResponse(to method: HTTPMethod) {
        state = .head
        noBody = method == .HEAD
        pending = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        guard let owner else {
            // Bytes from a pooled connection: the upstream is confused; do not reuse it.
            context.close(promise: nil)
            return
        }
        do {
            try process(&input, owner: owner)
        } catch {
            self.owner = nil
            state = .idle
            owner.upstreamFailed(error)
            context.close(promise: nil)
        }
    }

    private func process(_ input: inout ByteBuffer, owner: UpstreamOwner) throws {
        while input.readableBytes > 0 {
            switch state {
            case .idle:
                throw HTTP1ParseError.malformed("bytes before a request was sent")
            case .head:
                var buffer: ByteBuffer
                if var earlier = pending {
                    earlier.writeBuffer(&input)
                    buffer = earlier
                } else {
                    buffer = input
                }
                input.moveReaderIndex(to: input.writerIndex)
                guard let (head, consumed) = try HTTP1Parser.parseResponseHead(buffer, limit: Self.maxHeadBytes, reusing: &fieldStorage) else {
                    pending = buffer
                    return
                }
                pending = nil
                buffer.moveReaderIndex(forwardBy: consumed)
                input = buffer
                if head.status < 200 { continue }  // 100 Continue and friends: the real head follows
                keepAlive = head.keepAlive
                if noBody || head.status == 204 || head.status == 304 {
                    state = .length(remaining: 0)
                } else if head.isChunked {
                    decoder = ChunkedDecoder()
                    state = .chunked
                } else if let length = head.contentLength {
                    state = .length(remaining: length)
                } else {
                    keepAlive = false
                    state = .untilClose
                }
                owner.upstreamHead(head)
                if self.owner !== owner { return }
                if case .length(0) = state {
                    finish(owner: owner, leftover: input.readableBytes)
                    return
                }
            case .length(let remaining):
                let take = min(remaining, input.readableBytes)
                let slice = input.readSlice(length: take)!
                state = .length(remaining: remaining - take)
                owner.upstreamBody(slice)
                if self.owner !== owner { return }
                if remaining == take {
                    finish(owner: owner, leftover: input.readableBytes)
                    return
                }
            case .chunked:
                let done = try decoder.decode(&input) { owner.upstreamBody($0) }
                if self.owner !== owner { return }
                if done {
                    finish(owner: owner, leftover: input.readableBytes)
                    return
                }
            case .untilClose:
                let slice = input.readSlice(length: input.readableBytes)!
                owner.upstreamBody(slice)
                if self.owner !== owner { return }
            }
        }
    }

    private func finish(owner: UpstreamOwner, leftover: Int) {
        state = .idle
        self.owner = nil
        owner.upstreamEnd(reusable: keepAlive && leftover == 0)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard let owner else { return }
        owner.upstreamReadComplete()
        // Before the channel asks for the next read: pause while the client cannot take more.
        if self.owner != nil && !owner.downstreamWritable { setReadsPaused(true) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let owner {
            self.owner = nil
            if case .untilClose = state {
                state = .idle
                owner.upstreamEnd(reusable: false)
                owner.upstreamReadComplete()
            } else {
                state = .idle
                owner.upstreamFailed(nil)
            }
        } else if let connection {
            connection.pool?.remove(connection)
        }
        connection = nil
        self.context = nil
        isActive = false
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let owner {
            self.owner = nil
            state = .idle
            owner.upstreamFailed(error)
        }
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        if isWritable { owner?.upstreamWritable() }
        context.fireChannelWritabilityChanged()
    }

    private func setReadsPaused(_ paused: Bool) {
        guard paused != readsPaused, let context else { return }
        readsPaused = paused
        context.setReadsPaused(paused)
    }

    /// Writes from this handler's place, so the bytes skip the rest of the pipeline.
    func write(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    /// Resumes reading after the downstream drained.
    func resumeReading() {
        guard readsPaused else { return }
        setReadsPaused(false)
    }
}
