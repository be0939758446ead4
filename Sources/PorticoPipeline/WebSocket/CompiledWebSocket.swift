import PorticoModel

/// A WebSocket API's stage, compiled: its routes by key, and the path in a message's JSON body
/// that chooses one (`$request.body.action` → `["action"]`).
public final class CompiledWebSocket: Sendable {
    public let routes: [String: CompiledWebSocketRoute]
    let selectionPath: [String]
    /// The header `$connect`'s API key is read from.
    public let apiKeyHeader: String
    public let limits: WebSocketLimits

    init(routes: [String: CompiledWebSocketRoute], selectionExpression: String, apiKeyExpression: String, limits: WebSocketLimits) {
        self.routes = routes
        apiKeyHeader = String(apiKeyExpression.dropFirst("$request.header.".count))
        self.limits = limits
        var expression = Substring(selectionExpression)
        if expression.hasPrefix("${"), expression.hasSuffix("}") { expression = "$" + expression.dropFirst(2).dropLast() }
        selectionPath = expression.dropFirst("$request.body.".count).split(separator: ".").map(String.init)
    }

    /// The route for a message: the selection expression's value in its JSON body, else `$default`
    /// (nil when neither exists: AWS then answers the client with an error message).
    public func route(for message: [UInt8]) -> CompiledWebSocketRoute? {
        var value = try? JSONValue.parse(message)
        for key in selectionPath { value = value?[key] }
        let selected: String? = switch value {
        case .string(let text)?: text
        case .number(let number)?: number == number.rounded() ? String(Int64(number)) : String(number)
        case .bool(let flag)?: flag ? "true" : "false"
        default: nil
        }
        if let selected, let route = routes[selected], !selected.hasPrefix("$") { return route }
        return routes["$default"]
    }
}

public struct CompiledWebSocketRoute: Sendable {
    public enum Target: Sendable {
        case function(FunctionPlan)
        case mock(MockPlan)
        /// The message is POSTed to the URL (HTTP and HTTP_PROXY integrations).
        case http(url: String, timeoutMillis: Int)
        /// No integration (`$connect` / `$disconnect` may have none).
        case none
        case unavailable(String)
    }

    public let key: String
    public let target: Target
    /// Two-way: the integration's answer goes back to the client.
    public let returnsResponse: Bool
    /// `$connect`: SigV4 required.
    public let iam: Bool
    /// `$connect`: the Lambda REQUEST authorizer asked first.
    public let authorizer: CompiledAuthorizer?
    /// `$connect`: an API key is required.
    public let apiKeyRequired: Bool
}
