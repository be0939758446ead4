import NIOCore
import NIOHTTP1
import PorticoModel
import PorticoVelocity

/// Turns a configuration into a `CompiledGateway`. `portico validate`, reload and serve all call
/// this: validation is compilation without starting.
public struct Compiler {
    private var diagnostics: [Diagnostic] = []
    /// The functions portico.yaml defines, by name.
    private var functions: Set<String> = []
    /// Functions defined nowhere here are invoked remotely.
    private var remoteLambda = false
    private var seen = Set<Diagnostic>()
    /// Throttle buckets and quota counts that outlive this compilation.
    var traffic = TrafficRegistry()

    /// `traffic` keeps buckets and counts across compilations (a server passes the same one to
    /// every reload).
    public static func compile(_ config: ProjectConfig, traffic: TrafficRegistry = TrafficRegistry()) -> (CompiledGateway?, [Diagnostic]) {
        var compiler = Compiler()
        compiler.traffic = traffic
        compiler.functions = Set(config.functions.map(\.name))
        compiler.remoteLambda = config.remoteLambda != nil
        var apis: [CompiledAPI] = []
        for api in config.apis {
            let stages = api.stages.map { stage in
                var canary: CompiledStage?
                if let settings = stage.canary {
                    let canaryStage = Stage(name: stage.name, variables: settings.variables, deployment: settings.deployment)
                    canary = compiler.compileStage(canaryStage, of: api, isCanary: true)
                }
                return compiler.compileStage(stage, of: api, canary: canary, canaryShare: (stage.canary?.percentTraffic ?? 0) / 100)
            }
            apis.append(CompiledAPI(id: api.id, name: api.name, type: api.type, stages: stages))
        }
        let keys = compiler.compileKeys(config, apis: apis)
        let gateway = CompiledGateway(
            apis: apis, domains: config.customDomains, limits: config.limits, accessLog: config.accessLog,
            accountThrottle: traffic.bucket("account", config.limits.accountThrottle), keys: keys, rateLimitHeaders: config.rateLimitHeaders,
            iamCredentials: config.iamCredentials, jwksSources: config.jwks,
            replicator: { compile(config, traffic: traffic).0 })
        return (compiler.diagnostics.hasErrors ? nil : gateway, compiler.diagnostics)
    }

    /// Records a diagnostic once, however many stages compile the same definition.
    private mutating func report(_ diagnostic: Diagnostic) {
        if seen.insert(diagnostic).inserted { diagnostics.append(diagnostic) }
    }

