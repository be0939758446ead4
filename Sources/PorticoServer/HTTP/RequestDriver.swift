import NIOCore
import NIOHTTP1
import PorticoAdmin
import PorticoModel
import PorticoPipeline
import PorticoVelocity

/// How a downstream connection reached Portico.
struct ConnectionInfo: Sendable {
    var sourceIP: String
    private var transport: ForwardedInfo
    /// `HTTP/1.1` or `HTTP/2.0`, for `$context.protocol`.
    var protocolName: String
    /// Mutual TLS: where the client's certificate is put once the handshake completes.
    let peer: PeerCertificateBox?

    init(sourceIP: String, forwarded: ForwardedInfo, protocolName: String, peer: PeerCertificateBox? = nil) {
        self.sourceIP = sourceIP
        self.transport = forwarded
        self.protocolName = protocolName
        self.peer = peer
    }

    /// Scheme and port, with the client's certificate on a mutual-TLS connection.
    var forwarded: ForwardedInfo {
        guard let certificate = peer?.certificate else { return transport }
        var facts = transport
        facts.clientCertificate = certificate
        return facts
    }
}

/// Drives the exchanges of one downstream connection (or HTTP/2 stream): runs `Pipeline.decide`
/// on each request head, then answers directly or drives an upstream connection from the loop's
/// pool. Bodies stream both ways with backpressure. The wire (`DownstreamWire`) does the framing.
final class RequestDriver: UpstreamOwner {
    let state: LoopState
    let info: ConnectionInfo
    /// The handler that owns this driver. Unowned: the handler outlives every use — it removes the
    /// driver from the loop's registry when it goes, and callbacks that can come later (a connect
    /// completing, a timeout) first check `exchange`, which `inactive()` clears.
    unowned(unsafe) let wire: DownstreamWire
    var exchange: Exchange?
    /// Close after the current response (draining, an error that leaves the stream unusable).
    private(set) var closing = false
    /// When the client last sent bytes that reached us (uptime nanoseconds), for the idle sweep.
    var lastActivityNanos: UInt64
    /// The buffer of the last upstream request head, given back for the next one on this connection.
    private let headBuffer = ReusableBuffer()

    init(state: LoopState, info: ConnectionInfo, wire: DownstreamWire) {
        self.state = state
        self.info = info
        self.wire = wire
        self.lastActivityNanos = state.uptimeNanos
    }

    /// Joins the loop's registry of open connections (for the idle sweep and draining).
    func register() {
        state.connections[ObjectIdentifier(self)] = self
    }

    /// Leaves the registry; the wire calls this when its handler goes, `inactive()` when the channel closes.
    func unregister() {
        state.connections[ObjectIdentifier(self)] = nil
    }

    /// Whether a new request head may start now (HTTP/1 pipelining waits for the previous one).
    var isIdle: Bool { exchange == nil }

    /// Whether the wire should stop reading: the upstream cannot take the body as fast, or the
    /// body waits for a connection being opened.
    var shouldPauseReading: Bool {
        guard let exchange else { return false }
        if let upstream = exchange.upstream { return !upstream.handler.isWritable }
        return exchange.connecting && exchange.pendingBytes > Self.maxPendingBytes
    }

    /// Request body held while an upstream connection opens.
    static let maxPendingBytes = 64 * 1024

    var downstreamWritable: Bool { wire.isWritable }

    // MARK: Requests

    /// `receivedNanos`: when the head's bytes arrived, if the wire has read the clock already.
    func requestHead<Head: RequestHead>(_ head: Head, keepAlive: Bool, version: HTTPVersion, expectsContinue: Bool, receivedNanos: UInt64? = nil) {
        let startNanos = receivedNanos ?? state.uptimeNanos
        lastActivityNanos = max(lastActivityNanos, startNanos)
        let now = state.now(uptimeNanos: startNanos)
        let requestID = state.ids.make()
        let gateway = state.gateway
        let (path, query) = Pipeline.splitTarget(head.uri)
        if state.management != nil, Self.isManagementCall(head, path: path) {
            startManagement(head, requestID: requestID, now: now, keepAlive: keepAlive, version: version, expectsContinue: expectsContinue)
            return
        }
        let exchange = Exchange(
            method: head.method, uri: head.uri, version: version,
            userAgent: state.accessLogFormat == nil ? "" : head.field("user-agent") ?? "-",
            requestID: requestID, startNanos: startNanos,
            startEpochMillis: now, gateway: gateway, routed: Pipeline.Routed(apiType: .rest),
            keepAlive: keepAlive && !closing && !state.draining
        )
        // Decided into the exchange's own `routed`: a copy would retain and release each of its fields.
        let decision = Pipeline.decide(
            head: head, path: path, query: query, requestID: requestID, sourceIP: info.sourceIP,
            forwarded: info.forwarded, gateway: gateway, routed: &exchange.routed,
            epochMillis: now, protocolName: info.protocolName, nowNanos: lastActivityNanos, verifier: state, headBuffer: headBuffer
        )
        self.exchange = exchange
        begin(decision, exchange: exchange, head: head, version: version, expectsContinue: expectsContinue, nowNanos: startNanos)
    }

