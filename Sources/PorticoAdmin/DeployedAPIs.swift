import Foundation
import PorticoModel

/// What the data plane serves from the management API: every stage of every API, each with the
/// operations of the deployment it points at, in the model the compiler reads.
enum DeployedAPIs {
    static func definitions(from state: ManagementState) -> [APIDefinition] {
        var apis: [APIDefinition] = []
        // The project file's APIs are served from the file; the management API only shows them.
        for record in state.restAPIs.values {
            guard let id = record.api["id"]?.stringValue, !state.fileAPIIDs.contains(id) else { continue }
            let location = SourceLocation(file: "management API", pointer: "/restapis/\(id)")
            var api = APIDefinition(id: id, name: record.api["name"]?.stringValue ?? id, type: .rest, location: location)
            api.binaryMediaTypes = (record.api["binaryMediaTypes"]?.arrayValue ?? []).compactMap(\.stringValue)
            api.authorizers = record.authorizers.values.compactMap { restAuthorizer($0, location: location) }
            api.models = models(of: record)
            if let policy = record.api["policy"], policy != .null { api.extensions["x-amazon-apigateway-policy"] = policy }
            for response in record.gatewayResponses.values {
                guard let type = response["responseType"]?.stringValue else { continue }
                api.gatewayResponses[type] = GatewayResponseDefinition(
                    statusCode: response["statusCode"]?.stringValue.flatMap { Int($0) },
                    responseParameters: strings(response["responseParameters"]), responseTemplates: strings(response["responseTemplates"]))
            }
            for stage in record.stages.values {
                guard let name = stage["stageName"]?.stringValue, let deploymentID = stage["deploymentId"]?.stringValue,
                      let snapshot = record.snapshots[deploymentID] else { continue }
                let variables = strings(stage["variables"])
                var served = Stage(name: name, variables: variables, deployment: operations(restResources: snapshot, record: record, models: api.models, location: location))
                // methodSettings keys keep AWS's `~1` escapes: `~1pets/GET`, `*/*`.
                var cache: StageCache?
                if stage["cacheClusterEnabled"]?.boolValue == true {
                    let gigabytes = Double(stage["cacheClusterSize"]?.stringValue ?? "0.5") ?? 0.5
                    cache = StageCache(capacityMB: max(Int(gigabytes * 1024), 1))
                }
                for (key, value) in stage["methodSettings"]?.objectValue ?? [:] {
                    let path = key.replacingOccurrences(of: "~1", with: "/")
                    if let limits = throttling(value, rate: "throttlingRateLimit", burst: "throttlingBurstLimit") {
                        served.methodThrottling[path] = limits
                    }
                    guard cache != nil, let settings = value.objectValue else { continue }
                    cache!.methods[path] = StageCache.MethodSettings(
                        enabled: settings["cachingEnabled"]?.boolValue, ttlSeconds: settings["cacheTtlInSeconds"]?.numberValue.map { Int($0) })
                    if path == "*/*" {
                        cache!.requireAuthorization = settings["requireAuthorizationForCacheControl"]?.boolValue ?? true
                        if let strategy = settings["unauthorizedCacheControlHeaderStrategy"]?.stringValue.flatMap(StageCache.UnauthorizedStrategy.init) {
                            cache!.unauthorizedStrategy = strategy
                        }
                    }
                }
                served.cache = cache
                // canarySettings: a share of the traffic to another deployment, with variable overrides.
                if let canary = stage["canarySettings"]?.objectValue, let canaryID = canary["deploymentId"]?.stringValue,
                   let canarySnapshot = record.snapshots[canaryID] {
                    served.canary = Canary(
                        percentTraffic: min(max(canary["percentTraffic"]?.numberValue ?? 0, 0), 100),
                        deployment: operations(restResources: canarySnapshot, record: record, models: api.models, location: location),
                        variables: variables.merging(strings(canary["stageVariableOverrides"])) { _, override in override }
                    )
                }
                api.stages.append(served)
            }
            if !api.stages.isEmpty { apis.append(api) }
        }
        for record in state.v2APIs.values where record.api["protocolType"]?.stringValue == "HTTP" {
            guard let id = record.api["apiId"]?.stringValue, !state.fileAPIIDs.contains(id) else { continue }
            let location = SourceLocation(file: "management API", pointer: "/v2/apis/\(id)")
            var api = APIDefinition(id: id, name: record.api["name"]?.stringValue ?? id, type: .http, location: location)
            api.authorizers = record.authorizers.values.compactMap { httpAuthorizer($0, location: location) }
            if let cors = record.api["corsConfiguration"]?.objectValue {
                func list(_ key: String) -> [String] { (cors[key]?.arrayValue ?? []).compactMap(\.stringValue) }
                api.cors = CORSConfiguration(
                    allowOrigins: list("allowOrigins"), allowMethods: list("allowMethods").map { $0.uppercased() }, allowHeaders: list("allowHeaders"),
                    exposeHeaders: list("exposeHeaders"), maxAge: cors["maxAge"]?.numberValue.map { Int($0) }, allowCredentials: cors["allowCredentials"]?.boolValue ?? false)
            }
            for stage in record.stages.values {
                guard let name = stage["stageName"]?.stringValue, let deploymentID = stage["deploymentId"]?.stringValue,
                      let snapshot = record.snapshots[deploymentID] else { continue }
                var served = Stage(name: name, variables: strings(stage["stageVariables"]), deployment: operations(httpSnapshot: snapshot, location: location))
                served.throttling = throttling(stage["defaultRouteSettings"], rate: "throttlingRateLimit", burst: "throttlingBurstLimit")
                // routeSettings are keyed by route key (`GET /pets`); the data plane's by `/pets/GET`.
                for (routeKey, value) in stage["routeSettings"]?.objectValue ?? [:] {
                    let parts = routeKey.split(separator: " ", maxSplits: 1).map(String.init)
                    guard parts.count == 2, let limits = throttling(value, rate: "throttlingRateLimit", burst: "throttlingBurstLimit") else { continue }
                    served.methodThrottling[parts[1] + "/" + (parts[0] == "ANY" ? "*" : parts[0])] = limits
                }
                api.stages.append(served)
            }
            if !api.stages.isEmpty { apis.append(api) }
        }
        for record in state.v2APIs.values where record.api["protocolType"]?.stringValue == "WEBSOCKET" {
            guard let id = record.api["apiId"]?.stringValue, !state.fileAPIIDs.contains(id) else { continue }
            let location = SourceLocation(file: "management API", pointer: "/v2/apis/\(id)")
            var api = APIDefinition(id: id, name: record.api["name"]?.stringValue ?? id, type: .websocket, location: location)
            api.webSocket = WebSocketDefinition(routeSelectionExpression: record.api["routeSelectionExpression"]?.stringValue ?? "$request.body.action")
            if let keys = record.api["apiKeySelectionExpression"]?.stringValue, keys.lowercased().hasPrefix("$request.header.") {
                api.webSocket?.apiKeySelectionExpression = keys
            }
            api.authorizers = record.authorizers.values.compactMap { httpAuthorizer($0, location: location) }
            for stage in record.stages.values {
                guard let name = stage["stageName"]?.stringValue, let deploymentID = stage["deploymentId"]?.stringValue,
                      let snapshot = record.snapshots[deploymentID] else { continue }
                var served = Stage(name: name, variables: strings(stage["stageVariables"]))
                served.webSocketRoutes = webSocketRoutes(snapshot, location: location)
                api.stages.append(served)
            }
            if !api.stages.isEmpty { apis.append(api) }
        }
        return apis
    }