    private mutating func compileStage(_ stage: Stage, of api: APIDefinition, canary: CompiledStage? = nil, canaryShare: Double = 0, isCanary: Bool = false) -> CompiledStage {
        var builder = RouteTableBuilder()
        var routes: [CompiledRoute] = []
        var authorizers: [String: CompiledAuthorizer] = [:]
        var tokenAuthorizers: [String: CompiledTokenAuthorizer] = [:]
        for operation in stage.deployment ?? api.operations {
            var plan = compileIntegration(operation, stage: stage, api: api)
            var authorizer: CompiledAuthorizer?
            var access = RouteAccess()
            access.iam = operation.authorizationType == .awsIAM
            if let name = operation.authorizer, let definition = api.authorizers.first(where: { $0.name == name }), !definition.kind.isLambda {
                if let compiled = tokenAuthorizers[name] ?? compileTokenAuthorizer(definition, stage: stage, api: api) {
                    tokenAuthorizers[name] = compiled
                    access.token = compiled
                    access.scopes = operation.authorizationScopes
                } else {
                    plan = .unavailable(.authorizerFailure, reason: "the authorizer '\(name)' cannot be used")
                }
            } else if let name = operation.authorizer {
                if let compiled = authorizers[name] {
                    authorizer = compiled
                } else if let definition = api.authorizers.first(where: { $0.name == name }), let compiled = compileAuthorizer(definition, stage: stage, api: api, isCanary: isCanary) {
                    authorizers[name] = compiled
                    authorizer = compiled
                } else {
                    // An authorizer that cannot run guards nothing: the route fails closed.
                    plan = .unavailable(.authorizerFailure, reason: "the authorizer '\(name)' cannot be used")
                }
            }
            let validator = CompiledValidator.compile(operation, models: api.models, report: { report($0) })
            // AWS applies a stage's throttle to each method on its own.
            let throttle = (MethodPattern.best(stage.methodThrottling, resourcePath: operation.path, method: operation.method) ?? stage.throttling)
                .map { traffic.bucket("stage:\(api.id):\(stage.name):\(operation.routeKey)", $0) }
            let route = CompiledRoute(
                resourcePath: operation.path, method: operation.method, integration: plan,
                apiKeyRequired: operation.apiKeyRequired, authorizer: authorizer, validator: validator, throttle: throttle,
                cache: RouteCache.compile(operation, stage: stage, api: api, report: { report($0) }),
                access: access
            )
            do throws(RouteTableBuilder.Conflict) {
                try builder.add(route, path: operation.path)
                routes.append(route)
            } catch {
                report(Self.diagnostic(for: error, at: operation.location))
            }
        }
        return CompiledStage(
            apiID: api.id, apiName: api.name, apiType: api.type, name: stage.name, variables: stage.variables,
            routes: builder.build(), routeList: routes, canary: canary, canaryShare: canaryShare, isCanary: isCanary,
            gatewayResponses: Self.compileGatewayResponses(api.gatewayResponses, report: { report($0) }, location: api.location),
            apiKeySource: api.extensions["x-amazon-apigateway-api-key-source"]?.stringValue?.uppercased() == "AUTHORIZER" ? .authorizer : .header,
            cors: api.cors.map(CompiledCORS.init), resourcePolicy: compileResourcePolicy(api),
            waf: stage.waf.map { waf in
                // Rate counters live in the registry: replicas and reloads count together.
                CompiledWAF(waf) { rule, window in traffic.rateCounter("waf:\(api.id):\(stage.name):\(rule)", windowSeconds: window) }
            },
            webSocket: api.webSocket.map { definition in
                var deployed = definition
                if let routes = stage.webSocketRoutes { deployed.routes = routes }
                return compileWebSocket(deployed, stage: stage, api: api)
            }
        )
    }

    /// A WebSocket API's routes for one stage: functions, mocks, or a URL the message is POSTed to.
    private mutating func compileWebSocket(_ definition: WebSocketDefinition, stage: Stage, api: APIDefinition) -> CompiledWebSocket {
        var routes: [String: CompiledWebSocketRoute] = [:]
        for route in definition.routes {
            var target = CompiledWebSocketRoute.Target.none
            if let integration = route.integration {
                switch integration.kind {
                case .aws, .awsProxy:
                    switch compileFunction(integration, stage: stage, api: api) {
                    case .function(let plan): target = .function(plan)
                    case .unavailable(_, let reason): target = .unavailable(reason)
                    default: target = .unavailable("the route \(route.key) names no function")
                    }
                case .mock:
                    if case .mock(let plan) = compileMock(integration) { target = .mock(plan) } else { target = .unavailable("the route \(route.key)'s mock does not compile") }
                case .http, .httpProxy:
                    var url = integration.uri ?? ""
                    for (name, value) in stage.variables { url = url.replacing("${stageVariables.\(name)}", with: value) }
                    target = url.hasPrefix("http://") || url.hasPrefix("https://") ? .http(url: url, timeoutMillis: integration.timeoutMillis)
                        : .unavailable("the route \(route.key)'s integration URI is not an http(s) URL: \(url)")
                }
            }
            if case .unavailable(let reason) = target { report(Diagnostic(.error, "WebSocket route \(route.key): \(reason)", at: api.location)) }
            var authorizer: CompiledAuthorizer?
            if route.authorizationType == .custom, let name = route.authorizer {
                if let definition = api.authorizers.first(where: { $0.name == name }) {
                    authorizer = compileAuthorizer(definition, stage: stage, api: api, isCanary: false)
                } else {
                    report(Diagnostic(.error, "WebSocket route \(route.key): no authorizer '\(name)'", at: api.location))
                }
            }
            routes[route.key] = CompiledWebSocketRoute(
                key: route.key, target: target, returnsResponse: route.returnsResponse, iam: route.authorizationType == .awsIAM, authorizer: authorizer,
                apiKeyRequired: route.apiKeyRequired)
        }
        return CompiledWebSocket(
            routes: routes, selectionExpression: definition.routeSelectionExpression, apiKeyExpression: definition.apiKeySelectionExpression,
            limits: definition.limits)
    }

