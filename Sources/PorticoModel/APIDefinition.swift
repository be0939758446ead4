/// The three kinds of API that AWS API Gateway defines.
public enum APIType: String, Sendable, Hashable, CaseIterable {
    case rest = "REST"
    case http = "HTTP"
    case websocket = "WEBSOCKET"
}

/// One API as a definition describes it: its operations (REST methods or HTTP API routes) and the
/// stages it is deployed to.
public struct APIDefinition: Sendable, Hashable {
    /// The API id used in `{apiId}.execute-api.localhost` and `/restapis/{apiId}/…`.
    public var id: String
    public var name: String
    public var type: APIType
    public var operations: [APIOperation]
    public var stages: [Stage]
    /// `x-amazon-apigateway-binary-media-types`.
    public var binaryMediaTypes: [String]
    /// Lambda authorizers the API defines (`x-amazon-apigateway-authorizer` security schemes).
    public var authorizers: [AuthorizerDefinition] = []
    /// Customised gateway responses by type (`DEFAULT_4XX`, `MISSING_AUTHENTICATION_TOKEN`, …).
    public var gatewayResponses: [String: GatewayResponseDefinition] = [:]
    /// Models (JSON Schema draft 4) by name, for request validation and `$ref`s.
    public var models: [String: JSONValue] = [:]
    /// HTTP APIs: `x-amazon-apigateway-cors`.
    public var cors: CORSConfiguration?
    /// WebSocket APIs: how a message picks its route, and the routes.
    public var webSocket: WebSocketDefinition?
    /// Extensions and fields kept for later features, by name (e.g. `x-amazon-apigateway-policy`).
    public var extensions: [String: JSONValue]
    public var location: SourceLocation

    public init(
        id: String, name: String, type: APIType, operations: [APIOperation] = [], stages: [Stage] = [],
        binaryMediaTypes: [String] = [], extensions: [String: JSONValue] = [:], location: SourceLocation
    ) {
        self.id = id
        self.name = name
        self.type = type
        self.operations = operations
        self.stages = stages
        self.binaryMediaTypes = binaryMediaTypes
        self.extensions = extensions
        self.location = location
    }
}

/// A REST API method on a resource, or an HTTP API route.
public struct APIOperation: Sendable, Hashable {
    /// The resource path, `/pets/{petId}` or `/{proxy+}`; empty for the HTTP API `$default` route.
    public var path: String
    /// Upper-case HTTP method, or `ANY`.
    public var method: String
    public var parameters: [Parameter]
    public var integration: Integration?
    public var apiKeyRequired: Bool
    /// The name of the authorizer (Lambda, JWT or Cognito) that guards this method or route, if any.
    public var authorizer: String?
    /// `AWS_IAM` for SigV4-signed callers; otherwise the authorizer's kind decides.
    public var authorizationType: AuthorizationType = .none
    /// OAuth scopes a JWT or Cognito authorizer requires (one of them).
    public var authorizationScopes: [String] = []
    /// What the method's request validator checks (REST).
    public var validation: RequestValidation?
    /// Extensions and fields kept for later features (authorizers, validators, …).
    public var extensions: [String: JSONValue]
    public var location: SourceLocation

    public init(
        path: String, method: String, parameters: [Parameter] = [], integration: Integration? = nil,
        apiKeyRequired: Bool = false, extensions: [String: JSONValue] = [:], location: SourceLocation
    ) {
        self.path = path
        self.method = method
        self.parameters = parameters
        self.integration = integration
        self.apiKeyRequired = apiKeyRequired
        self.extensions = extensions
        self.location = location
    }

    /// The HTTP API route key: `GET /pets/{id}`, `ANY /{proxy+}` or `$default`.
    public var routeKey: String { path.isEmpty ? "$default" : "\(method) \(path)" }
}

/// A declared request parameter (`in: path | query | header`).
public struct Parameter: Sendable, Hashable {
    public enum Location: String, Sendable, Hashable { case path, query, header, cookie }
    public var name: String
    public var location: Location
    public var required: Bool

    public init(name: String, location: Location, required: Bool) {
        self.name = name
        self.location = location
        self.required = required
    }
}

/// A stage: a named deployment of the API with its variables.
public struct Stage: Sendable, Hashable {
    public var name: String
    public var variables: [String: String]
    public var throttling: Throttling?
    /// Per-method throttles (AWS's method settings) by `/resource/METHOD`; `*` matches any
    /// resource or method (`*/*` is the stage's default for every method).
    public var methodThrottling: [String: Throttling] = [:]
    /// The stage's response cache (REST), when enabled.
    public var cache: StageCache?
    /// The deployment this stage serves, when it is not the API's current definition: a stage of
    /// the management API points at a snapshot taken by CreateDeployment. Nil for file-defined APIs.
    public var deployment: [APIOperation]?
    /// A canary release: a share of the stage's traffic served by another deployment.
    public var canary: Canary?
    /// WebSocket APIs: the routes of the deployment this stage serves (nil: the API's own).
    public var webSocketRoutes: [WebSocketRoute]?
    /// WAF-style rules in front of the stage.
    public var waf: WAFConfig?

    public init(name: String, variables: [String: String] = [:], throttling: Throttling? = nil, deployment: [APIOperation]? = nil, canary: Canary? = nil) {
        self.name = name
        self.variables = variables
        self.throttling = throttling
        self.deployment = deployment
        self.canary = canary
    }
}

/// A stage's canary (`canarySettings`): `percentTraffic` of the requests go to the canary deployment,
/// with the stage variables and their `stageVariableOverrides`.
public struct Canary: Sendable, Hashable {
    /// 0–100.
    public var percentTraffic: Double
    public var deployment: [APIOperation]
    /// The stage's variables with the canary's overrides applied.
    public var variables: [String: String]