    /// Carries out the decision taken at the request head. `nowNanos`: the clock, if just read.
    private func begin<Head: RequestHead>(
        _ decision: Pipeline.Decision, exchange: Exchange, head: Head, version: HTTPVersion, expectsContinue: Bool, nowNanos: UInt64? = nil
    ) {
        switch decision {
        case .cached(let use, let next):
            if let hit = lookUp(use, exchange: exchange) {
                writePrepared(hit, exchange: exchange)
            } else {
                begin(next, exchange: exchange, head: head, version: version, expectsContinue: expectsContinue, nowNanos: nowNanos)
            }
        case .respond(let response):
            writePrepared(response, exchange: exchange)
        case .fail(let error):
            writeError(error, exchange: exchange)
        case .reject(let error, let message, let validationErrors):
            writeError(error, exchange: exchange, message: message, validationErrors: validationErrors)
        case .validate(let schema, let next):
            exchange.action = .validating(schema, next)
            exchange.accept = head.field("accept")
            exchange.contentType = head.field("content-type")
            if expectsContinue { wire.writeContinue() }
        case .forward(let plan, let request):
            if plan.mapsResponses || request.collectsBody {
                exchange.mapping = request.mapping
                exchange.accept = head.field("accept")
                exchange.contentType = head.field("content-type")
            }
            if expectsContinue { wire.writeContinue() }
            if request.collectsBody {
                exchange.action = .forwardTemplated(plan, request)
            } else {
                exchange.action = .forward(plan)
                forward(exchange, plan: plan, request: request, nowNanos: nowNanos)
            }
        case .invoke(let plan, let event, let mapping):
            exchange.action = .function(plan, event: event, mapping: mapping)
            exchange.accept = head.field("accept")
            exchange.contentType = head.field("content-type")
            if expectsContinue { wire.writeContinue() }
        case .mock(let plan, let seed, let contentType, let accept):
            exchange.action = .mock(plan, seed: seed, contentType: contentType, accept: accept)
            if expectsContinue { wire.writeContinue() }
        case .authorize(let call):
            exchange.action = .authorizing
            exchange.accept = head.field("accept")
            if expectsContinue { wire.writeContinue() }
            authorize(call, exchange: exchange, head: Self.ownedHead(head, version: version))
        case .verifyToken(let call):
            // Cached verdicts and known keys were used while deciding: the issuer's keys are to be fetched.
            exchange.action = .authorizing
            exchange.accept = head.field("accept")
            if expectsContinue { wire.writeContinue() }
            checkTokenLater(call, exchange: exchange, head: Self.ownedHead(head, version: version))
        case .collectBody:
            exchange.action = .collectingBody(Self.ownedHead(head, version: version))
            exchange.accept = head.field("accept")
            if expectsContinue { wire.writeContinue() }
        case .webSocket(.connect(let stage)):
            connectWebSocket(stage, exchange: exchange, head: head)
        case .webSocket(.connections(let stage, let id, _)):
            exchange.action = .connectionsCall(stage, connectionID: id, head: Self.ownedHead(head, version: version))
            if expectsContinue { wire.writeContinue() }
        }
    }

    func requestBody(_ buffer: ByteBuffer) {
        lastActivityNanos = state.uptimeNanos
        guard let exchange, !exchange.requestComplete else { return }
        exchange.bodyBytes += buffer.readableBytes
        if exchange.bodyBytes > exchange.gateway.limits.maxPayloadBytes {
            // Over the limit while streaming (chunked bodies): stop here.
            exchange.requestComplete = true
            closing = true
            abandonUpstream(exchange)
            if exchange.responseStarted { wire.close() } else { writeError(.requestTooLarge, exchange: exchange) }
            return
        }
        switch exchange.action {
        case .management, .function, .authorizing, .collectingBody, .connectionsCall, .mock, .forwardTemplated, .validating:
            exchange.collectedBody.writeImmutableBuffer(buffer)
            return
        case .respond:
            return
        case .forward:
            break
        }
        if let upstream = exchange.upstream {
            upstream.sendBody(buffer, chunked: exchange.upstreamRequest?.chunked ?? false)
            exchange.upstreamNeedsFlush = true
            exchange.bodyForwarded = true
        } else if exchange.connecting {
            exchange.pendingBody.append(buffer)
            exchange.pendingBytes += buffer.readableBytes
        }
    }

    func requestEnd() {
        guard let exchange, !exchange.requestComplete else { return }
        exchange.requestComplete = true
        // One switch: each `if case` on the stored enum would copy it (and its payload) again.
        switch exchange.action {
        case .management(let headers):
            runManagement(exchange, headers: headers)
            return
        case .function(let plan, let event, let mapping):
            invokeFunction(exchange, plan: plan, event: event, mapping: mapping)
            return
        case .mock(let plan, let seed, let contentType, let accept):
            answerMock(exchange, plan: plan, seed: seed, contentType: contentType, accept: accept)
            return
        case .forwardTemplated(let plan, let request):
            forwardRendered(exchange, plan: plan, request: request)
            return
        case .validating(let schema, let next):
            validateBody(exchange, schema: schema, then: next)
            return
        case .connectionsCall(let stage, let id, let head):
            runConnectionsCall(exchange, stage: stage, connectionID: id, head: head)
            return
        case .collectingBody(let head):
            // The body is in: the signature's payload hash and WAF body rules can be checked now.
            decideAgain(with: nil, exchange: exchange, head: head, collectedBody: Array(exchange.collectedBody.readableBytesView))
            return
        case .authorizing:
            // The decision that follows sends the collected body on.
            return
        case .respond, .forward:
            break
        }
        if let upstream = exchange.upstream {
            upstream.sendEnd(chunked: exchange.upstreamRequest?.chunked ?? false)
            exchange.upstreamNeedsFlush = true
            exchange.upstreamRequestComplete = true
        }
        finishIfDone(exchange)
    }

    /// A request the wire could not parse: answer 400 (431 for an oversized head) and close.
    func requestMalformed(_ error: HTTP1ParseError) {
        closing = true
        if let exchange {
            // Mid-body: the response may already be under way; end the connection.
            exchange.requestComplete = true
            abandonUpstream(exchange)
            if exchange.responseStarted {
                wire.close()
            } else {
                writeError(.badRequest, exchange: exchange)
            }
            return
        }
        let exchange = Exchange(
            method: .GET, uri: "-", version: .http1_1, userAgent: "-", requestID: state.ids.make(),
            startNanos: NIODeadline.now().uptimeNanoseconds, startEpochMillis: state.now(), gateway: state.gateway,
            routed: Pipeline.Routed(apiType: state.gateway.apis.first?.type ?? .rest), keepAlive: false
        )
        exchange.requestComplete = true
        self.exchange = exchange
        writeError(error == .headTooLarge ? .requestHeadersTooLarge : .badRequest, exchange: exchange)
        wire.flush()
    }

    func readComplete() {
        flushUpstream()
    }

    func inactive() {
        unregister()
        if let exchange {
            abandonUpstream(exchange)
            state.timeouts.remove(exchange)
            if !exchange.responseComplete {
                exchange.status = exchange.responseStarted ? exchange.status : 499
                exchange.errorMessage = "client closed the connection"
                exchange.responseComplete = true
                exchange.requestComplete = true
                record(exchange)
            }
            self.exchange = nil
        }
    }

    func writabilityChanged(writable: Bool) {
        if writable { exchange?.upstream?.resumeReading() }
    }

