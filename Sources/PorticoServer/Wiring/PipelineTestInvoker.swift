import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOCore
import NIOHTTP1
import PorticoAdmin
import PorticoModel
import PorticoPipeline

/// TestInvokeMethod through the data plane's own compiler and pipeline: the method compiles as a
/// deployment would, `Pipeline.decide` routes the request, a MOCK answers in place and an HTTP
/// integration is called (off the hot path, with URLSession) and its response mapped as the data
/// plane maps it.
public struct PipelineTestInvoker: TestInvoker {
    let limits: Limits
    let functions: (any FunctionInvoker)?
    /// The functions portico.yaml defines (an integration may only call these).
    let functionNames: [String]
    let remoteLambda: Bool

    public init(limits: Limits, functions: (any FunctionInvoker)? = nil, functionNames: [String] = [], remoteLambda: Bool = false) {
        self.limits = limits
        self.functions = functions
        self.functionNames = functionNames
        self.remoteLambda = remoteLambda
    }

    public func invoke(_ api: APIDefinition, stage: String, method: String, pathWithQuery: String, headers: [(name: String, value: String)], body: [UInt8]) async -> TestInvocation {
        let started = Date()
        var log = ["Execution log for request test-request", "Starting execution for request: \(method) \(pathWithQuery)"]
        func finish(_ status: Int, _ headers: [(name: String, value: String)], _ body: [UInt8]) -> TestInvocation {
            log.append("Method completed with status: \(status)")
            return TestInvocation(status: status, headers: headers, body: body, latencyMillis: Int(Date().timeIntervalSince(started) * 1000), log: log)
        }
        var project = ProjectConfig(limits: limits, apis: [api])
        project.functions = functionNames.map { FunctionConfig(name: $0, command: []) }
        if remoteLambda { project.remoteLambda = RemoteLambdaConfig(endpoint: "http://remote") }
        let (compiled, diagnostics) = Compiler.compile(project)
        guard let gateway = compiled else {
            log += diagnostics.map { "Execution failed due to configuration error: \($0.message)" }
            return finish(500, [("Content-Type", "application/json")], Array(#"{"message": "Internal server error"}"#.utf8))
        }
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: "/\(stage)\(pathWithQuery)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if !body.isEmpty, !head.headers.contains(name: "content-length") { head.headers.add(name: "content-length", value: String(body.count)) }
        var generator = RequestIDGenerator()
        var routed = Pipeline.Routed(apiType: .rest)
        let (path, query) = Pipeline.splitTarget(head.uri)
        var decision = Pipeline.decide(
            head: head, path: path, query: query, requestID: generator.make(), sourceIP: "test-invoke-source-ip",
            forwarded: ForwardedInfo(proto: "https", port: 443), gateway: gateway, routed: &routed
        )
        // Test invocations go to the integration, never to the stage cache.
        if case .cached(_, let next) = decision { decision = next }
        if case .validate(let schema, let next) = decision {
            let instance: JSONValue? = body.isEmpty ? .object([:]) : try? JSONValue.parse(body)
            let errors = instance.map { schema.validate($0) } ?? ["Invalid JSON in the request body"]
            if errors.isEmpty {
                decision = next
                if case .cached(_, let uncached) = next { decision = uncached }
            } else {
                log.append("Request body does not match model schema for content type application/json: [\(errors.joined(separator: ", "))]")
                decision = .fail(.badRequestBody)
            }
        }
        switch decision {
        case .respond(let response):
            log.append("Method response body after transformations: \(String(buffer: response.body))")
            return finish(Int(response.status.code), Self.fields(response), Array(response.body.readableBytesView))
        case .fail(let error):
            let response = error.response(for: .rest, limits: limits)
            log.append("Execution failed: \(error)")
            return finish(Int(response.status.code), Self.fields(response), Array(response.body.readableBytesView))
        case .reject(let error, let message, _):
            let response = error.response(for: .rest, limits: limits, message: message)
            log.append(message)
            return finish(Int(response.status.code), Self.fields(response), Array(response.body.readableBytesView))
        case .validate, .cached:
            return finish(500, [], Array(#"{"message": "Internal server error"}"#.utf8))
        case .webSocket:
            log.append("WebSocket APIs cannot be test-invoked")
            return finish(400, [], Array(#"{"message": "Bad request"}"#.utf8))
        case .authorize, .verifyToken, .collectBody:
            log.append("Authorization is skipped by test invocations, as AWS's console does")
            return finish(500, [], Array(#"{"message": "Internal server error"}"#.utf8))
        case .mock(let plan, let seed, let contentType, let accept):
            switch plan.respond(contentType: contentType, accept: accept, seed: seed, body: body) {
            case .success(let response): return finish(Int(response.status.code), Self.fields(response), Array(response.body.readableBytesView))
            case .failure(let error):
                let response = error.response(for: .rest, limits: limits)
                return finish(Int(response.status.code), Self.fields(response), Array(response.body.readableBytesView))
            }
        case .invoke(let plan, let event, let mapping):
            guard let functions else { return finish(500, [], Array(#"{"message": "Internal server error"}"#.utf8)) }
            let payload: [UInt8]
            if let event {
                payload = event.json(body: ByteBuffer(bytes: body))
            } else {
                switch plan.customEvent(body: body, contentType: head.headers.first(name: "content-type"), seed: mapping) {
                case .success(let event): payload = event
                case .failure(let error):
                    let response = error.response(for: .rest, limits: limits)
                    return finish(Int(response.status.code), Self.fields(response), Array(response.body.readableBytesView))
                }
            }
            log.append("Endpoint request body after transformations: \(String(decoding: payload.prefix(1000), as: UTF8.self))")
            let outcome = await functions.invoke(plan.functionName, functionARN: plan.functionARN, payload: payload, timeoutMillis: plan.timeoutMillis)
            let result = plan.proxy ? FunctionResponse.proxy(outcome, version: plan.payloadVersion, decodeBase64: plan.binaryMedia.acceptsBinary(head.headers.first(name: "accept")))
                : FunctionResponse.custom(outcome, responses: plan.responses, accept: head.headers.first(name: "accept"), seed: mapping)
            switch result {
            case .success(let response):
                return finish(Int(response.status.code), Self.fields(response), Array(response.body.readableBytesView))
            case .failure(let failure):
                log.append("Execution failed: \(failure.reason)")
                let response = failure.error.response(for: .rest, limits: limits)
                return finish(Int(response.status.code), Self.fields(response), Array(response.body.readableBytesView))
            }
        case .forward(let plan, var upstream):
            var body = body
            if upstream.mapsFromBody {
                upstream = upstream.mappingBody(body, plan: plan)
                if upstream.bodyTemplate == nil && upstream.bodyConversion == nil { upstream = upstream.withBody(ByteBuffer(bytes: body)) }
            }
            if let handling = upstream.bodyConversion {
                guard let converted = plan.binaryMedia.convertRequest(body, contentType: head.headers.first(name: "content-type"), handling: handling) else {
                    log.append("Execution failed: the request body is not base64 and cannot be converted to binary")
                    return finish(500, [], Array(#"{"message": "Internal server error"}"#.utf8))
                }
                body = converted
                if upstream.bodyTemplate == nil || handling == .convertToBinary { upstream = upstream.withBody(ByteBuffer(bytes: body)) }
            }
            if let template = upstream.bodyTemplate, upstream.bodyConversion != .convertToBinary {
                guard let rendered = try? template.render(upstream.mapping?.variables(body: body) ?? [:]) else {
                    log.append("Execution failed: the request template failed")
                    return finish(500, [], Array(#"{"message": "Internal server error"}"#.utf8))
                }
                body = Array(rendered.readableBytesView)
                upstream = upstream.overriding(upstream.mapping?.requestOverride ?? RequestOverride(), plan: plan).withBody(rendered)
                log.append("Endpoint request body after transformations: \(String(decoding: body.prefix(1000), as: UTF8.self))")
            }
            guard let (requestHead, _) = try? HTTP1Parser.parseRequestHead(upstream.head, limit: 65_536) else {
                return finish(500, [], Array(#"{"message": "Internal server error"}"#.utf8))
            }
            let scheme = plan.upstream.tls ? "https" : "http"
            guard let url = URL(string: "\(scheme)://\(plan.upstream.hostHeader)\(requestHead.uri)") else {
                return finish(500, [], Array(#"{"message": "Internal server error"}"#.utf8))
            }
            log.append("Endpoint request URI: \(url)")
            var request = URLRequest(url: url, timeoutInterval: Double(plan.timeoutMillis) / 1000)
            request.httpMethod = requestHead.method.rawValue
            for (name, value) in requestHead.fields.httpHeaders where !["host", "content-length", "connection", "transfer-encoding"].contains(name.lowercased()) {
                request.addValue(value, forHTTPHeaderField: name)
            }
            if !body.isEmpty { request.httpBody = Data(body) }
            do {
                let (data, response) = try await URLSession.shared.data(for: request)
                guard let http = response as? HTTPURLResponse else { return finish(502, [], []) }
                log.append("Endpoint response status: \(http.statusCode)")
                let upstreamHeaders = http.allHeaderFields.compactMap { key, value -> (name: String, value: String)? in
                    guard let name = key as? String, let text = value as? String else { return nil }
                    return (name, text)
                }
                if plan.isProxy { return finish(http.statusCode, upstreamHeaders, Array(data)) }
                guard let entry = plan.responses?.select(String(http.statusCode)) else {
                    log.append("Execution failed due to configuration error: No match for output mapping and no default output mapping configured")
                    return finish(500, [("Content-Type", "application/json")], Array(#"{"message": "Internal server error"}"#.utf8))
                }
                switch entry.respond(
                    integrationBody: Array(data), integrationFields: upstreamHeaders, accept: head.headers.first(name: "accept"),
                    binaryMedia: plan.binaryMedia, mapping: upstream.mapping) {
                case .success(let response):
                    return finish(Int(response.status.code), Self.fields(response), Array(response.body.readableBytesView))
                case .failure(let failure):
                    log.append("Execution failed: \(failure.reason)")
                    return finish(500, [("Content-Type", "application/json")], Array(#"{"message": "Internal server error"}"#.utf8))
                }
            } catch {
                log.append("Execution failed due to an error calling the endpoint: \(error)")
                let timedOut = (error as? URLError)?.code == .timedOut
                let failure: GatewayError = timedOut ? .integrationTimeout : .internalError
                let response = failure.response(for: .rest, limits: limits)
                return finish(Int(response.status.code), Self.fields(response), Array(response.body.readableBytesView))
            }
        }
    }

    static func fields(_ response: PreparedResponse) -> [(name: String, value: String)] {
        var fields = response.headers.map { (name: $0.0, value: $0.1) }
        if let type = response.contentType, !fields.contains(where: { $0.name.lowercased() == "content-type" }) { fields.append(("Content-Type", type)) }
        return fields
    }
}