    /// `x-amazon-apigateway-policy` (REST): what Portico cannot evaluate is reported, once.
    private mutating func compileResourcePolicy(_ api: APIDefinition) -> PolicyDocument? {
        guard let json = api.extensions["x-amazon-apigateway-policy"] else { return nil }
        if api.type != .rest {
            report(Diagnostic(.error, "resource policies are for REST APIs (x-amazon-apigateway-policy on the \(api.type.rawValue) API '\(api.name)')", at: api.location))
            return nil
        }
        let policy = PolicyDocument(json, apiARN: ARNs.api(api.id))
        for problem in policy.problems { report(Diagnostic(.unsupported, "resource policy of '\(api.name)': \(problem)", at: api.location)) }
        return policy
    }

    /// A JWT or Cognito authorizer for one stage: its identity source and trusted issuers.
    private mutating func compileTokenAuthorizer(_ definition: AuthorizerDefinition, stage: Stage, api: APIDefinition) -> CompiledTokenAuthorizer? {
        guard definition.identitySources.count == 1, let source = CompiledAuthorizer.identitySource(definition.identitySources[0]) else {
            report(Diagnostic(.error, "the authorizer '\(definition.name)' needs exactly one identity source, a header or a query string (\(definition.identitySources.joined(separator: ", ")))", at: definition.location))
            return nil
        }
        let id = "\(api.id)/\(stage.name)/\(definition.name)"
        switch definition.kind {
        case .jwt:
            guard let configuration = definition.jwtConfiguration else { return nil }
            if configuration.audience.isEmpty {
                report(Diagnostic(.error, "the JWT authorizer '\(definition.name)' needs at least one audience", at: definition.location))
                return nil
            }
            return CompiledTokenAuthorizer(id: id, name: definition.name, kind: .jwt, issuers: [configuration.issuer], audience: configuration.audience, identity: source)
        case .cognitoUserPools:
            let issuers = definition.providerARNs.compactMap(CognitoPool.issuer(providerARN:))
            guard !issuers.isEmpty else { return nil }
            return CompiledTokenAuthorizer(id: id, name: definition.name, kind: .cognito, issuers: issuers, audience: [], identity: source)
        case .token, .request:
            return nil
        }
    }

    private static func diagnostic(for conflict: RouteTableBuilder.Conflict, at location: SourceLocation) -> Diagnostic {
        switch conflict {
        case .duplicate(let key):
            return Diagnostic(.error, "the route '\(key)' is defined twice", at: location)
        case .parameterName(let existing, let new, let path):
            return Diagnostic(
                    .error, "'\(path)' names the path parameter '{\(new)}' where a sibling resource names it '{\(existing)}'; API Gateway requires one name per position",
                at: location)
        }
    }

    private mutating func compileIntegration(_ operation: APIOperation, stage: Stage, api: APIDefinition) -> IntegrationPlan {
        guard let integration = operation.integration else {
            return .unavailable(.internalError, reason: "no integration is defined for \(operation.routeKey)")
        }
        switch integration.kind {
        case .mock:
            return compileMock(integration)
        case .http, .httpProxy:
            return compileHTTP(integration, operation: operation, stage: stage, api: api)
        case .aws, .awsProxy:
            return compileFunction(integration, stage: stage, api: api)
        }
    }