    /// Graceful shutdown: close now if idle, else after the current response.
    func drain() {
        if exchange == nil { wire.close() } else { closing = true }
    }

    // MARK: Management (development mode: one port for management calls and APIs)

    /// A management call is any request that is not addressed to an API: not by an
    /// `{apiId}.execute-api.` host, not under `/restapis/{id}/{stage}/_user_request_/`.
    static func isManagementCall<Head: RequestHead>(_ head: Head, path: Substring) -> Bool {
        if let host = head.field("host"), CompiledGateway.executeAPIID(Substring(host)) != nil { return false }
        if path.hasPrefix("/restapis/"), path.contains("/_user_request_") { return false }
        return ManagementAPI.isManagementPath(path)
    }

    private func startManagement<Head: RequestHead>(_ head: Head, requestID: RequestID, now: Int64, keepAlive: Bool, version: HTTPVersion, expectsContinue: Bool) {
        var headers: [(name: String, value: String)] = []
        head.forEachField { name, value in
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        let exchange = Exchange(
            method: head.method, uri: head.uri, version: version, userAgent: head.field("user-agent") ?? "-",
            requestID: requestID, startNanos: NIODeadline.now().uptimeNanoseconds, startEpochMillis: now,
            gateway: state.gateway, routed: Pipeline.Routed(apiType: .rest), keepAlive: keepAlive && !closing && !state.draining
        )
        exchange.action = .management(headers)
        self.exchange = exchange
        if expectsContinue { wire.writeContinue() }
    }

    private func runManagement(_ exchange: Exchange, headers: [(name: String, value: String)]) {
        guard let management = state.management else { return }
        let body = exchange.collectedBody
        let request = AdminRequest(
            method: exchange.method.rawValue, target: exchange.uri, headers: headers,
            body: Array(body.readableBytesView), sourceIP: info.sourceIP
        )
        let promise = state.loop.makePromise(of: AdminResponse.self)
        promise.completeWithTask { await management.handle(request) }
        promise.futureResult.assumeIsolated().whenSuccess { [self] response in
            guard self.exchange === exchange, !exchange.responseStarted else { return }
            let prepared = PreparedResponse(
                status: HTTPResponseStatus(statusCode: response.status), headers: response.headers,
                contentType: nil, body: ByteBuffer(bytes: response.body)
            )
            writePrepared(prepared, exchange: exchange)
            wire.flush()
        }
    }

    // MARK: Lambda authorizers

    /// A request head that outlives the parser's buffers, for deciding again after the authorizer.
    static func ownedHead<Head: RequestHead>(_ head: Head, version: HTTPVersion) -> HTTPRequestHead {
        var owned = HTTPRequestHead(version: version, method: head.method, uri: head.uri)
        head.forEachField { name, value in
            owned.headers.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
        }
        return owned
    }

    /// Asks the authorizer (or this loop's cache), evaluates the policy for the method, and then
    /// decides the request again with the answer, or refuses it as AWS does.
    private func authorize(_ call: AuthorizerCall, exchange: Exchange, head: HTTPRequestHead) {
        let now = state.now()
        if let cached = state.authorizerCache.withLockedValue({ $0.lookup(call.cacheKey, nowMillis: now) }) {
            authorized(cached, call: call, exchange: exchange, head: head)
            return
        }
        guard let functions = state.functions else {
            exchange.errorMessage = "no function runtime is configured for the authorizer"
            writeError(.authorizerFailure, exchange: exchange)
            return
        }
        let function = call.authorizer.function
        let promise = state.loop.makePromise(of: FunctionOutcome.self)
        promise.completeWithTask {
            await functions.invoke(function.functionName, functionARN: function.functionARN, payload: call.event, timeoutMillis: min(function.timeoutMillis, 10_000))
        }
        promise.futureResult.assumeIsolated().whenSuccess { [self] outcome in
            guard self.exchange === exchange, !exchange.responseStarted else { return }
            switch AuthorizerResult.read(outcome, simpleResponses: call.authorizer.simpleResponses) {
            case .success(let result):
                let now = state.now()
                state.authorizerCache.withLockedValue { $0.store(result, key: call.cacheKey, ttlSeconds: call.authorizer.ttlSeconds, nowMillis: now) }
                authorized(result, call: call, exchange: exchange, head: head)
            case .failure(.unauthorized):
                writeError(.unauthorized, exchange: exchange)
            case .failure(.invalid(let reason)):
                exchange.errorMessage = reason
                writeError(.authorizerFailure, exchange: exchange)
            }
            wire.flush()
        }
    }

    private func authorized(_ result: AuthorizerResult, call: AuthorizerCall, exchange: Exchange, head: HTTPRequestHead) {
        switch result.evaluate(methodARN: call.methodARN) {
        case .explicitDeny: return writeError(.explicitDeny, exchange: exchange)
        case .noMatchingAllow: return writeError(.accessDenied, exchange: exchange)
        case .allow: break
        }
        decideAgain(with: result, exchange: exchange, head: head)
    }

    /// Carries out a decision taken after the request head was handled (by an authorizer's answer
    /// or a validated body): the body may be collected already or still arriving.
    private func proceed(_ decision: Pipeline.Decision, exchange: Exchange) {
        switch decision {
        case .cached(let use, let next):
            if let hit = lookUp(use, exchange: exchange) {
                writePrepared(hit, exchange: exchange)
            } else {
                proceed(next, exchange: exchange)
            }
        case .respond(let response):
            writePrepared(response, exchange: exchange)
        case .fail(let error):
            writeError(error, exchange: exchange)
        case .reject(let error, let message, let validationErrors):
            writeError(error, exchange: exchange, message: message, validationErrors: validationErrors)
        case .forward(let plan, let request) where request.collectsBody:
            exchange.mapping = request.mapping
            exchange.action = .forwardTemplated(plan, request)
            if exchange.requestComplete { forwardRendered(exchange, plan: plan, request: request) }
        case .forward(let plan, let request):
            exchange.action = .forward(plan)
            if plan.mapsResponses { exchange.mapping = request.mapping }
            if exchange.collectedBody.readableBytes > 0 {
                exchange.pendingBody.append(exchange.collectedBody)
                exchange.pendingBytes += exchange.collectedBody.readableBytes
                exchange.collectedBody = ByteBuffer()
            }
            forward(exchange, plan: plan, request: request)
            flushUpstream()
        case .invoke(let plan, let event, let mapping):
            exchange.action = .function(plan, event: event, mapping: mapping)
            if exchange.requestComplete { invokeFunction(exchange, plan: plan, event: event, mapping: mapping) }
        case .mock(let plan, let seed, let contentType, let accept):
            exchange.action = .mock(plan, seed: seed, contentType: contentType, accept: accept)
            if exchange.requestComplete { answerMock(exchange, plan: plan, seed: seed, contentType: contentType, accept: accept) }
        case .validate(let schema, let next):
            exchange.action = .validating(schema, next)
            if exchange.requestComplete { validateBody(exchange, schema: schema, then: next) }
        case .authorize, .verifyToken, .collectBody, .webSocket:
            exchange.errorMessage = "the request was authorized twice"
            writeError(.authorizerFailure, exchange: exchange)
        }
    }

    // MARK: JWT and Cognito authorizers


    /// Checks a token whose issuer's keys may have to be fetched first.
    private func checkTokenLater(_ call: TokenCall, exchange: Exchange, head: HTTPRequestHead) {
        switch state.verify(call, keysRefreshed: false) {
        case .accepted(let result): decideAgain(with: result, exchange: exchange, head: head)
        case .refused(let failure): refuseToken(failure, call: call, exchange: exchange)
        case .needsKeys(let issuer, let refresh): fetchKeys(call, issuer: issuer, refresh: refresh, exchange: exchange, head: head)
        }
    }

    /// Fetches the issuer's keys off the loop, then checks the token again.
    private func fetchKeys(_ call: TokenCall, issuer: String, refresh: Bool, exchange: Exchange, head: HTTPRequestHead) {
        let store = state.tokenKeys
        let source = exchange.gateway.jwksSources[issuer]
        let now = Double(state.now()) / 1000
        let promise = state.loop.makePromise(of: Void.self)
        promise.completeWithTask { await store.fetch(issuer, source: source, refresh: refresh, nowSeconds: now) }
        promise.futureResult.assumeIsolated().whenComplete { [self] _ in
            guard self.exchange === exchange, !exchange.responseStarted else { return }
            switch state.verify(call, keysRefreshed: true) {
            case .accepted(let result):
                decideAgain(with: result, exchange: exchange, head: head)
            case .refused(.keysUnavailable):
                refuseToken(.keysUnavailable(store.lastError(for: issuer) ?? "no key set"), call: call, exchange: exchange)
            case .refused(let failure):
                refuseToken(failure, call: call, exchange: exchange)
            case .needsKeys:
                refuseToken(.keysUnavailable(store.lastError(for: issuer) ?? "no key set"), call: call, exchange: exchange)
            }
            wire.flush()
        }
    }

    private func refuseToken(_ failure: TokenFailure, call: TokenCall, exchange: Exchange) {
        let refusal = call.authorizer.refusal(failure)
        exchange.routed.challengeFields = refusal.headers
        exchange.errorMessage = "\(call.authorizer.name): \(failure.description)"
        writeError(refusal.error, exchange: exchange, message: refusal.message)
    }

    /// Decides the request again: with an authorizer's answer, or with the collected body; the body may
    /// be in already. A token whose issuer's keys are still to be fetched waits for them.
    private func decideAgain(with result: AuthorizerResult?, exchange: Exchange, head: HTTPRequestHead, collectedBody: [UInt8]? = nil) {
        let (path, query) = Pipeline.splitTarget(head.uri)
        var routed = exchange.routed
        let decision = Pipeline.decide(
            head: head, path: path, query: query, requestID: exchange.requestID, sourceIP: info.sourceIP,
            forwarded: info.forwarded, gateway: exchange.gateway, routed: &routed,
            epochMillis: exchange.startEpochMillis, protocolName: info.protocolName, authorization: result,
            nowNanos: state.uptimeNanos, collectedBody: collectedBody, verifier: state
        )
        exchange.routed = routed
        exchange.contentType = head.headers.first(name: "content-type")
        if case .verifyToken(let call) = decision {
            exchange.action = .authorizing
            checkTokenLater(call, exchange: exchange, head: head)
            return
        }
        proceed(decision, exchange: exchange)
    }

    // MARK: Stage cache

    /// A cached response for `use`, or nil after arranging for the response to be kept.
    private func lookUp(_ use: CacheUse, exchange: Exchange) -> PreparedResponse? {
        let shard = state.stageCache(for: use.route)
        let now = state.uptimeNanos
        exchange.extraResponseFields += use.extraHeaders
        if use.invalidate {
            shard.invalidate(use.key)
        } else if let hit = shard.get(use.key, now: now) {
            exchange.cacheHit = true
            return PreparedResponse(status: hit.status, headers: hit.headers, contentType: hit.contentType, body: hit.body)
        }
        exchange.cacheHit = false
        exchange.cacheStore = (shard, use.key, use.route.ttlNanos)
        return nil
    }

    /// Keeps a response the stage cache asked for (2xx only).
    private func keep(_ status: HTTPResponseStatus, headers: [(String, String)], contentType: String?, body: ByteBuffer, exchange: Exchange) {
        guard let (cache, key, ttl) = exchange.cacheStore else { return }
        exchange.cacheStore = nil
        guard (200..<300).contains(Int(status.code)) else { return }
        cache.put(key, CachedResponse(status: status, headers: headers, contentType: contentType, body: body), ttlNanos: ttl, now: state.uptimeNanos)
    }

    // MARK: Validation

    /// The whole body is in: check it against the method's model (AWS's 400 `Invalid request body`
    /// when it is not JSON or breaks the schema), then carry on with the rest of the decision.
    private func validateBody(_ exchange: Exchange, schema: JSONSchema, then next: Pipeline.Decision) {
        let bytes = exchange.collectedBody.readableBytesView
        let errors: [String]
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            // An empty body is validated as an empty object.
            errors = schema.validate(.object([:]))
        } else {
            do { errors = schema.validate(try JSONValue.parse(bytes)) } catch {
                errors = ["Invalid JSON in the request body: \(error)"]
            }
        }
        guard errors.isEmpty else {
            let detail = "[\(errors.joined(separator: ", "))]"
            exchange.errorMessage = "Request body does not match model schema: \(detail)"
            return writeError(.badRequestBody, exchange: exchange, validationErrors: detail)
        }
        proceed(next, exchange: exchange)
    }

