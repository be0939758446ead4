import PorticoModel

/// One route of one stage, with everything the request path needs prepared: the integration's
/// plan, its labels for logs and metrics.
public final class CompiledRoute: Sendable {
    /// `/pets/{petId}`, or "" for `$default`.
    public let resourcePath: String
    /// Upper-case method or `ANY`.
    public let method: String
    /// `GET /pets/{petId}` or `$default`.
    public let routeKey: String
    public let integration: IntegrationPlan
    public let apiKeyRequired: Bool

    public init(resourcePath: String, method: String, integration: IntegrationPlan, apiKeyRequired: Bool = false) {
        self.resourcePath = resourcePath
        self.method = method
        self.routeKey = resourcePath.isEmpty ? "$default" : "\(method) \(resourcePath)"
        self.integration = integration
        self.apiKeyRequired = apiKeyRequired
    }
}

/// What the route calls, compiled.
public enum IntegrationPlan: Sendable {
    case mock(MockPlan)
    case http(HTTPPlan)
    /// Defined but not callable yet (functions arrive later) or misconfigured: answers with `error`.
    case unavailable(GatewayError, reason: String)
}