    /// Request templates by content type, compiled (errors reported with their line and column).
    private mutating func compileRequestTemplates(_ integration: Integration) -> [(contentType: String, body: ResponseBody)] {
        var templates: [(contentType: String, body: ResponseBody)] = []
        for (contentType, source) in integration.requestTemplates.sorted(by: { $0.key < $1.key }) {
            do { templates.append((contentType, try ResponseBody(source))) } catch {
                report(Diagnostic(.error, "the request template for \(contentType) does not compile: \(error.message) at \(error.location)", at: integration.location))
            }
        }
        return templates
    }

    /// A Lambda authorizer for one stage: its function, identity sources and validation expression.
    private mutating func compileAuthorizer(_ definition: AuthorizerDefinition, stage: Stage, api: APIDefinition, isCanary: Bool) -> CompiledAuthorizer? {
        let integration = Integration(kind: .awsProxy, uri: definition.functionURI, payloadFormatVersion: api.type == .http ? definition.payloadFormatVersion : "1.0", location: definition.location)
        guard case .function(let function) = compileFunction(integration, stage: stage, api: api) else {
            report(Diagnostic(.error, "the authorizer '\(definition.name)' does not name a function Portico can call (\(definition.functionURI))", at: definition.location))
            return nil
        }
        var identity: [CompiledAuthorizer.IdentitySource] = []
        for source in definition.identitySources {
            guard let parsed = CompiledAuthorizer.identitySource(source) else {
                report(Diagnostic(.error, "the authorizer '\(definition.name)' has an identity source Portico cannot read: \(source)", at: definition.location))
                return nil
            }
            identity.append(parsed)
        }
        var validation: SelectionPattern?
        if let expression = definition.identityValidationExpression, !expression.isEmpty {
            do { validation = try SelectionPattern(expression) } catch {
                report(Diagnostic(.error, "identityValidationExpression '\(expression)' is not a valid regular expression", at: definition.location))
                return nil
            }
        }
        if definition.simpleResponsesInvalid(for: api.type) {
            report(Diagnostic(.error, "enableSimpleResponses needs an HTTP API authorizer with payload format 2.0", at: definition.location))
            return nil
        }
        return CompiledAuthorizer(
            id: "\(api.id)/\(stage.name)\(isCanary ? "/canary" : "")/\(definition.name)", definition: definition, apiType: api.type,
            function: function, identity: identity, validation: validation
        )
    }

    /// AWS_PROXY and AWS integrations whose URI names a Lambda function (with stage variables).
    private mutating func compileFunction(_ integration: Integration, stage: Stage, api: APIDefinition) -> IntegrationPlan {
        guard let template = integration.uri else { return .unavailable(.internalError, reason: "no uri") }
        let (uri, missing) = Self.substituteStageVariables(template, variables: stage.variables)
        for name in missing {
            report(Diagnostic(.warning, "stage '\(stage.name)' has no variable '\(name)' used by the integration URI", at: integration.location))
        }
        guard let arn = FunctionPlan.functionARN(fromIntegrationURI: uri), let name = FunctionPlan.functionName(fromARN: arn) else {
            report(Diagnostic(.unsupported, "\(integration.kind.rawValue) integration '\(uri)' is not a Lambda function; only functions are implemented for AWS integrations", at: integration.location))
            return .unavailable(.internalError, reason: "\(uri) is not a Lambda function URI")
        }
        guard functions.contains(name) || remoteLambda else {
            report(Diagnostic(.warning, "the integration calls function '\(name)', which portico.yaml's functions do not define, and no lambda endpoint is set to invoke it remotely; the route answers 500", at: integration.location))
            return .unavailable(.internalError, reason: "no function named \(name)")
        }
        let qualifiedARN = arn.hasPrefix("arn:") ? arn : "arn:aws:lambda:us-east-1:123456789012:function:\(name)"
        let version = integration.payloadFormatVersion ?? (api.type == .http ? "2.0" : "1.0")
        guard version == "1.0" || (version == "2.0" && api.type == .http) else {
            report(Diagnostic(.error, "payloadFormatVersion must be 1.0 (or 2.0 for HTTP APIs)", at: integration.location))
            return .unavailable(.internalError, reason: "payload format \(version)")
        }
        let proxy = integration.kind == .awsProxy
        var requestTemplates: [(contentType: String, body: ResponseBody)] = []
        if !proxy {
            for (contentType, source) in integration.requestTemplates.sorted(by: { $0.key < $1.key }) {
                do { requestTemplates.append((contentType, try ResponseBody(source))) } catch {
                    report(Diagnostic(.error, "the request template for \(contentType) does not compile: \(error.message) at \(error.location)", at: integration.location))
                }
            }
        }
        return .function(FunctionPlan(
            functionName: name, functionARN: qualifiedARN, proxy: proxy, payloadVersion: version,
            timeoutMillis: integration.timeoutMillis, binaryMediaTypes: api.binaryMediaTypes,
            responses: proxy ? nil : compileResponses(integration), requestTemplates: requestTemplates,
            passthrough: integration.passthroughBehavior
        ))
    }