    // MARK: Functions

    /// Invokes the function once the body is in: the proxy event with the body, or (AWS, custom)
    /// the body itself as the event; then writes what the result maps to.
    /// HTTP (non-proxy) with a request template: the rendered body goes upstream with its length.
    private func forwardRendered(_ exchange: Exchange, plan: HTTPPlan, request: UpstreamRequest) {
        var body = Array(exchange.collectedBody.readableBytesView)
        exchange.collectedBody = ByteBuffer()
        // Parameters mapped from the client's body (`method.request.body…`).
        let request = request.mapsFromBody ? request.mappingBody(body, plan: plan) : request
        if let handling = request.bodyConversion {
            guard let converted = plan.binaryMedia.convertRequest(body, contentType: exchange.contentType, handling: handling) else {
                exchange.errorMessage = "the request body is not base64 and cannot be converted to binary"
                writeError(.internalError, exchange: exchange)
                wire.flush()
                return
            }
            body = converted
        }
        let rendered: ByteBuffer
        if let template = request.bodyTemplate, request.bodyConversion != .convertToBinary {
            do {
                rendered = try template.render(request.mapping?.variables(body: body) ?? [:])
            } catch {
                exchange.errorMessage = "the request template failed: \(error)"
                writeError(.internalError, exchange: exchange)
                wire.flush()
                return
            }
        } else {
            // Converted to binary, a template does not apply (AWS).
            rendered = ByteBuffer(bytes: body)
        }
        exchange.action = .forward(plan)
        if rendered.readableBytes > 0 {
            exchange.pendingBody.append(rendered)
            exchange.pendingBytes += rendered.readableBytes
        }
        // `$context.requestOverride.*` set by the template changes what goes upstream.
        let upstream = request.bodyTemplate == nil ? request : request.overriding(request.mapping?.requestOverride ?? RequestOverride(), plan: plan)
        forward(exchange, plan: plan, request: upstream.withBody(rendered))
        flushUpstream()
    }