    /// A WebSocket API's deployment: routes with their integrations (AWS_PROXY, MOCK, HTTP), two-way
    /// when the route has a route response.
    static func webSocketRoutes(_ snapshot: JSONValue, location: SourceLocation) -> [WebSocketRoute] {
        let routes = ObjectMap(json: snapshot["routes"])
        let integrations = ObjectMap(json: snapshot["integrations"])
        let routeResponses = ObjectMap(json: snapshot["routeResponses"])
        let integrationResponses = ObjectMap(json: snapshot["integrationResponses"])
        var result: [WebSocketRoute] = []
        for (routeID, route) in routes.entries {
            guard let key = route["routeKey"]?.stringValue else { continue }
            var integration: Integration?
            if let target = route["target"]?.stringValue, target.hasPrefix("integrations/") {
                let integrationID = String(target.dropFirst("integrations/".count))
                if let object = integrations[integrationID] {
                    var responses: [IntegrationResponse] = []
                    for (responseKey, response) in integrationResponses.entries where responseKey.hasPrefix(integrationID + "/") {
                        let selection = response["integrationResponseKey"]?.stringValue ?? "$default"
                        responses.append(IntegrationResponse(
                            selectionPattern: selection == "$default" ? "default" : selection, statusCode: "200",
                            responseTemplates: strings(response["responseTemplates"])))
                    }
                    integration = Integration(
                        kind: Integration.Kind(rawValue: object["integrationType"]?.stringValue ?? "") ?? .mock,
                        uri: object["integrationUri"]?.stringValue, httpMethod: object["integrationMethod"]?.stringValue,
                        requestTemplates: strings(object["requestTemplates"]),
                        timeoutMillis: Int(object["timeoutInMillis"]?.numberValue ?? 29_000), responses: responses, location: location)
                }
            }
            let twoWay = routeResponses.entries.contains { $0.key.hasPrefix(routeID + "/") }
            var webSocketRoute = WebSocketRoute(key: key, integration: integration, returnsResponse: twoWay)
            if key == "$connect" {
                webSocketRoute.apiKeyRequired = route["apiKeyRequired"]?.boolValue ?? false
                switch route["authorizationType"]?.stringValue {
                case "AWS_IAM": webSocketRoute.authorizationType = .awsIAM
                case "CUSTOM":
                    webSocketRoute.authorizationType = .custom
                    webSocketRoute.authorizer = route["authorizerId"]?.stringValue
                default: break
                }
            }
            result.append(webSocketRoute)
        }
        return result
    }