    private mutating func compileMock(_ integration: Integration) -> IntegrationPlan {
        var statuses: [(contentType: String, status: Int?, template: Template?)] = []
        for (contentType, source) in integration.requestTemplates.sorted(by: { $0.key < $1.key }) {
            let template: Template
            do { template = try Template(source) } catch {
                report(Diagnostic(.error, "the MOCK request template for \(contentType) does not compile: \(error.message) at \(error.location)", at: integration.location))
                continue
            }
            if let text = template.staticText {
                let status = MockPlan.statusCode(inTemplate: text)
                if status == nil {
                    report(Diagnostic(.warning, "the MOCK request template for \(contentType) names no statusCode; requests with that content type answer 500", at: integration.location))
                }
                statuses.append((contentType.lowercased(), status, nil))
            } else {
                statuses.append((contentType.lowercased(), nil, template))
            }
        }
        if statuses.isEmpty {
            report(Diagnostic(.warning, "a MOCK integration without a request template has no statusCode; AWS answers 500", at: integration.location))
        }
        return .mock(MockPlan(
            requestTemplates: statuses, passthrough: integration.passthroughBehavior,
            responses: compileResponses(integration)
        ))
    }

    private mutating func compileResponses(_ integration: Integration) -> IntegrationResponses {
        var entries: [IntegrationResponses.Entry] = []
        var fallback: IntegrationResponses.Entry?
        for response in integration.responses {
            guard let code = Int(response.statusCode) else { continue }
            var pattern: SelectionPattern?
            if !response.isDefault {
                do {
                    pattern = try SelectionPattern(response.selectionPattern)
                } catch {
                    report(Diagnostic(.error, "selection pattern '\(response.selectionPattern)' is not a valid regular expression: \(error)", at: integration.location))
                    continue
                }
            }
            var headers: [(name: String, source: IntegrationResponses.ResponseValue)] = []
            for (key, expression) in response.responseParameters.sorted(by: { $0.key < $1.key }) {
                guard key.hasPrefix("method.response.header.") else {
                    report(Diagnostic(.error, "response parameter '\(key)' must be method.response.header.NAME", at: integration.location))
                    continue
                }
                let name = String(key.dropFirst("method.response.header.".count))
                if expression.count >= 2, expression.hasPrefix("'"), expression.hasSuffix("'") {
                    headers.append((name, .literal(String(expression.dropFirst().dropLast()))))
                } else if expression.hasPrefix("integration.response.header.") {
                    headers.append((name, .integrationHeader(String(expression.dropFirst("integration.response.header.".count)))))
                } else if expression == "integration.response.body" || expression.hasPrefix("integration.response.body.") {
                    let path = "$" + expression.dropFirst("integration.response.body".count)
                    do { headers.append((name, .integrationBody(try JSONPath(path)))) } catch {
                        report(Diagnostic(.error, "response parameter source '\(expression)': \(error.description)", at: integration.location))
                    }
                } else {
                    report(Diagnostic(.unsupported, "response parameter source '\(expression)' is not implemented yet", at: integration.location))
                }
            }
            var bodies: [(contentType: String, body: ResponseBody)] = []
            for (contentType, source) in response.responseTemplates.sorted(by: { $0.key < $1.key }) {
                do {
                    bodies.append((contentType, try ResponseBody(source)))
                } catch {
                    report(Diagnostic(.error, "the response template for \(contentType) (status \(response.statusCode)) does not compile: \(error.message) at \(error.location)", at: integration.location))
                }
            }
            var entry = IntegrationResponses.Entry(
                pattern: pattern,
                status: HTTPResponseStatus(statusCode: code), headers: headers, bodies: bodies
            )
            entry.contentHandling = contentHandling(response.contentHandling, at: integration.location)
            if response.isDefault { fallback = entry } else { entries.append(entry) }
        }
        return IntegrationResponses(entries: entries, fallback: fallback)
    }