    /// A MOCK whose request template reads the body, now that the body is in.
    private func answerMock(_ exchange: Exchange, plan: MockPlan, seed: MappingSeed, contentType: String?, accept: String?) {
        switch plan.respond(contentType: contentType, accept: accept, seed: seed, body: Array(exchange.collectedBody.readableBytesView)) {
        case .success(let response): writePrepared(response, exchange: exchange)
        case .failure(let error): writeError(error, exchange: exchange)
        }
        wire.flush()
    }

    private func invokeFunction(_ exchange: Exchange, plan: FunctionPlan, event: FunctionEvent?, mapping: MappingSeed?) {
        guard let functions = state.functions else {
            exchange.errorMessage = "no function runtime is configured"
            writeError(.internalError, exchange: exchange)
            return
        }
        let body = exchange.collectedBody
        let payload: [UInt8]
        if let event {
            payload = event.json(body: body)
        } else {
            switch plan.customEvent(body: Array(body.readableBytesView), contentType: exchange.contentType, seed: mapping) {
            case .success(let event): payload = event
            case .failure(let error):
                writeError(error, exchange: exchange)
                wire.flush()
                return
            }
        }
        exchange.integrationStartNanos = NIODeadline.now().uptimeNanoseconds
        let accept = exchange.accept
        let promise = state.loop.makePromise(of: FunctionOutcome.self)
        promise.completeWithTask {
            await functions.invoke(plan.functionName, functionARN: plan.functionARN, payload: payload, timeoutMillis: plan.timeoutMillis)
        }
        promise.futureResult.assumeIsolated().whenSuccess { [self] outcome in
            guard self.exchange === exchange, !exchange.responseStarted else { return }
            exchange.integrationLatencyNanos = NIODeadline.now().uptimeNanoseconds - exchange.integrationStartNanos
            let result = plan.proxy
                ? FunctionResponse.proxy(outcome, version: plan.payloadVersion, decodeBase64: exchange.routed.apiType != .rest || plan.binaryMedia.acceptsBinary(accept))
                : FunctionResponse.custom(outcome, responses: plan.responses, accept: accept, seed: mapping)
            switch result {
            case .success(let response):
                writePrepared(response, exchange: exchange)
            case .failure(let failure):
                exchange.errorMessage = failure.reason
                writeError(failure.error, exchange: exchange)
            }
            wire.flush()
        }
    }

    // MARK: Upstream

    private func forward(_ exchange: Exchange, plan: HTTPPlan, request: UpstreamRequest, nowNanos: UInt64? = nil) {
        exchange.upstreamRequest = request
        let now = nowNanos ?? NIODeadline.now().uptimeNanoseconds
        exchange.integrationStartNanos = now
        if exchange.timeoutLane == nil {
            state.timeouts.add(exchange, timeoutNanos: plan.timeout.nanoseconds, owner: self, now: now)
        }
        if let connection = state.pool.takeIdle(plan.upstream) {
            exchange.reusedConnection = true
            attach(connection, to: exchange)
            return
        }
        exchange.reusedConnection = false
        exchange.connecting = true
        state.pool.connect(plan.upstream).assumeIsolated().whenComplete { [self] result in
            guard self.exchange === exchange, exchange.connecting else {
                if case .success(let connection) = result { connection.channel.close(promise: nil) }
                return
            }
            exchange.connecting = false
            switch result {
            case .success(let connection):
                self.attach(connection, to: exchange)
                self.flushUpstream()
            case .failure(let error):
                state.timeouts.remove(exchange)
                exchange.errorMessage = "cannot connect to the integration endpoint: \(error)"
                self.writeError(.integrationFailure, exchange: exchange)
                self.wire.flush()
            }
        }
    }

    /// Sends the head and whatever body arrived while the connection was being acquired.
    private func attach(_ connection: UpstreamConnection, to exchange: Exchange) {
        // Read through the exchange, not bound to a local: a copy of the request costs retains.
        guard exchange.upstreamRequest != nil else { return }
        exchange.upstream = connection
        connection.handler.owner = self
        connection.send(head: exchange.upstreamRequest!.head, method: exchange.upstreamRequest!.method)
        let chunked = exchange.upstreamRequest!.chunked
        if !exchange.pendingBody.isEmpty {
            for buffer in exchange.pendingBody {
                connection.sendBody(buffer, chunked: chunked)
                exchange.bodyForwarded = true
            }
            exchange.pendingBody.removeAll()
            exchange.pendingBytes = 0
        }
        if exchange.requestComplete {
            connection.sendEnd(chunked: chunked)
            exchange.upstreamRequestComplete = true
        }
        exchange.upstreamNeedsFlush = true
        wire.resumeReading()
    }

