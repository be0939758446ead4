import PorticoModel

/// A Lambda authorizer compiled for one stage: where its identity comes from, the function it
/// calls, how long its answers are cached.
public final class CompiledAuthorizer: Sendable {
    /// Unique within a gateway snapshot (`apiID/stage/name`), for the result cache.
    public let id: String
    public let name: String
    public let kind: AuthorizerDefinition.Kind
    public let apiType: APIType
    public let function: FunctionPlan
    public let identity: [IdentitySource]
    let validation: SelectionPattern?
    public let ttlSeconds: Int
    public let payloadVersion: String
    public let simpleResponses: Bool

    /// One identity source, read from the request.
    public enum IdentitySource: Sendable, Hashable {
        case header(String)
        case query(String)
        case stageVariable(String)
        case context(String)
    }

    init(id: String, definition: AuthorizerDefinition, apiType: APIType, function: FunctionPlan, identity: [IdentitySource], validation: SelectionPattern?) {
        self.id = id
        self.name = definition.name
        self.kind = definition.kind
        self.apiType = apiType
        self.function = function
        self.identity = identity
        self.validation = validation
        self.ttlSeconds = definition.resultTTLSeconds
        self.payloadVersion = definition.payloadFormatVersion
        self.simpleResponses = definition.enableSimpleResponses
    }

    /// `method.request.header.Authorization` (REST) or `$request.header.Authorization` (HTTP APIs).
    static func identitySource(_ text: String) -> IdentitySource? {
        var expression = Substring(text)
        if expression.hasPrefix("$") { expression = expression.dropFirst() }
        for (prefix, make) in [
            ("method.request.header.", IdentitySource.header), ("request.header.", IdentitySource.header),
            ("route.request.header.", IdentitySource.header), ("route.request.querystring.", IdentitySource.query),
            ("method.request.querystring.", IdentitySource.query), ("request.querystring.", IdentitySource.query),
            ("stageVariables.", IdentitySource.stageVariable), ("context.", IdentitySource.context),
        ] as [(String, (String) -> IdentitySource)] where expression.hasPrefix(prefix) {
            let name = String(expression.dropFirst(prefix.count))
            return name.isEmpty ? nil : make(name)
        }
        return nil
    }
}
