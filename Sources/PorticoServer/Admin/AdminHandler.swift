import NIOCore
import NIOHTTP1

/// The operations listener: `/health` (the process is up), `/ready` (serving, not draining) and
/// `/metrics` (Prometheus text). Never on the data-plane port.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: GatewayServer
    private var head: HTTPRequestHead?

    init(server: GatewayServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        switch path {
        case "/health":
            write(.ok, "{\"status\":\"ok\"}", type: "application/json", head: head, context: context)
        case "/ready":
            let ready = server.isReady
            write(ready ? .ok : .serviceUnavailable, ready ? "{\"status\":\"ready\"}" : "{\"status\":\"draining\"}", type: "application/json", head: head, context: context)
        case "/metrics":
            let server = self.server
            let promise = context.eventLoop.makePromise(of: String.self)
            promise.completeWithTask { await server.metricsText() }
            promise.futureResult.whenSuccess { text in
                let (handler, context) = loopBound.value
                handler.write(.ok, text, type: "text/plain; version=0.0.4", head: head, context: context)
            }
        default:
            write(.notFound, "{\"message\":\"Not Found\"}", type: "application/json", head: head, context: context)
        }
    }

    private func write(_ status: HTTPResponseStatus, _ body: String, type: String, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: type)
        headers.add(name: "content-length", value: String(body.utf8.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