    public init(percentTraffic: Double, deployment: [APIOperation], variables: [String: String]) {
        self.percentTraffic = percentTraffic
        self.deployment = deployment
        self.variables = variables
    }
}

/// Steady rate (requests per second) and burst, as AWS's stage and method settings hold them.
public struct Throttling: Sendable, Hashable {
    public var rateLimit: Double
    public var burstLimit: Int

    public init(rateLimit: Double, burstLimit: Int) {
        self.rateLimit = rateLimit
        self.burstLimit = burstLimit
    }
}

/// An authorizer: a Lambda function that decides, from the request's identity sources, whether a
/// caller may invoke the method (REST `TOKEN` / `REQUEST`, HTTP API `REQUEST`), or a token check
/// the gateway does itself (HTTP API `JWT`, REST `COGNITO_USER_POOLS`).
public struct AuthorizerDefinition: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case token = "TOKEN"
        case request = "REQUEST"
        case jwt = "JWT"
        case cognitoUserPools = "COGNITO_USER_POOLS"

        /// Whether a Lambda function answers (TOKEN, REQUEST).
        public var isLambda: Bool { self == .token || self == .request }
    }

    public var name: String
    public var kind: Kind
    /// The function's integration URI (`arn:aws:apigateway:…:lambda:path/2015-03-31/functions/…/invocations`).
    public var functionURI: String
    /// REST: `method.request.header.Authorization`, `method.request.querystring.x`, `stageVariables.x`,
    /// `context.x`; HTTP APIs: `$request.header.Authorization`, `$request.querystring.x`, …
    public var identitySources: [String]
    /// TOKEN authorizers: a regular expression the token must match, else 401 without a call.
    public var identityValidationExpression: String?
    /// Seconds a result is cached by identity (AWS's default 300; 0 disables).
    public var resultTTLSeconds: Int
    /// HTTP APIs: the event's payload format (1.0 or 2.0) and whether 2.0 answers `{isAuthorized, context}`.
    public var payloadFormatVersion: String
    public var enableSimpleResponses: Bool
    /// JWT authorizers: issuer and audience.
    public var jwtConfiguration: JWTConfiguration?
    /// Cognito authorizers: the user pools' ARNs (`arn:aws:cognito-idp:{region}:{account}:userpool/{id}`).
    public var providerARNs: [String] = []
    public var location: SourceLocation

    public init(
        name: String, kind: Kind, functionURI: String, identitySources: [String], identityValidationExpression: String? = nil,
        resultTTLSeconds: Int = 300, payloadFormatVersion: String = "1.0", enableSimpleResponses: Bool = false, location: SourceLocation
    ) {
        self.name = name
        self.kind = kind
        self.functionURI = functionURI
        self.identitySources = identitySources
        self.identityValidationExpression = identityValidationExpression
        self.resultTTLSeconds = resultTTLSeconds
        self.payloadFormatVersion = payloadFormatVersion
        self.enableSimpleResponses = enableSimpleResponses
        self.location = location
    }
}

extension AuthorizerDefinition {
    /// Simple responses exist only for HTTP APIs' payload 2.0.
    public func simpleResponsesInvalid(for type: APIType) -> Bool {
        enableSimpleResponses && (type != .http || payloadFormatVersion != "2.0")
    }
}

/// A customised gateway response (`x-amazon-apigateway-gateway-responses`, PutGatewayResponse).
public struct GatewayResponseDefinition: Sendable, Hashable {
    /// AWS's gateway response types and their default status codes (none for the two defaults).
    public static let types: [String: Int?] = [
        "ACCESS_DENIED": 403, "API_CONFIGURATION_ERROR": 500, "AUTHORIZER_CONFIGURATION_ERROR": 500,
        "AUTHORIZER_FAILURE": 500, "BAD_REQUEST_PARAMETERS": 400, "BAD_REQUEST_BODY": 400, "DEFAULT_4XX": nil,
        "DEFAULT_5XX": nil, "EXPIRED_TOKEN": 403, "INVALID_SIGNATURE": 403, "INTEGRATION_FAILURE": 504,
        "INTEGRATION_TIMEOUT": 504, "INVALID_API_KEY": 403, "MISSING_AUTHENTICATION_TOKEN": 403,
        "QUOTA_EXCEEDED": 429, "REQUEST_TOO_LARGE": 413, "RESOURCE_NOT_FOUND": 404, "THROTTLED": 429,
        "UNAUTHORIZED": 401, "UNSUPPORTED_MEDIA_TYPE": 415, "WAF_FILTERED": 403,
    ]

    /// Overrides the type's status.
    public var statusCode: Int?
    /// `gatewayresponse.header.NAME` → a static `'value'` (or `method.request.header.X`, …).
    public var responseParameters: [String: String]
    /// Templates by content type; they read `$context.error.message`, `messageString`, `responseType`.
    public var responseTemplates: [String: String]

    public init(statusCode: Int? = nil, responseParameters: [String: String] = [:], responseTemplates: [String: String] = [:]) {
        self.statusCode = statusCode
        self.responseParameters = responseParameters
        self.responseTemplates = responseTemplates
    }
}

/// A method's request validation (`x-amazon-apigateway-request-validator`): required parameters
/// and a body model.
public struct RequestValidation: Sendable, Hashable {
    public var validateParameters: Bool
    public var validateBody: Bool
    /// The body's schema for `application/json` (a model or an inline schema).
    public var bodySchema: JSONValue?

    public init(validateParameters: Bool, validateBody: Bool, bodySchema: JSONValue? = nil) {
        self.validateParameters = validateParameters
        self.validateBody = validateBody
        self.bodySchema = bodySchema
    }
}