    private mutating func contentHandling(_ value: String?, at location: SourceLocation) -> ContentHandling? {
        guard let value, !value.isEmpty else { return nil }
        guard let handling = ContentHandling(rawValue: value) else {
            report(Diagnostic(.error, "contentHandling must be CONVERT_TO_TEXT or CONVERT_TO_BINARY, not '\(value)'", at: location))
            return nil
        }
        return handling
    }

    private mutating func compileHTTP(
        _ integration: Integration, operation: APIOperation, stage: Stage, api: APIDefinition
    ) -> IntegrationPlan {
        guard let template = integration.uri else {
            return .unavailable(.internalError, reason: "no uri")
        }
        let (uri, missing) = Self.substituteStageVariables(template, variables: stage.variables)
        for name in missing {
            report(Diagnostic(.warning, "stage '\(stage.name)' does not define the stage variable '\(name)' used in \(template); the route answers 500 there", at: integration.location))
        }
        if !missing.isEmpty {
            return .unavailable(.internalError, reason: "stage variable missing: \(missing.joined(separator: ", "))")
        }
        guard let parsed = Self.parseURI(uri) else {
            report(Diagnostic(.error, "cannot parse the integration uri '\(uri)' (stage \(stage.name))", at: integration.location))
            return .unavailable(.internalError, reason: "bad uri")
        }
        var pathMappings: [String: ValueSource] = [:]
        var queryMappings: [(name: String, source: ValueSource)] = []
        var headerMappings: [(name: String, source: ValueSource)] = []
        var requestMappings: [HTTPAPIMapping] = []
        var responseMappings: [Int: [HTTPAPIMapping]] = [:]
        for (target, expression) in integration.requestParameters.sorted(by: { $0.key < $1.key }) {
            if api.type == .http {
                switch HTTPAPIMapping.parse(target, expression, stageVariables: stage.variables, response: false) {
                case .success(let mapping): requestMappings.append(mapping)
                case .failure(let failure): report(Diagnostic(.error, "request parameter mapping: \(failure.reason)", at: integration.location))
                }
                continue
            }
            guard let source = ValueSource.parse(expression, stageVariables: stage.variables) else {
                report(Diagnostic(.unsupported, "the mapping source '\(expression)' is not implemented yet", at: integration.location))
                continue
            }
            if let name = target.droppingPrefix("integration.request.path.") {
                pathMappings[name] = source
            } else if let name = target.droppingPrefix("integration.request.querystring.") ?? target.droppingPrefix("integration.request.multivaluequerystring.") {
                queryMappings.append((name, source))
            } else if let name = target.droppingPrefix("integration.request.header.") ?? target.droppingPrefix("integration.request.multivalueheader.") {
                headerMappings.append((name, source))
            } else {
                report(Diagnostic(
                    api.type == .http ? .unsupported : .error,
                    "request parameter '\(target)' must be integration.request.{path|querystring|header}.NAME", at: integration.location))
            }
        }
        for case .parameter(let name) in parsed.path where pathMappings[name] == nil {
            let declared = operation.path.contains("{\(name)}") || operation.path.contains("{\(name)+}")
            if !declared {
                report(Diagnostic(.error, "the uri uses {\(name)}, which is neither a path parameter of \(operation.routeKey) nor mapped by integration.request.path.\(name)", at: integration.location))
            }
        }
        if api.type == .http, case .object(let byStatus)? = integration.extensions["responseParameters"] {
            for (code, object) in byStatus.sorted(by: { $0.key < $1.key }) {
                guard let status = Int(code), (100...599).contains(status), case .object(let pairs) = object else {
                    report(Diagnostic(.error, "responseParameters are keyed by a status code (100–599), not '\(code)'", at: integration.location))
                    continue
                }
                for (key, value) in pairs.sorted(by: { $0.key < $1.key }) {
                    guard let text = value.stringValue else { continue }
                    switch HTTPAPIMapping.parse(key, text, stageVariables: stage.variables, response: true) {
                    case .success(let mapping): responseMappings[status, default: []].append(mapping)
                    case .failure(let failure): report(Diagnostic(.error, "response parameter mapping: \(failure.reason)", at: integration.location))
                    }
                }
            }
        }
        let method = integration.httpMethod.flatMap { $0 == "ANY" ? nil : HTTPMethod(rawValue: $0) }
        return .http(HTTPPlan(
            isProxy: integration.kind == .httpProxy, upstream: parsed.address, pathPieces: parsed.path,
            uriQuery: parsed.query, method: method, timeout: .milliseconds(Int64(integration.timeoutMillis)),
            timeoutMillis: integration.timeoutMillis, pathMappings: pathMappings, queryMappings: queryMappings,
            headerMappings: headerMappings,
            responses: integration.kind == .http ? compileResponses(integration) : nil,
            restAPIID: api.type == .rest ? api.id : nil,
            requestTemplates: integration.kind == .http ? compileRequestTemplates(integration) : [],
            passthrough: integration.passthroughBehavior,
            binaryMedia: BinaryMediaTypes(api.binaryMediaTypes),
            contentHandling: integration.kind == .http ? contentHandling(integration.contentHandling, at: integration.location) : nil,
            requestMappings: requestMappings, responseMappings: HTTPAPIResponseMappings(byStatus: responseMappings)
        ))
    }

