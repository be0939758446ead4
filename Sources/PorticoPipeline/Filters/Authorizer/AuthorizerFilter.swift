import NIOCore
import PorticoModel

/// A call to a Lambda authorizer, prepared from the request: the event, the cache key (the
/// authorizer and the identity it saw) and the ARN its policy is checked against.
public struct AuthorizerCall: Sendable {
    public let authorizer: CompiledAuthorizer
    public let event: [UInt8]
    public let cacheKey: String
    /// `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`.
    public let methodARN: String
}

/// The Lambda authorizer filter: reads the identity sources (none → 401 without a call), checks a
/// TOKEN against its validation expression (no match → 401), and builds the event AWS sends.
public enum AuthorizerFilter {
    public static func prepare<Head: RequestHead>(
        _ authorizer: CompiledAuthorizer, head: Head, match: RouteMatch, stage: CompiledStage, apiPath: Substring,
        query: Substring, context: FunctionEvent.Context
    ) -> Result<AuthorizerCall, GatewayError> {
        var values: [String] = []
        for source in authorizer.identity {
            let value: String?
            switch source {
            case .header(let name): value = head.field(named: name)
            case .query(let name): value = QueryString.first(name, in: query)
            case .stageVariable(let name): value = stage.variables[name]
            case .context(let name): value = name == "stage" ? stage.name : nil
            }
            guard let value, !value.isEmpty else { return .failure(.unauthorized) }
            values.append(value)
        }
        if authorizer.kind == .token, authorizer.identity.isEmpty { return .failure(.unauthorized) }
        if let validation = authorizer.validation, let token = values.first, !validation.matches(token) {
            return .failure(.unauthorized)
        }
        let methodARN = ARNs.method(apiID: stage.apiID, stage: stage.name, method: head.method.rawValue, path: apiPath)
        let cacheKey = authorizer.id + "\u{1F}" + values.joined(separator: "\u{1F}")
        let event: [String: JSONValue]
        if authorizer.kind == .token {
            event = ["type": "TOKEN", "authorizationToken": .string(values.first ?? ""), "methodArn": .string(methodARN)]
        } else {
            let request = FunctionEvent.make(
                head: head, plan: authorizer.function, match: match, apiType: authorizer.apiType, apiPath: apiPath, query: query,
                stageVariables: stage.variables, context: context, authorizer: nil
            )
            var fields = request.fields
            fields["type"] = "REQUEST"
            if authorizer.payloadVersion == "2.0" {
                fields["routeArn"] = .string(methodARN)
                fields["identitySource"] = .array(values.map { .string($0) })
                fields["body"] = nil
                fields["isBase64Encoded"] = nil
            } else {
                fields["methodArn"] = .string(methodARN)
                if authorizer.apiType == .http { fields["identitySource"] = .string(values.joined(separator: ",")) }
            }
            event = fields
        }
        return .success(AuthorizerCall(authorizer: authorizer, event: Array(JSONValue.object(event).serialized.utf8), cacheKey: cacheKey, methodARN: methodARN))
    }
}