    /// A throttle from a settings object, when it has both limits.
    static func throttling(_ value: JSONValue?, rate: String, burst: String) -> Throttling? {
        guard let object = value?.objectValue, let rateLimit = object[rate]?.numberValue, let burstLimit = object[burst]?.numberValue else { return nil }
        return Throttling(rateLimit: rateLimit, burstLimit: Int(burstLimit))
    }

    /// CreateApiKey keys and CreateUsagePlan plans with their keys, in the project file's shapes.
    static func traffic(from state: ManagementState) -> ([APIKeyConfig], [UsagePlanConfig]) {
        let keys = state.apiKeys.values.compactMap { key -> APIKeyConfig? in
            guard let id = key["id"]?.stringValue, let value = key["value"]?.stringValue else { return nil }
            return APIKeyConfig(name: key["name"]?.stringValue ?? id, value: value, enabled: key["enabled"]?.boolValue ?? false, id: id)
        }
        func throttle(_ value: JSONValue?) -> Throttling? {
            guard let object = value?.objectValue else { return nil }
            return Throttling(rateLimit: object["rateLimit"]?.numberValue ?? 0, burstLimit: Int(object["burstLimit"]?.numberValue ?? 0))
        }
        let plans = state.usagePlans.values.compactMap { record -> UsagePlanConfig? in
            let plan = record.object
            guard let id = plan["id"]?.stringValue else { return nil }
            var config = UsagePlanConfig(name: plan["name"]?.stringValue ?? id, id: id)
            config.throttle = throttle(plan["throttle"])
            if let quota = plan["quota"]?.objectValue, let limit = quota["limit"]?.numberValue,
               let period = UsagePlanConfig.QuotaPeriod(rawValue: quota["period"]?.stringValue ?? "") {
                config.quota = UsagePlanConfig.QuotaSettings(limit: Int(limit), offset: Int(quota["offset"]?.numberValue ?? 0), period: period)
            }
            for entry in plan["apiStages"]?.arrayValue ?? [] {
                guard let api = entry["apiId"]?.stringValue, let stage = entry["stage"]?.stringValue else { continue }
                var methods: [String: Throttling] = [:]
                for (path, value) in entry["throttle"]?.objectValue ?? [:] { if let limits = throttle(value) { methods[path] = limits } }
                config.apiStages.append(UsagePlanConfig.APIStage(api: api, stage: stage, methodThrottles: methods))
            }
            config.keys = record.children.keys
            return config
        }
        return (keys, plans)
    }

