import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 upstream on an ephemeral loopback port, for gateway tests:
/// - `/echo…`: JSON-ish echo of method, target, headers and body size;
/// - `/delay/{ms}`: answers after a delay;
/// - `/status/{code}`: answers that status;
/// - `/stream/{bytes}`: streams that many bytes (chunked);
/// - `/sink`: reads the request body, answers with its byte count;
/// - `/close`: closes the connection without answering.
public final class FakeUpstream: Sendable {
    public let port: Int
    private let channel: Channel
    private let requests: NIOLockedValueBox<[HTTPRequestHead]>
    private let documents: NIOLockedValueBox<[String: String]>

    public static func start(group: EventLoopGroup) async throws -> FakeUpstream {
        let requests = NIOLockedValueBox<[HTTPRequestHead]>([])
        let documents = NIOLockedValueBox<[String: String]>([:])
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(FakeUpstreamHandler(requests: requests, documents: documents))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeUpstream(channel: channel, requests: requests, documents: documents)
    }

    private init(channel: Channel, requests: NIOLockedValueBox<[HTTPRequestHead]>, documents: NIOLockedValueBox<[String: String]>) {
        self.channel = channel
        self.documents = documents
        self.port = channel.localAddress!.port!
        self.requests = requests
    }

    /// Serves `json` at exactly `path` (200, `application/json`): an identity provider's documents.
    public func serve(path: String, json: String) {
        documents.withLockedValue { $0[path] = json }
    }

    /// Every request head received, in order.
    public var received: [HTTPRequestHead] { requests.withLockedValue { $0 } }

    public func stop() async {
        try? await channel.close()
    }
}

final class FakeUpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let requests: NIOLockedValueBox<[HTTPRequestHead]>
    private let documents: NIOLockedValueBox<[String: String]>
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var bodyPrefix = ""

    init(requests: NIOLockedValueBox<[HTTPRequestHead]>, documents: NIOLockedValueBox<[String: String]>) {
        self.requests = requests
        self.documents = documents
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
            bodyPrefix = ""
            requests.withLockedValue { $0.append(head) }
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyPrefix.utf8.count < 256 { bodyPrefix += String(buffer: buffer).prefix(256) }
        case .end:
            guard let head else { return }
            respond(head, context: context)
        }
    }

    private func respond(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        let parts = path.split(separator: "/").map(String.init)
        if let document = documents.withLockedValue({ $0[path] }) {
            var extra = HTTPHeaders()
            extra.add(name: "content-type", value: "application/json")
            send(.ok, document, extra: extra, context: context)
            return
        }
        switch parts.first {
        case "delay":
            let millis = Int64(parts.count > 1 ? Int(parts[1]) ?? 100 : 100)
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(millis)) {
                let (handler, context) = bound.value
                handler.send(.ok, "delayed \(millis)", context: context)
            }
        case "status":
            send(HTTPResponseStatus(statusCode: parts.count > 1 ? Int(parts[1]) ?? 200 : 200), "status", context: context)
        case "stream":
            let total = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/octet-stream")
            headers.add(name: "transfer-encoding", value: "chunked")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            streamChunks(remaining: total, context: context)
        case "sink":
            send(.ok, "\(bodyBytes)", context: context)
        case "close":
            context.close(promise: nil)
        default:
            var text = "method=\(head.method.rawValue)\nuri=\(head.uri)\nbody-bytes=\(bodyBytes)\nbody=\(bodyPrefix)\n"
            for (name, value) in head.headers { text += "header \(name.lowercased())=\(value)\n" }
            var extra = HTTPHeaders()
            extra.add(name: "server", value: "fake-upstream")
            extra.add(name: "x-upstream", value: "yes")
            extra.add(name: "keep-alive", value: "timeout=5")
            send(.ok, text, extra: extra, context: context)
        }
    }

    /// Writes 64 KB chunks, waiting for each write to finish so memory stays bounded here too.
    private func streamChunks(remaining: Int, context: ChannelHandlerContext) {
        guard remaining > 0 else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let size = min(remaining, 65_536)
        let buffer = context.channel.allocator.buffer(repeating: UInt8(ascii: "x"), count: size)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer)))).whenSuccess {
            let (handler, context) = bound.value
            handler.streamChunks(remaining: remaining - size, context: context)
        }
    }

    private func send(_ status: HTTPResponseStatus, _ body: String, extra: HTTPHeaders = [:], context: ChannelHandlerContext) {
        var headers = extra
        if !headers.contains(name: "content-type") { headers.add(name: "content-type", value: "text/plain") }
        headers.add(name: "content-length", value: String(body.utf8.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
