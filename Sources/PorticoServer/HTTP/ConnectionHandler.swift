import NIOCore
import NIOHTTP1
import PorticoModel
import PorticoPipeline

/// How a downstream connection reached Portico.
struct ConnectionInfo: Sendable {
    var sourceIP: String
    var forwarded: ForwardedInfo
    /// `HTTP/1.1` or `HTTP/2.0`, for `$context.protocol`.
    var protocolName: String
    var isHTTP2: Bool
}

/// Serves one downstream HTTP/1 connection (or one HTTP/2 stream): runs `Pipeline.decide` on each
/// request head, then answers directly or drives an upstream connection from the loop's pool.
/// Request and response bodies stream both ways with backpressure; pipelined requests queue here.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: LoopState
    private let info: ConnectionInfo
    private var context: ChannelHandlerContext?
    private var exchange: Exchange?
    /// Parts of pipelined requests that arrived while an earlier request was answered.
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    private var readHeld = false
    private var closing = false
    /// Input after a fatal request error is dropped until the connection closes.
    private var ignoringInput = false
    private var needsFlush = false
    /// When the client last sent bytes that reached us (uptime nanoseconds), for the idle sweep.
    private var lastActivityNanos: UInt64 = NIODeadline.now().uptimeNanoseconds

    /// Queued parts above which reading pauses (a client pipelining faster than we answer).
    private static let maxQueuedParts = 64

    init(state: LoopState, info: ConnectionInfo) {
        self.state = state
        self.info = info
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        state.connections[ObjectIdentifier(self)] = self
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        state.connections[ObjectIdentifier(self)] = nil
        self.context = nil
    }

    // MARK: Downstream events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if ignoringInput { return }
        lastActivityNanos = state.uptimeNanos
        let part = unwrapInboundIn(data)
        if let exchange, exchange.requestComplete || !queued.isEmpty {
            queued.append(part)
            return
        }
        handle(part)
    }

    private func handle(_ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head): start(head)
        case .body(let buffer): receiveBody(buffer)
        case .end: endOfRequest()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushUpstream()
        flushDownstream()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let exchange {
            abandonUpstream(exchange)
            exchange.timeout?.cancel()
            if !exchange.responseComplete {
                exchange.status = exchange.responseStarted ? exchange.status : 499
                exchange.errorMessage = "client closed the connection"
                exchange.responseComplete = true
                exchange.requestComplete = true
                record(exchange)
            }
            self.exchange = nil
        }
        queued.removeAll()
        state.connections[ObjectIdentifier(self)] = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is HTTPParserError {
            // Malformed HTTP: answer 400 if nothing is being answered, then close.
            ignoringInput = true
            if exchange == nil || exchange?.responseStarted == false {
                abandonUpstream(exchange)
                let type = state.gateway.apis.first?.type ?? .rest
                writeError(.badRequest, apiType: type, requestID: state.ids.uuid(), shortID: state.ids.shortID(), close: true)
                return
            }
        }
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.upstream?.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    /// Called by the loop's once-a-second sweep: closes a keep-alive connection idle for longer
    /// than `idle`, or a client that stopped sending in the middle of a request for longer than
    /// `stalled`. A request waiting for its integration is left to the integration timeout.
    func sweep(now: UInt64, idle: UInt64, stalled: UInt64) {
        guard let context else { return }
        let quiet = now &- lastActivityNanos
        if let exchange {
            if !exchange.requestComplete && quiet > stalled { context.close(promise: nil) }
        } else if quiet > idle {
            context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        if queued.count > Self.maxQueuedParts || exchange?.upstream?.channel.isWritable == false || ignoringInput {
            readHeld = true
        } else {
            context.read()
        }
    }

    var downstreamWritable: Bool { context?.channel.isWritable ?? false }

    /// Graceful shutdown: close now if idle, else after the current response.
    func drain() {
        if exchange == nil && queued.isEmpty {
            context?.close(promise: nil)
        } else {
            closing = true
        }
    }

    // MARK: Requests

    private func start(_ head: HTTPRequestHead) {
        let now = state.now()
        let requestID = state.ids.uuid()
        let shortID = state.ids.shortID()
        let gateway = state.gateway
        let (path, query) = Pipeline.splitTarget(head.uri)
        var routed = Pipeline.Routed(apiType: .rest)
        let decision = Pipeline.decide(
            head: head, path: path, query: query, requestID: requestID, sourceIP: info.sourceIP,
            forwarded: info.forwarded, gateway: gateway, routed: &routed
        )
        let keepAlive = head.isKeepAlive && !closing && !state.draining
        let exchange = Exchange(
            head: head, requestID: requestID, shortID: shortID, startNanos: NIODeadline.now().uptimeNanoseconds,
            startEpochMillis: now, gateway: gateway, routed: routed,
            action: .respond(PreparedResponse(status: .ok, headers: [], contentType: nil, body: ByteBuffer())),
            keepAlive: keepAlive
        )
        self.exchange = exchange
        switch decision {
        case .respond(let response):
            exchange.action = .respond(response)
            writePrepared(response, exchange: exchange)
        case .fail(let error):
            writeError(error, exchange: exchange)
        case .forward(let plan, let upstreamHead):
            exchange.action = .forward(plan)
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context?.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
                needsFlush = true
            }
            forward(exchange, plan: plan, head: upstreamHead)
        }
    }

    private func receiveBody(_ buffer: ByteBuffer) {
        guard let exchange, !exchange.requestComplete else { return }
        exchange.bodyBytes += buffer.readableBytes
        if exchange.bodyBytes > exchange.gateway.limits.maxPayloadBytes {
            // Over the limit while streaming (chunked bodies): stop here.
            requestTooLargeMidBody(exchange)
            return
        }
        guard case .forward = exchange.action else { return }
        if let upstream = exchange.upstream {
            upstream.channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
            exchange.upstreamNeedsFlush = true
            exchange.bodyForwarded = true
        } else if exchange.upstreamHead != nil {
            exchange.pendingBody.append(buffer)  // still connecting
        }
    }

    private func endOfRequest() {
        guard let exchange, !exchange.requestComplete else { return }
        exchange.requestComplete = true
        if let upstream = exchange.upstream {
            upstream.channel.write(HTTPClientRequestPart.end(nil), promise: nil)
            exchange.upstreamNeedsFlush = true
            exchange.upstreamRequestComplete = true
        } else if exchange.upstreamHead != nil {
            exchange.pendingEnd = true  // still connecting
        }
        finishIfDone(exchange)
    }

    private func requestTooLargeMidBody(_ exchange: Exchange) {
        exchange.requestComplete = true
        ignoringInput = true
        closing = true
        abandonUpstream(exchange)
        if exchange.responseStarted {
            context?.close(promise: nil)
        } else {
            writeError(.requestTooLarge, exchange: exchange)
        }
    }

    // MARK: Upstream

    private func forward(_ exchange: Exchange, plan: HTTPPlan, head: HTTPRequestHead) {
        exchange.upstreamHead = head
        exchange.integrationStartNanos = NIODeadline.now().uptimeNanoseconds
        if exchange.timeout == nil {
            exchange.timeout = state.loop.assumeIsolated().scheduleTask(in: plan.timeout) { [self] in
                self.integrationTimedOut(exchange)
            }
        }
        if let connection = state.pool.takeIdle(plan.upstream) {
            exchange.reusedConnection = true
            attach(connection, to: exchange)
            return
        }
        exchange.reusedConnection = false
        state.pool.connect(plan.upstream).assumeIsolated().whenComplete { [self] result in
            guard self.exchange === exchange, exchange.upstreamHead != nil else {
                if case .success(let connection) = result { connection.channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let connection):
                self.attach(connection, to: exchange)
                self.flushUpstream()
            case .failure(let error):
                self.upstreamFailed(error)
            }
        }
    }

    /// Sends the head and whatever body arrived while the connection was being acquired.
    private func attach(_ connection: UpstreamConnection, to exchange: Exchange) {
        guard let head = exchange.upstreamHead else { return }
        exchange.upstream = connection
        connection.handler.owner = self
        let channel = connection.channel
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        exchange.upstreamHead = nil
        for buffer in exchange.pendingBody {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
            exchange.bodyForwarded = true
        }
        exchange.pendingBody.removeAll()
        if exchange.pendingEnd || exchange.requestComplete {
            channel.write(HTTPClientRequestPart.end(nil), promise: nil)
            exchange.upstreamRequestComplete = true
        }
        exchange.upstreamNeedsFlush = true
    }

    private func flushUpstream() {
        guard let exchange, exchange.upstreamNeedsFlush, let upstream = exchange.upstream else { return }
        exchange.upstreamNeedsFlush = false
        upstream.channel.flush()
    }

    func upstreamRead(_ part: HTTPClientResponsePart) {
        guard let exchange else { return }
        switch part {
        case .head(let head):
            if head.status == .continue { return }
            exchange.timeout?.cancel()
            exchange.timeout = nil
            exchange.integrationLatencyNanos = NIODeadline.now().uptimeNanoseconds - exchange.integrationStartNanos
            guard !exchange.responseStarted, case .forward(let plan) = exchange.action else {
                exchange.discardUpstreamBody = true
                return
            }
            if plan.isProxy {
                writeProxiedHead(head, exchange: exchange)
            } else if let entry = plan.responses?.select(String(head.status.code)) {
                writeMappedHead(head, entry: entry, exchange: exchange)
            } else {
                exchange.discardUpstreamBody = true
                exchange.errorMessage = "no integration response matches status \(head.status.code) and none is default"
                writeError(.internalError, exchange: exchange)
            }
        case .body(let buffer):
            guard !exchange.discardUpstreamBody else { return }
            exchange.responseBytes += buffer.readableBytes
            context?.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            needsFlush = true
        case .end:
            let connection = exchange.upstream
            exchange.upstream = nil
            if let connection {
                if exchange.upstreamRequestComplete && connection.channel.isActive {
                    state.pool.release(connection)
                } else {
                    connection.handler.owner = nil
                    connection.channel.close(promise: nil)
                }
            }
            if !exchange.discardUpstreamBody {
                completeResponse(exchange)
            } else if exchange.responseComplete {
                finishIfDone(exchange)
            }
            // The upstream channel's read-complete no longer reaches us once it is released.
            flushDownstream()
        }
    }

    func upstreamReadComplete() {
        flushDownstream()
    }

    func upstreamWritable() {
        guard readHeld, let context else { return }
        readHeld = false
        context.read()
    }

    func upstreamFailed(_ error: Error?) {
        guard let exchange, case .forward(let plan) = exchange.action else { return }
        guard let connection = exchange.upstream else {
            // The connection could not be opened.
            guard exchange.upstreamHead != nil, !exchange.responseStarted else { return }
            exchange.upstreamHead = nil
            exchange.timeout?.cancel()
            exchange.errorMessage = "cannot connect to the integration endpoint: \(error.map { "\($0)" } ?? "closed")"
            writeError(.integrationFailure, exchange: exchange)
            flushDownstream()
            return
        }
        exchange.upstream = nil
        connection.handler.owner = nil
        connection.channel.close(promise: nil)
        if exchange.responseStarted {
            if !exchange.responseComplete { context?.close(promise: nil) }
            return
        }
        // A reused keep-alive connection may have been closed by the upstream just before our
        // request: retry once on a new connection if no body was sent yet.
        if exchange.reusedConnection, !exchange.bodyForwarded, !exchange.retried, !exchange.discardUpstreamBody,
           let head = reconstructHead(exchange)
        {
            exchange.retried = true
            forward(exchange, plan: plan, head: head)
            return
        }
        exchange.timeout?.cancel()
        exchange.errorMessage = "the integration endpoint failed: \(error.map { "\($0)" } ?? "connection closed")"
        writeError(.integrationFailure, exchange: exchange)
        flushDownstream()
    }

    private func reconstructHead(_ exchange: Exchange) -> HTTPRequestHead? {
        let (path, query) = Pipeline.splitTarget(exchange.head.uri)
        var routed = exchange.routed
        let decision = Pipeline.decide(
            head: exchange.head, path: path, query: query, requestID: exchange.requestID, sourceIP: info.sourceIP,
            forwarded: info.forwarded, gateway: exchange.gateway, routed: &routed
        )
        if case .forward(_, let head) = decision { return head }
        return nil
    }

    private func integrationTimedOut(_ exchange: Exchange) {
        guard self.exchange === exchange, !exchange.responseStarted else { return }
        exchange.timeout = nil
        abandonUpstream(exchange)
        exchange.discardUpstreamBody = true
        if case .forward(let plan) = exchange.action {
            exchange.errorMessage = "integration timed out after \(plan.timeoutMillis) ms"
        }
        writeError(.integrationTimeout, exchange: exchange)
        flushDownstream()
    }

    /// Drops the exchange's upstream connection (it cannot be reused mid-exchange).
    private func abandonUpstream(_ exchange: Exchange?) {
        guard let exchange else { return }
        exchange.upstreamHead = nil
        exchange.pendingBody.removeAll()
        if let connection = exchange.upstream {
            exchange.upstream = nil
            connection.handler.owner = nil
            connection.channel.close(promise: nil)
        }
    }

    // MARK: Responses

    private func responseHead(status: HTTPResponseStatus, exchange: Exchange) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(12)
        headers.add(name: "date", value: state.httpDate)
        switch exchange.routed.apiType {
        case .rest:
            headers.add(name: "x-amzn-RequestId", value: exchange.requestID)
            headers.add(name: "x-amz-apigw-id", value: exchange.shortID)
        default:
            headers.add(name: "apigw-requestid", value: exchange.shortID)
        }
        if !exchange.keepAlive || closing || state.draining {
            exchange.keepAlive = false
            if !info.isHTTP2 { headers.add(name: "connection", value: "close") }
        }
        return HTTPResponseHead(version: exchange.head.version.major >= 2 ? .http1_1 : exchange.head.version, status: status, headers: headers)
    }

    private func writePrepared(_ response: PreparedResponse, exchange: Exchange) {
        var head = responseHead(status: response.status, exchange: exchange)
        var hasContentType = false
        for (name, value) in response.headers {
            hasContentType = hasContentType || HeaderName.equals(name, "content-type")
            head.headers.add(name: name, value: value)
        }
        if !hasContentType, let contentType = response.contentType { head.headers.add(name: "content-type", value: contentType) }
        head.headers.add(name: "content-length", value: String(response.body.readableBytes))
        exchange.responseStarted = true
        exchange.status = Int(response.status.code)
        exchange.responseBytes = response.body.readableBytes
        guard let context else { return }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if response.body.readableBytes > 0, exchange.head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        needsFlush = true
        completeResponse(exchange)
    }

    private func writeError(_ error: GatewayError, exchange: Exchange) {
        if exchange.errorMessage.isEmpty { exchange.errorMessage = error.shape(for: exchange.routed.apiType).message }
        switch error {
        case .requestTooLarge, .requestHeadersTooLarge, .badRequest:
            // The rest of this request cannot be trusted or is too big to read: close after answering.
            exchange.keepAlive = false
            closing = true
            if !exchange.requestComplete {
                ignoringInput = true
                exchange.requestComplete = true
            }
        default:
            break
        }
        writePrepared(error.response(for: exchange.routed.apiType, limits: exchange.gateway.limits), exchange: exchange)
    }

    /// An error before any exchange exists (malformed HTTP).
    private func writeError(_ error: GatewayError, apiType: APIType, requestID: String, shortID: String, close: Bool) {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
        var routed = Pipeline.Routed(apiType: apiType)
        routed.resourcePath = "-"
        let exchange = Exchange(
            head: head, requestID: requestID, shortID: shortID, startNanos: NIODeadline.now().uptimeNanoseconds,
            startEpochMillis: state.now(), gateway: state.gateway, routed: routed,
            action: .respond(PreparedResponse(status: .ok, headers: [], contentType: nil, body: ByteBuffer())), keepAlive: false
        )
        exchange.requestComplete = true
        self.exchange = exchange
        writeError(error, exchange: exchange)
        flushDownstream()
    }

    /// Upstream response headers that REST APIs return as `x-amzn-Remapped-<name>` (AWS's table).
    private static func isRemapped(_ name: String) -> Bool {
        HeaderName.equals(name, "server") || HeaderName.equals(name, "authorization")
            || HeaderName.equals(name, "www-authenticate") || HeaderName.equals(name, "content-md5")
    }

    private func writeProxiedHead(_ upstream: HTTPResponseHead, exchange: Exchange) {
        var head = responseHead(status: upstream.status, exchange: exchange)
        let rest = exchange.routed.apiType == .rest
        for (name, value) in HTTPPlan.clientHeaders(fromUpstream: upstream.headers) {
            if HeaderName.equals(name, "date") {
                if rest { head.headers.add(name: "x-amzn-Remapped-Date", value: value) }
                continue
            }
            if rest && Self.isRemapped(name) {
                head.headers.add(name: "x-amzn-Remapped-\(name)", value: value)
                continue
            }
            head.headers.add(name: name, value: value)
        }
        if rest, let connection = upstream.headers.first(name: "connection") {
            head.headers.add(name: "x-amzn-Remapped-Connection", value: connection)
        }
        if exchange.head.method == .HEAD, !head.headers.contains(name: "content-length") {
            head.headers.add(name: "content-length", value: "0")
        }
        startStreamedResponse(head, exchange: exchange)
    }

    private func writeMappedHead(_ upstream: HTTPResponseHead, entry: IntegrationResponses.Entry, exchange: Exchange) {
        var head = responseHead(status: entry.status, exchange: exchange)
        head.headers.add(name: "content-type", value: upstream.headers.first(name: "content-type") ?? "application/json")
        if let length = upstream.headers.first(name: "content-length") { head.headers.add(name: "content-length", value: length) }
        for (name, value) in entry.responseHeaders(upstream: upstream.headers) { head.headers.add(name: name, value: value) }
        startStreamedResponse(head, exchange: exchange)
    }

    private func startStreamedResponse(_ head: HTTPResponseHead, exchange: Exchange) {
        exchange.responseStarted = true
        exchange.status = Int(head.status.code)
        context?.write(wrapOutboundOut(.head(head)), promise: nil)
        needsFlush = true
    }

    private func completeResponse(_ exchange: Exchange) {
        guard let context, !exchange.responseComplete else { return }
        exchange.responseComplete = true
        if exchange.keepAlive {
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            needsFlush = true
        } else {
            closing = true
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            needsFlush = false
        }
        finishIfDone(exchange)
    }

    private func flushDownstream() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    /// After both directions finished: log, count, and move on to the next pipelined request.
    private func finishIfDone(_ exchange: Exchange) {
        guard exchange.isDone, self.exchange === exchange else { return }
        exchange.timeout?.cancel()
        record(exchange)
        self.exchange = nil
        if !exchange.keepAlive { return }
        while self.exchange == nil || self.exchange?.requestComplete == false, let part = queued.popFirst() {
            handle(part)
        }
        // Requests started from the queue are outside a read cycle: nothing else will flush them.
        flushUpstream()
        if queued.count <= Self.maxQueuedParts, readHeld, let context {
            readHeld = false
            context.read()
        }
    }

    private func record(_ exchange: Exchange) {
        let elapsedNanos = NIODeadline.now().uptimeNanoseconds - exchange.startNanos
        let integrationMillis = exchange.integrationLatencyNanos.map { Double($0) / 1_000_000 }
        state.metrics.record(
            route: exchange.routed.route,
            labels: {
                GatewayMetrics.Labels(
                    api: exchange.routed.apiID, stage: exchange.routed.stage,
                    method: exchange.routed.route?.method ?? "-", resource: exchange.routed.resourcePath)
            },
            status: exchange.status, latencyMillis: Double(elapsedNanos) / 1_000_000, integrationMillis: integrationMillis
        )
        guard let format = state.accessLogFormat else { return }
        let entry = AccessLogEntry(
            requestID: exchange.requestID, extendedRequestID: exchange.shortID, sourceIP: info.sourceIP,
            requestTimeEpochMillis: exchange.startEpochMillis, httpMethod: exchange.head.method.rawValue,
            path: String(Pipeline.splitTarget(exchange.head.uri).path), protocolName: info.protocolName,
            routed: exchange.routed, status: exchange.status, responseLength: exchange.responseBytes,
            integrationLatencyMillis: integrationMillis.map { Int($0) } ?? -1,
            responseLatencyMillis: Int(elapsedNanos / 1_000_000), errorMessage: exchange.errorMessage,
            userAgent: exchange.head.headers.first(name: "user-agent") ?? "-"
        )
        state.accessLog.append(format.format(entry))
    }
}

extension ConnectionHandler {
    /// The end of a drain: close whatever is still open.
    func forceClose() {
        context?.close(promise: nil)
    }
}
