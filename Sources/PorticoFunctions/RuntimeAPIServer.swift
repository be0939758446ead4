import NIOCore
import NIOHTTP1
import NIOPosix
import PorticoModel
import PorticoPipeline

/// The Lambda Runtime API (`/2018-06-01/runtime/…`) as one instance sees it, on a loopback
/// listener of its own: `invocation/next` long-polls for work; `invocation/{id}/response`,
/// `invocation/{id}/error` and `init/error` report back.
enum RuntimeAPIServer {
    static func bind(group: EventLoopGroup, runtime: FunctionRuntime, instanceID: Int) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RuntimeAPIHandler(runtime: runtime, instanceID: instanceID))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }
}

final class RuntimeAPIHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let runtime: FunctionRuntime
    private let instanceID: Int
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var tooLarge = false
    static let prefix = "/2018-06-01/runtime/"

    init(runtime: FunctionRuntime, instanceID: Int) {
        self.runtime = runtime
        self.instanceID = instanceID
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
            tooLarge = false
        case .body(var chunk):
            // Lambda refuses responses over 6 MB; keep reading, but not storing.
            if body.readableBytes + chunk.readableBytes > FunctionResponse.maxPayloadBytes { tooLarge = true } else { body.writeBuffer(&chunk) }
        case .end:
            guard let head else { return }
            self.head = nil
            route(head, context: context)
        }
    }

    private func route(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        guard path.hasPrefix(Self.prefix) else { return write(404, ["errorMessage": "Not Found", "errorType": "InvalidRequest"], head: head, context: context) }
        let parts = path.dropFirst(Self.prefix.count).split(separator: "/").map(String.init)
        let runtime = self.runtime
        let instanceID = self.instanceID
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        switch (head.method, parts.count, parts.first, parts.last) {
        case (.GET, 2, "invocation", "next"):
            let promise = context.eventLoop.makePromise(of: Optional<FunctionRuntime.Work>.self)
            promise.completeWithTask { await runtime.next(instanceID: instanceID) }
            promise.futureResult.whenSuccess { invocation in
                let (handler, context) = loopBound.value
                guard let invocation else {
                    // The instance is being stopped: no more work.
                    context.close(promise: nil)
                    return
                }
                handler.writeInvocation(invocation, head: head, context: context)
            }
        case (.POST, 3, "invocation", "response"), (.POST, 3, "invocation", "error"):
            let requestID = parts[1]
            let outcome: FunctionOutcome
            if tooLarge {
                outcome = .failure("Response payload size exceeded maximum allowed payload size (\(FunctionResponse.maxPayloadBytes) bytes)")
            } else {
                let bytes = Array(body.readableBytesView)
                outcome = parts[2] == "response" ? .result(bytes) : .error(Self.errorDocument(bytes, type: head.headers.first(name: "Lambda-Runtime-Function-Error-Type")))
            }
            let tooLarge = self.tooLarge
            let promise = context.eventLoop.makePromise(of: Bool.self)
            promise.completeWithTask { await runtime.complete(instanceID: instanceID, requestID: requestID, outcome: outcome) }
            promise.futureResult.whenSuccess { known in
                let (handler, context) = loopBound.value
                if tooLarge {
                    handler.write(413, ["errorMessage": .string("Exceeded maximum allowed payload size (\(FunctionResponse.maxPayloadBytes) bytes)."), "errorType": "RequestEntityTooLarge"], head: head, context: context)
                } else if known {
                    handler.write(202, ["status": "OK"], head: head, context: context)
                } else {
                    handler.write(400, ["errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"], head: head, context: context)
                }
            }
        case (.POST, 2, "init", "error"):
            let bytes = Array(body.readableBytesView)
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.completeWithTask { await runtime.initFailed(instanceID: instanceID, document: bytes) }
            promise.futureResult.whenSuccess {
                let (handler, context) = loopBound.value
                handler.write(202, ["status": "OK"], head: head, context: context)
            }
        default:
            write(404, ["errorMessage": .string("Unknown Runtime API path \(path)"), "errorType": "InvalidRequest"], head: head, context: context)
        }
    }

    /// An error report as the runtime sent it, or one made of its error type when the body is not JSON.
    static func errorDocument(_ bytes: [UInt8], type: String?) -> [UInt8] {
        if case .object? = try? JSONValue.parse(bytes) { return bytes }
        return Array(JSONValue.object(["errorMessage": .string(String(decoding: bytes, as: UTF8.self)), "errorType": .string(type ?? "Unhandled")]).serialized.utf8)
    }

    private func writeInvocation(_ invocation: FunctionRuntime.Work, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Lambda-Runtime-Aws-Request-Id", value: invocation.id)
        headers.add(name: "Lambda-Runtime-Deadline-Ms", value: String(invocation.deadlineMillis))
        headers.add(name: "Lambda-Runtime-Invoked-Function-Arn", value: invocation.functionARN)
        headers.add(name: "Lambda-Runtime-Trace-Id", value: Self.traceID(invocation.id))
        headers.add(name: "Content-Length", value: String(invocation.payload.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: invocation.payload)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// `Root=1-{8 hex}-{24 hex};Parent={16 hex};Sampled=0`, derived from the request id.
    static func traceID(_ requestID: String) -> String {
        let hex = requestID.filter { $0 != "-" }
        let root = String(hex.prefix(24)).padding(toLength: 24, withPad: "0", startingAt: 0)
        let parent = String(hex.suffix(16)).padding(toLength: 16, withPad: "0", startingAt: 0)
        let seconds = String(RuntimeAPIHandler.epochSeconds(), radix: 16)
        return "Root=1-\(seconds)-\(root);Parent=\(parent);Sampled=0"
    }

    static func epochSeconds() -> Int64 { FunctionRuntime.epochMillis() / 1000 }

    private func write(_ status: Int, _ body: JSONValue, head: HTTPRequestHead, context: ChannelHandlerContext) {
        let bytes = Array(body.serialized.utf8)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(bytes.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
