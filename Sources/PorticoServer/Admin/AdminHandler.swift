import NIOCore
import NIOHTTP1
import PorticoAdmin

/// The admin listener: `/health` (the process is up), `/ready` (serving, not draining), `/metrics`
/// (Prometheus text) and every other path to the AWS-compatible management API. Loopback by default.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: GatewayServer
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// Management calls are small; a larger body (an import) may be up to AWS's 10 MB payload limit.
    static let maxBodyBytes = 10 * 1024 * 1024

    init(server: GatewayServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            guard body.readableBytes + chunk.readableBytes <= Self.maxBodyBytes else {
                if let head { write(.payloadTooLarge, "{\"message\":\"Request Too Long\"}", type: "application/json", head: head, context: context) }
                self.head = nil
                context.close(promise: nil)
                return
            }
            body.writeBuffer(&chunk)
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
            guard let management = server.management else {
                write(.notFound, "{\"message\":\"Not Found\"}", type: "application/json", head: head, context: context)
                return
            }
            let sourceIP = context.remoteAddress?.ipAddress ?? "-"
            let request = AdminRequest(
                method: head.method.rawValue, target: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                body: Array(body.readableBytesView), sourceIP: sourceIP
            )
            let promise = context.eventLoop.makePromise(of: AdminResponse.self)
            promise.completeWithTask { await management.handle(request) }
            promise.futureResult.whenSuccess { response in
                let (handler, context) = loopBound.value
                handler.writeManagement(response, head: head, context: context)
            }
        }
    }

    private func writeManagement(_ response: AdminResponse, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        headers.replaceOrAdd(name: "content-length", value: String(response.body.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers))), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
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
