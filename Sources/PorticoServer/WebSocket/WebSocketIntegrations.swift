import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOCore
import PorticoModel
import PorticoPipeline

/// Runs a WebSocket route's integration: a function with the event, a MOCK with the message, or a
/// POST of the message to a URL. Answers with the status and body the integration gave.
enum WebSocketIntegrations {
    struct Answer: Sendable {
        var status: Int
        var body: [UInt8]
    }

    static func run(
        _ target: CompiledWebSocketRoute.Target, event: [UInt8], message: [UInt8], seed: MappingSeed?, functions: (any FunctionInvoker)?, loop: EventLoop
    ) -> EventLoopFuture<Result<Answer, GatewayError>> {
        switch target {
        case .none:
            return loop.makeSucceededFuture(.success(Answer(status: 200, body: [])))
        case .unavailable:
            return loop.makeSucceededFuture(.failure(.internalError))
        case .mock(let plan):
            switch plan.respond(contentType: "application/json", accept: nil, seed: seed, body: message) {
            case .success(let response):
                return loop.makeSucceededFuture(.success(Answer(status: Int(response.status.code), body: Array(response.body.readableBytesView))))
            case .failure(let error):
                return loop.makeSucceededFuture(.failure(error))
            }
        case .function(let plan):
            guard let functions else { return loop.makeSucceededFuture(.failure(.internalError)) }
            let promise = loop.makePromise(of: Result<Answer, GatewayError>.self)
            promise.completeWithTask {
                let outcome = await functions.invoke(plan.functionName, functionARN: plan.functionARN, payload: event, timeoutMillis: plan.timeoutMillis)
                return proxyAnswer(outcome)
            }
            return promise.futureResult
        case .http(let url, let timeoutMillis):
            let promise = loop.makePromise(of: Result<Answer, GatewayError>.self)
            promise.completeWithTask {
                guard let address = URL(string: url) else { return .failure(.internalError) }
                var request = URLRequest(url: address, timeoutInterval: Double(timeoutMillis) / 1000)
                request.httpMethod = "POST"
                request.httpBody = Data(message)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                do {
                    let (data, response) = try await URLSession.shared.data(for: request)
                    return .success(Answer(status: (response as? HTTPURLResponse)?.statusCode ?? 502, body: Array(data)))
                } catch {
                    return .failure((error as? URLError)?.code == .timedOut ? .integrationTimeout : .integrationFailure)
                }
            }
            return promise.futureResult
        }
    }

    /// A proxy function's answer: `statusCode` (200 when absent) and `body`.
    static func proxyAnswer(_ outcome: FunctionOutcome) -> Result<Answer, GatewayError> {
        switch outcome {
        case .result(let payload):
            guard let document = try? JSONValue.parse(payload), case .object(let fields) = document else {
                return .success(Answer(status: 200, body: payload))
            }
            let status = fields["statusCode"]?.numberValue.map { Int($0) } ?? 200
            var body: [UInt8] = []
            if let text = fields["body"]?.stringValue {
                body = fields["isBase64Encoded"] == .bool(true) ? (Base64.decode(text) ?? []) : Array(text.utf8)
            }
            return .success(Answer(status: status, body: body))
        case .timeout:
            return .failure(.integrationTimeout)
        case .error, .failure, .throttled:
            return .failure(.functionFailure)
        }
    }
}