    private func flushUpstream() {
        guard let exchange, exchange.upstreamNeedsFlush, let upstream = exchange.upstream else { return }
        exchange.upstreamNeedsFlush = false
        upstream.flush()
    }

    func upstreamHead(_ head: HTTP1ResponseHead) {
        guard let exchange else { return }
        state.timeouts.remove(exchange)
        exchange.integrationLatencyNanos = NIODeadline.now().uptimeNanoseconds - exchange.integrationStartNanos
        guard !exchange.responseStarted, case .forward(let plan) = exchange.action else {
            exchange.discardUpstreamBody = true
            return
        }
        if plan.isProxy, let mappings = plan.responseMappings.mappings(for: head.status) {
            writeRemappedHead(head, mappings: mappings, exchange: exchange)
        } else if plan.isProxy {
            writeProxiedHead(head, exchange: exchange)
        } else if let entry = plan.responses?.select(String(head.status)) {
            if plan.mapsResponses {
                // A template, a body-read header or a binary conversion shapes the answer: keep the
                // integration's body, answer at the end.
                exchange.mappedResponse = (entry, plan, head.fields.httpHeaders.map { (name: $0.name, value: $0.value) })
            } else {
                writeMappedHead(head, entry: entry, exchange: exchange)
            }
        } else {
            exchange.discardUpstreamBody = true
            exchange.errorMessage = "no integration response matches status \(head.status) and none is default"
            writeError(.internalError, exchange: exchange)
        }
    }

    func upstreamBody(_ data: ByteBuffer) {
        guard let exchange, !exchange.discardUpstreamBody else { return }
        if exchange.mappedResponse != nil {
            guard exchange.responseBuffer.readableBytes + data.readableBytes <= exchange.gateway.limits.maxPayloadBytes else {
                exchange.mappedResponse = nil
                exchange.discardUpstreamBody = true
                exchange.errorMessage = "the integration's response is over the payload limit for its template"
                writeError(.internalError, exchange: exchange)
                return
            }
            exchange.responseBuffer.writeImmutableBuffer(data)
            return
        }
        exchange.responseBytes += data.readableBytes
        if exchange.cacheCapture != nil {
            if exchange.cacheCapture!.body.readableBytes + data.readableBytes <= ResponseCacheShard.maxItemBytes {
                exchange.cacheCapture!.body.writeImmutableBuffer(data)
            } else {
                // Over AWS's 1 MB: served, not cached.
                exchange.cacheCapture = nil
                exchange.cacheStore = nil
            }
        }
        wire.writeBody(data)
    }

    /// The integration's body is in: convert it, map its headers and render the template for it.
    private func writeTemplatedResponse(_ exchange: Exchange) {
        guard let mapped = exchange.mappedResponse else { return }
        exchange.mappedResponse = nil
        let body = Array(exchange.responseBuffer.readableBytesView)
        exchange.responseBuffer = ByteBuffer()
        switch mapped.entry.respond(
            integrationBody: body, integrationFields: mapped.fields, accept: exchange.accept,
            binaryMedia: mapped.plan.binaryMedia, mapping: exchange.mapping) {
        case .success(let response):
            writePrepared(response, exchange: exchange)
        case .failure(let failure):
            exchange.errorMessage = failure.reason
            writeError(.internalError, exchange: exchange)
        }
    }

    func upstreamEnd(reusable: Bool) {
        guard let exchange else { return }
        if let connection = exchange.upstream {
            exchange.upstream = nil
            if reusable && exchange.upstreamRequestComplete && connection.isActive {
                // Idle since the response arrived (the clock read then, not again).
                state.pool.release(connection, now: exchange.integrationStartNanos &+ (exchange.integrationLatencyNanos ?? 0))
            } else {
                connection.handler.owner = nil
                connection.channel.close(promise: nil)
            }
        }
        if exchange.mappedResponse != nil {
            writeTemplatedResponse(exchange)
        } else if !exchange.discardUpstreamBody {
            if let capture = exchange.cacheCapture {
                exchange.cacheCapture = nil
                keep(capture.status, headers: capture.headers, contentType: capture.contentType, body: capture.body, exchange: exchange)
            }
            completeResponse(exchange)
        } else if exchange.responseComplete {
            finishIfDone(exchange)
        }
        // The upstream's read-complete no longer reaches us once the connection is released.
        wire.flush()
    }

    func upstreamReadComplete() {
        wire.flush()
    }

    func upstreamWritable() {
        wire.resumeReading()
    }

    func upstreamFailed(_ error: Error?) {
        guard let exchange, let connection = exchange.upstream else { return }
        exchange.upstream = nil
        connection.handler.owner = nil
        connection.channel.close(promise: nil)
        if exchange.responseStarted {
            if !exchange.responseComplete { wire.close() }
            return
        }
        // A reused keep-alive connection may have been closed by the upstream just before our
        // request: retry once on a new connection if no body was sent yet.
        if exchange.reusedConnection, !exchange.bodyForwarded, !exchange.retried, !exchange.discardUpstreamBody,
           case .forward(let plan) = exchange.action, let request = exchange.upstreamRequest
        {
            exchange.retried = true
            forward(exchange, plan: plan, request: request)
            return
        }
        state.timeouts.remove(exchange)
        exchange.errorMessage = "the integration endpoint failed: \(error.map { "\($0)" } ?? "connection closed")"
        writeError(.integrationFailure, exchange: exchange)
        wire.flush()
    }

    func integrationTimedOut(_ exchange: Exchange) {
        guard self.exchange === exchange, !exchange.responseStarted else { return }
        abandonUpstream(exchange)
        exchange.discardUpstreamBody = true
        if case .forward(let plan) = exchange.action {
            exchange.errorMessage = "integration timed out after \(plan.timeoutMillis) ms"
        }
        writeError(.integrationTimeout, exchange: exchange)
        wire.flush()
    }

