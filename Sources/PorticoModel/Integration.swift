/// What a route calls, as `x-amazon-apigateway-integration` describes it.
public struct Integration: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case http = "HTTP"
        case httpProxy = "HTTP_PROXY"
        case mock = "MOCK"
        case aws = "AWS"
        case awsProxy = "AWS_PROXY"
    }

    public enum PassthroughBehavior: String, Sendable, Hashable {
        case whenNoMatch = "WHEN_NO_MATCH"
        case whenNoTemplates = "WHEN_NO_TEMPLATES"
        case never = "NEVER"
    }

    public var kind: Kind
    public var uri: String?
    /// The method used to call the upstream; `ANY` (or nil) passes the client's method through.
    public var httpMethod: String?
    /// `integration.request.{header|querystring|path}.NAME` → source expression.
    public var requestParameters: [String: String]
    /// Request templates by content type.
    public var requestTemplates: [String: String]
    public var passthroughBehavior: PassthroughBehavior
    /// AWS's default is 29,000 ms; the allowed range is 50 ms to 29,000 ms unless Portico allows more.
    public var timeoutMillis: Int
    /// Integration responses, in definition order; the one whose pattern is `default` is the fallback.
    public var responses: [IntegrationResponse]
    public var payloadFormatVersion: String?
    public var contentHandling: String?
    /// Fields kept for later features (connectionType, credentials, tlsConfig, cacheKeyParameters, …).
    public var extensions: [String: JSONValue]
    public var location: SourceLocation

    public static let defaultTimeoutMillis = 29_000

    public init(
        kind: Kind, uri: String? = nil, httpMethod: String? = nil, requestParameters: [String: String] = [:],
        requestTemplates: [String: String] = [:], passthroughBehavior: PassthroughBehavior = .whenNoMatch,
        timeoutMillis: Int = Integration.defaultTimeoutMillis, responses: [IntegrationResponse] = [],
        payloadFormatVersion: String? = nil, contentHandling: String? = nil,
        extensions: [String: JSONValue] = [:], location: SourceLocation
    ) {
        self.kind = kind
        self.uri = uri
        self.httpMethod = httpMethod
        self.requestParameters = requestParameters
        self.requestTemplates = requestTemplates
        self.passthroughBehavior = passthroughBehavior
        self.timeoutMillis = timeoutMillis
        self.responses = responses
        self.payloadFormatVersion = payloadFormatVersion
        self.contentHandling = contentHandling
        self.extensions = extensions
        self.location = location
    }
}

/// One entry of an integration's `responses` map.
public struct IntegrationResponse: Sendable, Hashable {
    /// A regular expression matched against the upstream status code (HTTP) or error message
    /// (functions); `default` matches when nothing else does.
    public var selectionPattern: String
    public var statusCode: String
    /// `method.response.header.NAME` → source expression.
    public var responseParameters: [String: String]
    public var responseTemplates: [String: String]
    public var contentHandling: String?

    public init(
        selectionPattern: String, statusCode: String, responseParameters: [String: String] = [:],
        responseTemplates: [String: String] = [:], contentHandling: String? = nil
    ) {
        self.selectionPattern = selectionPattern
        self.statusCode = statusCode
        self.responseParameters = responseParameters
        self.responseTemplates = responseTemplates
        self.contentHandling = contentHandling
    }

    public var isDefault: Bool { selectionPattern == "default" }
}
