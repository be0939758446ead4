import Crypto
import NIOCore
import NIOHTTP1
import PorticoModel
import PorticoPipeline

/// WebSocket APIs on a downstream connection: the upgrade (after the `$connect` route agrees) and
/// the stage's `@connections` API.
extension RequestDriver {
    func connectWebSocket<Head: RequestHead>(_ stage: CompiledStage, exchange: Exchange, head: Head) {
        guard !wire.isHTTP2, let webSocket = stage.webSocket, let key = head.field("sec-websocket-key"),
              head.field("sec-websocket-version") == "13", Base64.decode(key)?.count == 16 else {
            exchange.keepAlive = false
            return writeError(.badRequest, exchange: exchange, message: "A WebSocket upgrade needs Sec-WebSocket-Key and Sec-WebSocket-Version: 13 over HTTP/1.1")
        }
        var headers: [(name: String, value: String)] = []
        head.forEachField { name, value in headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))) }
        let host = head.field("host") ?? "\(stage.apiID).execute-api.localhost"
        var connection = WebSocketEvent.Connection(
            connectionID: ConnectionID.make(), apiID: stage.apiID, stage: stage.name,
            domainName: String(host.split(separator: ":").first ?? Substring(host)), sourceIP: info.sourceIP,
            userAgent: head.field("user-agent"), connectedAtMillis: exchange.startEpochMillis)
        connection.clientCertificate = info.forwarded.clientCertificate
        exchange.action = .authorizing
        let accept = Base64.encode(Array(Insecure.SHA1.hash(data: Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))))
        let (path, query) = Pipeline.splitTarget(head.uri)
        let route = webSocket.routes["$connect"]
        let methodARN = "\(ARNs.api(stage.apiID))/\(stage.name)/$connect"
        // An API key of a usage plan of the stage, when $connect requires one.
        if route?.apiKeyRequired == true {
            let value = head.field(named: webSocket.apiKeyHeader)
            switch TrafficFilter.admitKey(
                value, apiID: stage.apiID, stage: stage.name, gateway: exchange.gateway, nowNanos: lastActivityNanos, epochMillis: exchange.startEpochMillis) {
            case .success(let keyID): connection.apiKey = (value ?? "", keyID)
            case .failure(let error):
                exchange.keepAlive = false
                return writeError(error, exchange: exchange)
            }
        }
        // $connect's authorization: SigV4, or the Lambda REQUEST authorizer.
        if route?.iam == true {
            switch IAMFilter.check(
                head: head, path: path, query: query, body: [], credentials: exchange.gateway.iamCredentials, methodARN: methodARN,
                nowSeconds: exchange.startEpochMillis / 1000, keys: exchange.gateway.signingKeys) {
            case .verified(let result): connection.authorizer = result
            case .refused(let error, let message):
                exchange.keepAlive = false
                // An unsigned upgrade is refused as any other: 403 Forbidden.
                if error == .missingAuthenticationToken { return writeError(.forbidden, exchange: exchange) }
                return writeError(error, exchange: exchange, message: message)
            case .needsBody:
                break
            }
        }
        if let authorizer = route?.authorizer {
            guard let functions = state.functions else {
                exchange.keepAlive = false
                return writeError(.authorizerFailure, exchange: exchange)
            }
            // Every identity source must be there, or the answer is 401 without a call (as AWS).
            for source in authorizer.identity {
                let present: Bool = switch source {
                case .header(let name): head.field(named: name)?.isEmpty == false
                case .query(let name): QueryString.first(name, in: query)?.isEmpty == false
                case .stageVariable(let name): stage.variables[name] != nil
                case .context: true
                }
                if !present {
                    exchange.keepAlive = false
                    return writeError(.unauthorized, exchange: exchange)
                }
            }
            let request = WebSocketEvent.authorizerRequest(
                headers: headers, query: String(query), methodARN: methodARN, stageVariables: stage.variables, connection: connection,
                requestID: exchange.requestID.shortID, nowMillis: exchange.startEpochMillis)
            let promise = state.loop.makePromise(of: FunctionOutcome.self)
            promise.completeWithTask {
                await functions.invoke(authorizer.function.functionName, functionARN: authorizer.function.functionARN, payload: request, timeoutMillis: 10_000)
            }
            promise.futureResult.assumeIsolated().whenSuccess { [self] outcome in
                guard self.exchange === exchange, !exchange.responseStarted else { return }
                exchange.keepAlive = false
                switch AuthorizerResult.read(outcome, simpleResponses: false) {
                case .success(let result):
                    switch result.evaluate(methodARN: methodARN) {
                    case .allow:
                        connection.authorizer = result
                        exchange.keepAlive = true
                        runConnect(connection, route: route, stage: stage, webSocket: webSocket, headers: headers, query: String(query), accept: accept, exchange: exchange)
                        return
                    case .explicitDeny, .noMatchingAllow:
                        writeError(.forbidden, exchange: exchange)
                    }
                case .failure(.unauthorized):
                    writeError(.unauthorized, exchange: exchange)
                case .failure(.invalid(let reason)):
                    exchange.errorMessage = reason
                    writeError(.authorizerFailure, exchange: exchange)
                }
                wire.flush()
            }
            return
        }
        runConnect(connection, route: route, stage: stage, webSocket: webSocket, headers: headers, query: String(query), accept: accept, exchange: exchange)
    }

    /// The `$connect` route's integration, then the upgrade (2xx) or its refusal.
    private func runConnect(
        _ connection: WebSocketEvent.Connection, route: CompiledWebSocketRoute?, stage: CompiledStage, webSocket: CompiledWebSocket,
        headers: [(name: String, value: String)], query: String, accept: String, exchange: Exchange
    ) {
        let event = WebSocketEvent.make(
            .connect(headers: headers, query: query), routeKey: "$connect", connection: connection,
            requestID: exchange.requestID.shortID, nowMillis: exchange.startEpochMillis)
        let target = route?.target ?? .none
        let seed = MappingSeed.webSocket(connection, routeKey: "$connect", eventType: "CONNECT", requestID: exchange.requestID.shortID, stageVariables: stage.variables)
        WebSocketIntegrations.run(target, event: event, message: [], seed: seed, functions: state.functions, loop: state.loop)
            .assumeIsolated().whenSuccess { [self] result in
                guard self.exchange === exchange, !exchange.responseStarted else { return }
                switch result {
                case .success(let answer) where (200..<300).contains(answer.status):
                    // The connection is the session's from here: this exchange ends with the 101.
                    exchange.status = 101
                    exchange.responseStarted = true
                    exchange.responseComplete = true
                    exchange.requestComplete = true
                    record(exchange)
                    self.exchange = nil
                    let session = WebSocketSession(id: connection.connectionID, webSocket: webSocket, variables: stage.variables, connection: connection, state: state, registry: state.webSockets)
                    wire.upgradeToWebSocket(accept: accept, session: session, maxFrameBytes: webSocket.limits.maxFrameBytes)
                case .success(let answer):
                    // `$connect` refused: its status, and the connection closes.
                    exchange.keepAlive = false
                    exchange.errorMessage = "the $connect route refused the connection"
                    writePrepared(PreparedResponse(
                        status: HTTPResponseStatus(statusCode: answer.status), headers: [], contentType: answer.body.isEmpty ? nil : "application/json",
                        body: ByteBuffer(bytes: answer.body)), exchange: exchange)
                    wire.flush()
                case .failure(let error):
                    exchange.keepAlive = false
                    writeError(error, exchange: exchange)
                    wire.flush()
                }
            }
    }

    /// `POST` (send), `GET` (describe) or `DELETE` (close) on `/@connections/{id}`, SigV4-signed by a
    /// credential of `iam:` (without any, only loopback clients may call).
    func runConnectionsCall(_ exchange: Exchange, stage: CompiledStage, connectionID: String, head: HTTPRequestHead) {
        let body = Array(exchange.collectedBody.readableBytesView)
        exchange.collectedBody = ByteBuffer()
        let gateway = exchange.gateway
        let (path, query) = Pipeline.splitTarget(head.uri)
        if gateway.iamCredentials.isEmpty {
            guard ["127.0.0.1", "::1"].contains(info.sourceIP) || info.sourceIP.hasPrefix("127.") else {
                return writeError(.forbidden, exchange: exchange)
            }
        } else {
            let arn = ARNs.method(apiID: stage.apiID, stage: stage.name, method: head.method.rawValue, path: "/@connections/\(connectionID)")
            if case .refused(let error, let message) = IAMFilter.check(
                head: head, path: path, query: query, body: body, credentials: gateway.iamCredentials, methodARN: arn,
                nowSeconds: exchange.startEpochMillis / 1000, keys: gateway.signingKeys) {
                return writeError(error, exchange: exchange, message: message)
            }
        }
        guard let entry = state.webSockets.entry(connectionID), entry.apiID == stage.apiID, entry.stage == stage.name else {
            return writeError(.gone, exchange: exchange, message: "The connection \(connectionID) is gone")
        }
        switch head.method {
        case .POST:
            guard body.count <= (stage.webSocket?.limits.maxMessageBytes ?? 131_072) else {
                return writePrepared(PreparedResponse(
                    status: .payloadTooLarge, headers: [("x-amzn-ErrorType", "PayloadTooLargeException")], contentType: "application/json",
                    body: ByteBuffer(string: #"{"message":"Message too long"}"#)), exchange: exchange)
            }
            entry.loop.execute { entry.session.send(body) }
            writePrepared(PreparedResponse(status: .ok, headers: [], contentType: nil, body: ByteBuffer()), exchange: exchange)
        case .DELETE:
            entry.loop.execute { entry.session.close(code: 1000, reason: "") }
            writePrepared(PreparedResponse(status: .noContent, headers: [], contentType: nil, body: ByteBuffer()), exchange: exchange)
        default:
            var identity: [String: JSONValue] = ["sourceIp": .string(entry.sourceIP)]
            if let agent = entry.userAgent { identity["userAgent"] = .string(agent) }
            let document: JSONValue = [
                "connectedAt": .string(Self.iso8601(entry.connectedAtMillis)), "identity": .object(identity),
                "lastActiveAt": .string(Self.iso8601(entry.session.lastActiveMillis.load(ordering: .relaxed))),
            ]
            writePrepared(PreparedResponse(status: .ok, headers: [], contentType: "application/json", body: ByteBuffer(string: document.serialized)), exchange: exchange)
        }
        wire.flush()
    }

    /// `2026-11-22T07:00:00.123Z`.
    static func iso8601(_ millis: Int64) -> String {
        let time = CivilTime(epochSeconds: millis / 1000)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let fraction = String(millis % 1000 + 1000).dropFirst()
        return "\(time.year)-\(two(time.month))-\(two(time.day))T\(two(time.hour)):\(two(time.minute)):\(two(time.second)).\(fraction)Z"
    }
}
