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
    /// The Lambda authorizer that guards the route.
    public let authorizer: CompiledAuthorizer?
    /// The method's request validator, when it checks anything.
    public let validator: CompiledValidator?
    /// The stage's throttle for this method (its method settings, or the stage default).
    public let throttle: SharedTokenBucket?
    /// The stage cache's settings for this method, when its responses are cached.
    public let cache: RouteCache?
    /// IAM (SigV4) or a token authorizer (JWT, Cognito) with the scopes the route asks for.
    public let access: RouteAccess
    /// A stable 6-character id of the resource (`requestContext.resourceId`), derived from its path.
    public let resourceID: String

    public init(resourcePath: String, method: String, integration: IntegrationPlan, apiKeyRequired: Bool = false, authorizer: CompiledAuthorizer? = nil, validator: CompiledValidator? = nil, throttle: SharedTokenBucket? = nil, cache: RouteCache? = nil, access: RouteAccess = RouteAccess()) {
        self.cache = cache
        self.access = access
        self.throttle = throttle
        self.authorizer = authorizer
        self.validator = validator
        self.resourcePath = resourcePath
        self.method = method
        self.routeKey = resourcePath.isEmpty ? "$default" : "\(method) \(resourcePath)"
        self.integration = integration
        self.apiKeyRequired = apiKeyRequired
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in resourcePath.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let digits = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        self.resourceID = String((0..<6).map { index in digits[Int((hash >> (UInt64(index) * 6)) % 36)] })
    }
}

/// What the route calls, compiled.
public enum IntegrationPlan: Sendable {
    case mock(MockPlan)
    case http(HTTPPlan)
    /// AWS_PROXY or AWS with a Lambda function.
    case function(FunctionPlan)
    /// Defined but not callable yet (functions arrive later) or misconfigured: answers with `error`.
    case unavailable(GatewayError, reason: String)
}

/// How a route authenticates its callers, besides Lambda authorizers and API keys.
public struct RouteAccess: Sendable {
    /// `AWS_IAM`: a SigV4 signature by a configured credential.
    public var iam = false
    /// A JWT (HTTP API) or Cognito (REST) authorizer.
    public var token: CompiledTokenAuthorizer?
    /// The `authorizationScopes` the token must hold one of.
    public var scopes: [String] = []

    public init() {}
}