    /// Drops the exchange's upstream connection (it cannot be reused mid-exchange).
    private func abandonUpstream(_ exchange: Exchange) {
        exchange.connecting = false
        exchange.pendingBody.removeAll()
        exchange.pendingBytes = 0
        if let connection = exchange.upstream {
            exchange.upstream = nil
            connection.handler.owner = nil
            connection.channel.close(promise: nil)
        }
    }

    // MARK: Responses

    private func startHead(_ status: HTTPResponseStatus, exchange: Exchange) {
        exchange.responseStarted = true
        exchange.status = Int(status.code)
        if closing || state.draining { exchange.keepAlive = false }
        wire.startHead(status)
        wire.addField("date", state.httpDate)
        wire.addRequestID(exchange.requestID, rest: exchange.routed.apiType == .rest)
        if let fields = exchange.routed.rateLimitFields {
            for (name, value) in fields { wire.addField(name, value) }
        }
        if let fields = exchange.routed.corsFields {
            for (name, value) in fields { wire.addField(name, value) }
        }
        // Checked first: looping over an empty array still retains and releases it.
        if !exchange.routed.challengeFields.isEmpty {
            for (name, value) in exchange.routed.challengeFields { wire.addField(name, value) }
        }
        if !exchange.extraResponseFields.isEmpty {
            for (name, value) in exchange.extraResponseFields { wire.addField(name, value) }
        }
    }

    func writePrepared(_ response: PreparedResponse, exchange: Exchange) {
        if exchange.cacheStore != nil {
            keep(response.status, headers: response.headers, contentType: response.contentType, body: response.body, exchange: exchange)
        }
        startHead(response.status, exchange: exchange)
        var hasContentType = false
        let replacesCORS = exchange.routed.corsFields != nil
        for (name, value) in response.headers {
            // An API with CORS answers with the gateway's CORS headers, not the integration's.
            if replacesCORS && CompiledCORS.isCORSField(name) { continue }
            hasContentType = hasContentType || HeaderName.equals(name, "content-type")
            wire.addField(name, value)
        }
        if !hasContentType, let contentType = response.contentType { wire.addField("content-type", contentType) }
        let length = response.body.readableBytes
        exchange.responseBytes = length
        wire.endHead(contentLength: length, bodyFollows: false, keepAlive: exchange.keepAlive)
        if length > 0, exchange.method != .HEAD { wire.writeBody(response.body) }
        completeResponse(exchange)
    }

    func writeError(_ error: GatewayError, exchange: Exchange, message: String? = nil, validationErrors: String = "") {
        if error == .wafFiltered, let rule = exchange.routed.wafBlockedBy { exchange.errorMessage = "blocked by the WAF rule '\(rule)'" }
        if exchange.errorMessage.isEmpty { exchange.errorMessage = message ?? error.shape(for: exchange.routed.apiType).message }
        switch error {
        case .requestTooLarge, .requestHeadersTooLarge, .badRequest:
            // The rest of this request cannot be trusted or is too big to read: close after answering.
            exchange.keepAlive = false
            closing = true
            exchange.requestComplete = true
        default:
            break
        }
        if let custom = exchange.routed.gatewayResponses,
           let response = custom.response(
               for: error, apiType: exchange.routed.apiType, limits: exchange.gateway.limits, context: errorContext(exchange),
               message: message, validationErrors: validationErrors) {
            writePrepared(response, exchange: exchange)
            return
        }
        writePrepared(error.response(for: exchange.routed.apiType, limits: exchange.gateway.limits, message: message), exchange: exchange)
    }

    /// What a customised gateway response's template reads of `$context` (besides `error`).
    private func errorContext(_ exchange: Exchange) -> VelocityMap {
        VelocityMap([
            ("requestId", .string(exchange.requestID.uuid)), ("extendedRequestId", .string(exchange.requestID.shortID)),
            ("apiId", .string(exchange.routed.apiID)), ("stage", .string(exchange.routed.stage)),
            ("resourcePath", .string(exchange.routed.resourcePath)), ("httpMethod", .string(exchange.method.rawValue)),
            ("identity", .map(VelocityMap([("sourceIp", .string(info.sourceIP))]))),
        ])
    }

    /// Upstream response fields that REST APIs return as `x-amzn-Remapped-<name>` (AWS's table).
    private static func isRemapped(_ name: UnsafeRawBufferPointer) -> Bool {
        switch name.count {
        case 4: return HTTP1Bytes.equalsLowercase(name, "date")
        case 6: return HTTP1Bytes.equalsLowercase(name, "server")
        case 10: return HTTP1Bytes.equalsLowercase(name, "connection")
        case 11: return HTTP1Bytes.equalsLowercase(name, "content-md5")
        case 13: return HTTP1Bytes.equalsLowercase(name, "authorization")
        case 16: return HTTP1Bytes.equalsLowercase(name, "www-authenticate")
        default: return false
        }
    }