    /// Replaces `${stageVariables.name}`; returns the names that the stage does not define.
    static func substituteStageVariables(_ text: String, variables: [String: String]) -> (String, [String]) {
        var result = ""
        var missing: [String] = []
        var rest = text[...]
        while let start = rest.firstRange(of: "${stageVariables.") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { break }
            let name = String(rest[start.upperBound..<end])
            if let value = variables[name] { result += value } else { missing.append(name) }
            rest = rest[rest.index(after: end)...]
        }
        return (result + rest, missing)
    }

    struct ParsedURI {
        var address: UpstreamAddress
        var path: [HTTPPlan.PathPiece]
        var query: String?
    }

    /// Splits `http(s)://host[:port]/path/{param}?query` into its parts.
    static func parseURI(_ uri: String) -> ParsedURI? {
        let tls: Bool
        var rest: Substring
        if let r = uri.droppingPrefix("http://") { tls = false; rest = r[...] } else if let r = uri.droppingPrefix("https://") { tls = true; rest = r[...] } else { return nil }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        var host = authority
        var port = tls ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { guard let value = Int(after.dropFirst()) else { return nil }; port = value }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let value = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = value
        }
        guard !host.isEmpty, !host.contains("{"), (1...65535).contains(port) else { return nil }
        var query: String?
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        var pieces: [HTTPPlan.PathPiece] = []
        var literal = ""
        var scan = rest
        while let open = scan.firstIndex(of: "{") {
            literal += scan[..<open]
            guard let close = scan[open...].firstIndex(of: "}") else { return nil }
            if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
            var name = String(scan[scan.index(after: open)..<close])
            if name.hasSuffix("+") { name.removeLast() }
            pieces.append(.parameter(name))
            scan = scan[scan.index(after: close)...]
        }
        literal += scan
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return ParsedURI(address: UpstreamAddress(tls: tls, host: String(host), port: port), path: pieces, query: query)
    }
}

extension String {
    func droppingPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