    /// REST base path mappings and HTTP API mappings, by domain name.
    static func domains(from state: ManagementState) -> [CustomDomain] {
        var domains: [CustomDomain] = []
        for domain in state.domainNames.values {
            guard let name = domain.object["domainName"]?.stringValue else { continue }
            let mappings = domain.children.values.compactMap { mapping -> CustomDomain.Mapping? in
                guard let api = mapping["restApiId"]?.stringValue else { return nil }
                let basePath = mapping["basePath"]?.stringValue ?? ""
                return .init(basePath: basePath == "(none)" ? "" : basePath, apiID: api, stage: mapping["stage"]?.stringValue)
            }
            var custom = CustomDomain(name: name.lowercased(), mappings: mappings)
            if let tls = domain.object["_tls"]?.objectValue, let body = tls["certificateBody"]?.stringValue, let key = tls["certificatePrivateKey"]?.stringValue {
                let chain = tls["certificateChain"]?.stringValue ?? ""
                custom.certificate = CustomDomain.Certificate(chainPEM: chain.isEmpty ? body : body + "\n" + chain, privateKeyPEM: key)
            }
            custom.truststorePEM = truststore(domain.object["mutualTlsAuthentication"])
            domains.append(custom)
        }
        for domain in state.v2DomainNames.values {
            guard let name = domain.object["domainName"]?.stringValue else { continue }
            let mappings = domain.children.values.compactMap { mapping -> CustomDomain.Mapping? in
                guard let api = mapping["apiId"]?.stringValue, let stage = mapping["stage"]?.stringValue else { return nil }
                return .init(basePath: mapping["apiMappingKey"]?.stringValue ?? "", apiID: api, stage: stage)
            }
            let truststore = truststore(domain.object["mutualTlsAuthentication"])
            if let index = domains.firstIndex(where: { $0.name == name.lowercased() }) {
                domains[index].mappings += mappings
                domains[index].truststorePEM = domains[index].truststorePEM ?? truststore
            } else {
                var custom = CustomDomain(name: name.lowercased(), mappings: mappings)
                custom.truststorePEM = truststore
                domains.append(custom)
            }
        }
        return domains
    }

    /// `mutualTlsAuthentication.truststoreUri`: Portico reads `file://` URIs and paths (it has no S3).
    /// A truststore that cannot be read is empty: the domain then admits no client, rather than all.
    static func truststore(_ settings: JSONValue?) -> String? {
        guard let uri = settings?["truststoreUri"]?.stringValue, !uri.isEmpty else { return nil }
        let path = uri.hasPrefix("file://") ? String(uri.dropFirst("file://".count)) : uri
        guard path.hasPrefix("/"), let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
        return text
    }