    private func writeProxiedHead(_ upstream: HTTP1ResponseHead, exchange: Exchange) {
        let status = HTTPResponseStatus(statusCode: upstream.status)
        startHead(status, exchange: exchange)
        let rest = exchange.routed.apiType == .rest
        let wire = self.wire
        // The stage cache keeps a 2xx response: its fields as the client sees them, then its body.
        let capturing = exchange.cacheStore != nil && (200..<300).contains(upstream.status)
        var captured: [(String, String)] = []
        let replacesCORS = exchange.routed.corsFields != nil
        upstream.fields.bytes.withUnsafeReadableBytes { raw in
            for field in upstream.fields.fields {
                let name = UnsafeRawBufferPointer(rebasing: raw[Int(field.nameStart)..<Int(field.nameEnd)])
                let value = UnsafeRawBufferPointer(rebasing: raw[Int(field.valueStart)..<Int(field.valueEnd)])
                if replacesCORS && HTTP1Bytes.hasPrefixLowercase(name, "access-control-") { continue }
                if rest && Self.isRemapped(name) {
                    wire.addField(name, value, remapped: true)
                    if capturing { captured.append(("x-amzn-Remapped-" + String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))) }
                } else if !HTTP1Bytes.isHopByHopOrFraming(name) && !HTTP1Bytes.equalsLowercase(name, "date") {
                    wire.addField(name, value, remapped: false)
                    if capturing { captured.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))) }
                }
            }
        }
        if capturing {
            exchange.cacheCapture = (status, captured, nil, ByteBuffer())
        } else {
            exchange.cacheStore = nil
        }
        endStreamedHead(upstream, exchange: exchange)
    }

    private func writeMappedHead(_ upstream: HTTP1ResponseHead, entry: IntegrationResponses.Entry, exchange: Exchange) {
        startHead(entry.status, exchange: exchange)
        let contentType = upstream.fields.first("content-type") ?? "application/json"
        wire.addField("content-type", contentType)
        var fields: [(String, String)] = []
        for (name, source) in entry.headers {
            switch source {
            case .literal(let value): fields.append((name, value))
            case .integrationHeader(let header):
                if let value = upstream.fields.first(name: header) { fields.append((name, value)) }
            case .integrationBody:
                break  // a body-read header makes the response buffered, never streamed
            }
        }
        for (name, value) in fields { wire.addField(name, value) }
        if exchange.cacheStore != nil, (200..<300).contains(Int(entry.status.code)) {
            exchange.cacheCapture = (entry.status, fields, contentType, ByteBuffer())
        } else {
            exchange.cacheStore = nil
        }
        endStreamedHead(upstream, exchange: exchange)
    }

    /// HTTP APIs' response mappings (`overwrite:statuscode`, header append/overwrite/remove).
    private func writeRemappedHead(_ upstream: HTTP1ResponseHead, mappings: [HTTPAPIMapping], exchange: Exchange) {
        let fields = upstream.fields.httpHeaders.map { (name: $0.name, value: $0.value) }
        // Hop-by-hop and framing fields stay behind, as on the streamed path.
        let dropped: Set<String> = ["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "content-length", "date"]
        let passed = fields.filter { !dropped.contains($0.name.lowercased()) }
        let (status, headers) = HTTPAPIResponseMappings.apply(mappings, status: upstream.status, headers: passed) { value in
            switch value {
            case .literal(let text): return text
            case .responseHeader(let name): return fields.first { $0.name.lowercased() == name.lowercased() }?.value
            case .context("requestId"): return exchange.requestID.uuid
            case .context("extendedRequestId"): return exchange.requestID.shortID
            case .context("stage"): return exchange.routed.stage
            case .context("apiId"): return exchange.routed.apiID
            case .context("routeKey"): return exchange.routed.routeKey
            case .context("httpMethod"): return exchange.method.rawValue
            case .context("identity.sourceIp"): return info.sourceIP
            default: return nil
            }
        }
        startHead(HTTPResponseStatus(statusCode: status), exchange: exchange)
        for (name, value) in headers { wire.addField(name, value) }
        endStreamedHead(upstream, exchange: exchange)
    }

    private func endStreamedHead(_ upstream: HTTP1ResponseHead, exchange: Exchange) {
        let bodyless = exchange.method == .HEAD || upstream.status == 204 || upstream.status == 304
        let length = upstream.isChunked ? nil : upstream.contentLength
        if length == nil && !bodyless && exchange.version == .http1_0 && !wire.isHTTP2 {
            // An HTTP/1.0 client knows no chunks: the end of the body is the end of the connection.
            exchange.keepAlive = false
            wire.endHead(contentLength: nil, bodyFollows: false, keepAlive: false)
            return
        }
        wire.endHead(contentLength: length, bodyFollows: !bodyless, keepAlive: exchange.keepAlive)
    }

    private func completeResponse(_ exchange: Exchange) {
        guard !exchange.responseComplete else { return }
        exchange.responseComplete = true
        if !exchange.keepAlive { closing = true }
        wire.writeEnd(close: !exchange.keepAlive)
        finishIfDone(exchange)
    }

    /// After both directions finished: log, count, and let the wire start the next request.
    private func finishIfDone(_ exchange: Exchange) {
        guard exchange.isDone, self.exchange === exchange else { return }
        state.timeouts.remove(exchange)
        record(exchange)
        if exchange.upstreamRequest != nil { headBuffer.giveBack(exchange.upstreamRequest!.head) }
        self.exchange = nil
        if exchange.keepAlive {
            wire.exchangeFinished()
            // Requests started from buffered bytes are outside a read cycle: flush them here.
            flushUpstream()
        }
    }

    func record(_ exchange: Exchange) {
        let elapsedNanos = NIODeadline.now().uptimeNanoseconds - exchange.startNanos
        if exchange.routed.wafBlockedBy != nil || !exchange.routed.wafCounted.isEmpty {
            state.metrics.recordWAF(api: exchange.routed.apiID, stage: exchange.routed.stage, blockedBy: exchange.routed.wafBlockedBy, counted: exchange.routed.wafCounted)
        }
        let integrationMillis = exchange.integrationLatencyNanos.map { Double($0) / 1_000_000 }
        state.metrics.record(
            route: exchange.routed.route,
            labels: {
                GatewayMetrics.Labels(
                    api: exchange.routed.apiID, stage: exchange.routed.stage,
                    method: exchange.routed.route?.method ?? "-", resource: exchange.routed.resourcePath)
            },
            status: exchange.status, latencyMillis: Double(elapsedNanos) / 1_000_000, integrationMillis: integrationMillis,
            cacheHit: exchange.cacheHit
        )
        guard let format = state.accessLogFormat else { return }
        let entry = AccessLogEntry(
            requestID: exchange.requestID.uuid, extendedRequestID: exchange.requestID.shortID, sourceIP: info.sourceIP,
            requestTimeEpochMillis: exchange.startEpochMillis, httpMethod: exchange.method.rawValue,
            path: String(Pipeline.splitTarget(exchange.uri).path), protocolName: info.protocolName,
            routed: exchange.routed, status: exchange.status, responseLength: exchange.responseBytes,
            integrationLatencyMillis: integrationMillis.map { Int($0) } ?? -1,
            responseLatencyMillis: Int(elapsedNanos / 1_000_000), errorMessage: exchange.errorMessage,
            userAgent: exchange.userAgent
        )
        state.accessLog.append(format.format(entry))
    }

    /// Called by the loop's once-a-second sweep: closes a keep-alive connection idle for longer
    /// than `idle`, or a client that stopped sending in the middle of a request for longer than
    /// `stalled`. A request waiting for its integration is left to the integration timeout.
    func sweep(now: UInt64, idle: UInt64, stalled: UInt64) {
        let quiet = now &- lastActivityNanos
        if let exchange {
            if !exchange.requestComplete && quiet > stalled { wire.close() }
        } else if quiet > idle {
            wire.close()
        }
    }
}
