import NIOCore
import PorticoModel
import PorticoVelocity

/// What a mapping template needs from the request, gathered when the request is routed; the body
/// (the request's, or the integration response's) joins when it is there.
public struct MappingSeed: @unchecked Sendable {
    public let input: MappingInput
    public let context: VelocityMap
    public let stageVariables: [String: String]

    /// Built only for routes with templates: the plain proxy path gathers none of it.
    static func make<Head: RequestHead>(
        head: Head, match: RouteMatch, query: Substring, stage: CompiledStage, apiPath: Substring,
        context facts: FunctionEvent.Context, authorizer: AuthorizerResult?
    ) -> MappingSeed {
        var headers: [(name: String, value: String)] = []
        head.forEachField { name, value in
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        let queryPairs = query.split(separator: "&", omittingEmptySubsequences: true).map { pair -> (name: String, value: String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (PercentEncoding.decode(parts[0], plusAsSpace: true) ?? String(parts[0]),
                    parts.count == 2 ? (PercentEncoding.decode(parts[1], plusAsSpace: true) ?? String(parts[1])) : "")
        }
        let pathParameters = match.pathParameters.map { (name: $0.name, value: PercentEncoding.decode($0.value) ?? String($0.value)) }
        let userAgent = headers.last { $0.name.lowercased() == "user-agent" }?.value
        let identity = VelocityMap([
            ("sourceIp", .string(facts.sourceIP)), ("userAgent", userAgent.map { .string($0) } ?? .null),
            ("accountId", authorizer?.iam.map { .string($0.accountID) } ?? .null),
            ("apiKey", facts.apiKey.map { .string($0) } ?? .null), ("apiKeyId", facts.apiKeyID.map { .string($0) } ?? .null),
            ("accessKey", authorizer?.iam.map { .string($0.accessKey) } ?? .null),
            ("caller", authorizer?.iam.map { .string($0.caller) } ?? .null), ("user", authorizer?.iam.map { .string($0.caller) } ?? .null),
            ("userArn", authorizer?.iam.map { .string($0.userARN) } ?? .null),
            ("cognitoIdentityId", .null), ("cognitoIdentityPoolId", .null), ("cognitoAuthenticationType", .null), ("cognitoAuthenticationProvider", .null),
            ("principalOrgId", .null), ("vpcId", .null), ("vpceId", .null),
        ])
        if let certificate = facts.clientCertificate { identity["clientCert"] = Mapping.velocity(certificate.json) }
        let authorizerMap = VelocityMap()
        if let authorizer {
            if let principal = authorizer.principalID { authorizerMap["principalId"] = .string(principal) }
            for (key, value) in authorizer.context { authorizerMap[key] = Mapping.velocity(value) }
            if let claims = authorizer.claims {
                authorizerMap["claims"] = .map(VelocityMap(claims.sorted { $0.key < $1.key }.map { ($0.key, .string(Claims.text($0.value))) }))
            }
        }
        let route = match.route
        let context = VelocityMap([
            ("accountId", .string(facts.accountID)), ("apiId", .string(facts.apiID)), ("stage", .string(facts.stage)),
            ("requestId", .string(facts.requestID)), ("extendedRequestId", .string(facts.extendedRequestID)),
            ("awsEndpointRequestId", .string(facts.requestID)),
            ("httpMethod", .string(head.method.rawValue)), ("resourcePath", .string(route.resourcePath)), ("resourceId", .string(route.resourceID)),
            ("routeKey", .string(route.routeKey)),
            ("path", .string(stage.name == "$default" ? String(apiPath) : "/\(stage.name)\(apiPath)")), ("protocol", .string(facts.protocolName)),
            ("domainName", .string(facts.domainName)), ("domainPrefix", .string(String(facts.domainName.split(separator: ".").first ?? ""))),
            ("requestTime", .string(CivilTime(epochSeconds: facts.epochMillis / 1000).commonLogFormat)),
            ("requestTimeEpoch", .integer(Int(facts.epochMillis))), ("identity", .map(identity)), ("authorizer", .map(authorizerMap)),
            ("error", .map(VelocityMap())), ("isCanaryRequest", .bool(stage.isCanary)),
            ("requestOverride", .map(VelocityMap([("header", .map(VelocityMap())), ("querystring", .map(VelocityMap())), ("path", .map(VelocityMap()))]))),
            ("responseOverride", .map(VelocityMap([("header", .map(VelocityMap()))]))),
        ])
        return MappingSeed(
            input: MappingInput(body: [], pathParameters: pathParameters, queryParameters: queryPairs, headers: headers),
            context: context, stageVariables: stage.variables
        )
    }

    /// The template variables with `body` as `$input`'s body.
    public func variables(body: [UInt8]) -> [String: VelocityValue] {
        var input = self.input
        input.body = body
        return Mapping.variables(input: input, context: context, stageVariables: stageVariables)
    }

    /// `$context.requestOverride.header.*`, `…querystring.*` and `…path.*`, as a request template set them.
    public var requestOverride: RequestOverride {
        var override = RequestOverride()
        guard case .map(let map)? = context["requestOverride"] else { return override }
        func pairs(_ key: String) -> [(name: String, value: String)] {
            guard case .map(let fields)? = map[key] else { return [] }
            return fields.entries.filter { !$0.value.isNull }.map { ($0.key, $0.value.rendered) }
        }
        override.headers = pairs("header")
        override.query = pairs("querystring")
        override.path = pairs("path")
        return override
    }

    /// `$context.responseOverride.status` and `…header.*`, as a response template set them.
    public var responseOverride: (status: Int?, headers: [(String, String)]) {
        guard case .map(let override)? = context["responseOverride"] else { return (nil, []) }
        var status: Int?
        switch override["status"] {
        case .integer(let value)?: status = value
        case .string(let text)?: status = Int(text)
        default: status = nil
        }
        var headers: [(String, String)] = []
        if case .map(let fields)? = override["header"] {
            for (key, value) in fields.entries { headers.append((key, value.rendered)) }
        }
        return (status, headers)
    }
}

/// A response template, compiled; a template without directives or references is kept as bytes.
public enum ResponseBody: Sendable {
    case literal(ByteBuffer)
    case template(Template, JSONPathCache)

    public init(_ source: String) throws(Template.Error) {
        let template = try Template(source)
        if let text = template.staticText { self = .literal(ByteBuffer(string: text)) } else { self = .template(template, JSONPathCache(template)) }
    }

    public var isTemplate: Bool {
        if case .template = self { return true }
        return false
    }

    /// The bytes to send: the literal, or the template rendered with `variables`.
    public func render(_ variables: @autoclosure () -> [String: VelocityValue]) throws(Template.Error) -> ByteBuffer {
        switch self {
        case .literal(let buffer): return buffer
        case .template(let template, let paths): return ByteBuffer(string: try paths.render(template, variables()))
        }
    }
}

/// The JSONPaths a template passes to `$input.json` and `$input.path` as literals, compiled with
/// the template so a request only looks them up.
public final class JSONPathCache: Sendable {
    let paths: [String: JSONPath]

    public init(_ template: Template) {
        var paths: [String: JSONPath] = [:]
        for text in template.literalArguments(ofMethods: ["json", "path"]) {
            if let path = try? JSONPath(text) { paths[text] = path }
        }
        self.paths = paths
    }

    /// Renders `template`, its `$input` using these paths.
    public func render(_ template: Template, _ variables: [String: VelocityValue]) throws(Template.Error) -> String {
        if case .object(let input as InputObject)? = variables["input"] { input.paths = self }
        return try template.render(variables)
    }
}