    /// CreateAuthorizer (REST): TOKEN and REQUEST Lambda authorizers and COGNITO_USER_POOLS, named by their id.
    static func restAuthorizer(_ object: JSONObject, location: SourceLocation) -> AuthorizerDefinition? {
        guard let id = object["id"]?.stringValue, let kind = AuthorizerDefinition.Kind(rawValue: object["type"]?.stringValue ?? "") else { return nil }
        var sources = (object["identitySource"]?.stringValue ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if kind == .cognitoUserPools {
            if sources.isEmpty { sources = ["method.request.header.Authorization"] }
            var definition = AuthorizerDefinition(name: id, kind: kind, functionURI: "", identitySources: sources, location: location)
            definition.providerARNs = (object["providerARNs"]?.arrayValue ?? []).compactMap(\.stringValue)
            return definition
        }
        guard kind.isLambda, let uri = object["authorizerUri"]?.stringValue else { return nil }
        return AuthorizerDefinition(
            name: id, kind: kind, functionURI: uri, identitySources: sources,
            identityValidationExpression: object["identityValidationExpression"]?.stringValue,
            resultTTLSeconds: Int(object["authorizerResultTtlInSeconds"]?.numberValue ?? 300), location: location
        )
    }

    /// CreateAuthorizer (apigatewayv2): REQUEST Lambda authorizers and JWT authorizers.
    static func httpAuthorizer(_ object: JSONObject, location: SourceLocation) -> AuthorizerDefinition? {
        guard let id = object["authorizerId"]?.stringValue else { return nil }
        let sources = (object["identitySource"]?.arrayValue ?? []).compactMap(\.stringValue)
        if object["authorizerType"]?.stringValue == "JWT" {
            guard let issuer = object["jwtConfiguration"]?["issuer"]?.stringValue else { return nil }
            var definition = AuthorizerDefinition(
                name: id, kind: .jwt, functionURI: "", identitySources: sources.isEmpty ? ["$request.header.Authorization"] : sources, location: location)
            definition.jwtConfiguration = JWTConfiguration(
                issuer: issuer, audience: (object["jwtConfiguration"]?["audience"]?.arrayValue ?? []).compactMap(\.stringValue))
            return definition
        }
        guard object["authorizerType"]?.stringValue == "REQUEST", let uri = object["authorizerUri"]?.stringValue else { return nil }
        return AuthorizerDefinition(
            name: id, kind: .request, functionURI: uri, identitySources: sources,
            resultTTLSeconds: Int(object["authorizerResultTtlInSeconds"]?.numberValue ?? 0),
            payloadFormatVersion: object["authorizerPayloadFormatVersion"]?.stringValue ?? "2.0",
            enableSimpleResponses: object["enableSimpleResponses"]?.boolValue ?? false, location: location
        )
    }

    /// A method's or route's `authorizationType`, `authorizerId` and `authorizationScopes`.
    static func applyAuthorization(_ object: JSONObject, to operation: inout APIOperation) {
        let type = AuthorizationType(rawValue: object["authorizationType"]?.stringValue?.uppercased() ?? "NONE") ?? .none
        operation.authorizationType = type
        switch type {
        case .custom, .jwt, .cognitoUserPools:
            operation.authorizer = object["authorizerId"]?.stringValue
            operation.authorizationScopes = (object["authorizationScopes"]?.arrayValue ?? []).compactMap(\.stringValue)
        case .awsIAM, .none:
            break
        }
    }

    /// The API's models (CreateModel stores each schema as text), by name.
    static func models(of record: RestAPIRecord) -> [String: JSONValue] {
        var models: [String: JSONValue] = [:]
        for model in record.models.values {
            guard let name = model["name"]?.stringValue, let text = model["schema"]?.stringValue, let schema = try? JSONValue.parse(text) else { continue }
            models[name] = schema
        }
        return models
    }

    static func strings(_ value: JSONValue?) -> [String: String] {
        (value?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// REST resources with their methods → one operation per method.
    static func operations(restResources resources: ObjectMap, record: RestAPIRecord, models: [String: JSONValue], location: SourceLocation) -> [APIOperation] {
        var operations: [APIOperation] = []
        for resource in resources.values {
            guard let path = resource["path"]?.stringValue, let methods = resource["resourceMethods"]?.objectValue else { continue }
            for name in methods.keys.sorted() {
                guard let method = methods[name]?.objectValue else { continue }
                var operation = APIOperation(
                    path: path, method: name, integration: method["methodIntegration"]?.objectValue.map { integration(rest: $0, location: location) },
                    apiKeyRequired: method["apiKeyRequired"]?.boolValue ?? false, location: location
                )
                applyAuthorization(method, to: &operation)
                // requestParameters: `method.request.querystring.x: true` marks x as required.
                for (key, required) in method["requestParameters"]?.objectValue ?? [:] {
                    let parts = key.split(separator: ".", maxSplits: 3).map(String.init)
                    guard parts.count == 4, parts[0] == "method", parts[1] == "request" else { continue }
                    let location: Parameter.Location? = switch parts[2] {
                    case "querystring": .query
                    case "header": .header
                    case "path": .path
                    default: nil
                    }
                    if let location { operation.parameters.append(Parameter(name: parts[3], location: location, required: required.boolValue ?? false)) }
                }
                if let id = method["requestValidatorId"]?.stringValue, let validator = record.requestValidators[id] {
                    let model = method["requestModels"]?["application/json"]?.stringValue
                    operation.validation = RequestValidation(
                        validateParameters: validator["validateRequestParameters"]?.boolValue ?? false,
                        validateBody: validator["validateRequestBody"]?.boolValue ?? false,
                        bodySchema: model.flatMap { models[$0] })
                }
                operations.append(operation)
            }
        }
        return operations
    }

    static func integration(rest object: JSONObject, location: SourceLocation) -> Integration {
        let kind = Integration.Kind(rawValue: object["type"]?.stringValue ?? "") ?? .mock
        var responses: [IntegrationResponse] = []
        for (code, value) in (object["integrationResponses"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let pattern = value["selectionPattern"]?.stringValue ?? ""
            responses.append(IntegrationResponse(
                selectionPattern: pattern.isEmpty ? "default" : pattern, statusCode: value["statusCode"]?.stringValue ?? code,
                responseParameters: strings(value["responseParameters"]), responseTemplates: strings(value["responseTemplates"]),
                contentHandling: value["contentHandling"]?.stringValue
            ))
        }
        var extensions: [String: JSONValue] = [:]
        for field in ["cacheKeyParameters", "cacheNamespace"] { if let value = object[field] { extensions[field] = value } }
        return Integration(
            kind: kind, uri: object["uri"]?.stringValue, httpMethod: object["httpMethod"]?.stringValue,
            requestParameters: strings(object["requestParameters"]), requestTemplates: strings(object["requestTemplates"]),
            passthroughBehavior: Integration.PassthroughBehavior(rawValue: object["passthroughBehavior"]?.stringValue ?? "") ?? .whenNoMatch,
            timeoutMillis: Int(object["timeoutInMillis"]?.numberValue ?? Double(Integration.defaultTimeoutMillis)),
            responses: responses, contentHandling: object["contentHandling"]?.stringValue, extensions: extensions, location: location
        )
    }

    /// HTTP API routes and integrations as a deployment captured them → one operation per route.
    static func operations(httpSnapshot snapshot: JSONValue, location: SourceLocation) -> [APIOperation] {
        let routes = ObjectMap(json: snapshot["routes"])
        let integrations = ObjectMap(json: snapshot["integrations"])
        var operations: [APIOperation] = []
        for route in routes.values {
            guard let key = route["routeKey"]?.stringValue else { continue }
            let method: String
            let path: String
            if key == "$default" {
                (method, path) = ("ANY", "")
            } else {
                let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                (method, path) = (parts[0], parts[1])
            }
            var integration: Integration?
            if let target = route["target"]?.stringValue, target.hasPrefix("integrations/"),
               let object = integrations[String(target.dropFirst("integrations/".count))] {
                integration = Integration(
                    kind: Integration.Kind(rawValue: object["integrationType"]?.stringValue ?? "") ?? .httpProxy,
                    uri: object["integrationUri"]?.stringValue, httpMethod: object["integrationMethod"]?.stringValue,
                    requestParameters: strings(object["requestParameters"]),
                    timeoutMillis: Int(object["timeoutInMillis"]?.numberValue ?? 30_000),
                    payloadFormatVersion: object["payloadFormatVersion"]?.stringValue, location: location
                )
                if let response = object["responseParameters"] { integration?.extensions["responseParameters"] = response }
            }
            var operation = APIOperation(path: path, method: method, integration: integration, apiKeyRequired: route["apiKeyRequired"]?.boolValue ?? false, location: location)
            applyAuthorization(route, to: &operation)
            operations.append(operation)
        }
        return operations
    }
}
