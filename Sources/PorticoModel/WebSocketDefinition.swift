/// A WebSocket API's routes (`$connect`, `$disconnect`, `$default` and custom keys) and how a
/// message chooses one (`routeSelectionExpression`, e.g. `$request.body.action`).
public struct WebSocketDefinition: Sendable, Hashable {
    public var routeSelectionExpression: String
    /// Where `$connect`'s API key is read: `$request.header.x-api-key` (AWS's default and only form).
    public var apiKeySelectionExpression = "$request.header.x-api-key"
    public var routes: [WebSocketRoute]
    /// Settings Portico allows beyond AWS, each with AWS's value as the default.
    public var limits: WebSocketLimits

    public init(routeSelectionExpression: String, routes: [WebSocketRoute] = [], limits: WebSocketLimits = WebSocketLimits()) {
        self.routeSelectionExpression = routeSelectionExpression
        self.routes = routes
        self.limits = limits
    }
}

public struct WebSocketRoute: Sendable, Hashable {
    /// `$connect`, `$disconnect`, `$default` or a value of the selection expression.
    public var key: String
    public var integration: Integration?
    /// Two-way routes send the integration's answer back to the client (`$default` route response).
    public var returnsResponse: Bool
    /// `$connect` only: `AWS_IAM` or `CUSTOM` (a Lambda REQUEST authorizer of the API, by name).
    public var authorizationType: AuthorizationType = .none
    public var authorizer: String?
    /// `$connect` only: an API key of a usage plan of the stage is required.
    public var apiKeyRequired = false

    public init(key: String, integration: Integration?, returnsResponse: Bool = false) {
        self.key = key
        self.integration = integration
        self.returnsResponse = returnsResponse
    }
}

/// AWS's WebSocket limits: 128 KB messages, 32 KB frames, 10 minutes idle, 2 hours per connection.
public struct WebSocketLimits: Sendable, Hashable {
    public var maxMessageBytes = 128 * 1024
    public var maxFrameBytes = 32 * 1024
    public var idleTimeoutSeconds = 600
    public var maxConnectionSeconds = 7200

    public init() {}
}
