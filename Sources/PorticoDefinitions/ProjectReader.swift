import Foundation
import PorticoModel

/// Reads `portico.yaml` (or `.json`) and the OpenAPI documents it names into a `ProjectConfig`.
/// Paths in the file are relative to the file's directory.
public struct ProjectReader {
    static let topKeys: Set<String> = ["listeners", "admin", "accessLog", "limits", "apis", "sidecars", "functions", "lambda", "apiKeys", "usagePlans", "rateLimitHeaders", "iam", "jwks"]
    static let functionKeys: Set<String> = [
        "name", "command", "workingDirectory", "environment", "handler", "timeout", "memorySize", "maxConcurrency",
        "warmInstances", "queueLimit",
    ]
    static let apiKeys: Set<String> = ["name", "id", "type", "definition", "openapi", "stages", "routeSelectionExpression", "routes", "limits", "authorizers", "apiKeySelectionExpression"]
    static let stageKeys: Set<String> = ["name", "variables", "throttling", "methodThrottling", "cache", "waf"]
    static let listenerKeys: Set<String> = ["host", "port", "tls", "http2"]
    static let limitKeys: Set<String> = [
        "maxPayloadBytes", "maxHeaderBytes", "maxIntegrationTimeoutMillis", "idleTimeoutSeconds",
        "requestHeadTimeoutSeconds", "drainSeconds", "eventLoops", "accountThrottle",
    ]

    /// Loads a project file. The configuration is nil when a diagnostic is an error.
    public static func load(path: String) -> (ProjectConfig?, [Diagnostic]) {
        let url = URL(fileURLWithPath: path)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            return (nil, [Diagnostic(.error, "cannot read the file", at: SourceLocation(file: path))])
        }
        switch DocumentNode.parse(text, file: path) {
        case .failure(let diagnostic):
            return (nil, [diagnostic])
        case .success(let root):
            var reader = ProjectReader(directory: url.deletingLastPathComponent())
            reader.sourceFiles.append(url.path)
            let config = reader.read(root)
            let diagnostics = reader.sink.diagnostics
            return (diagnostics.hasErrors ? nil : config, diagnostics)
        }
    }

    let directory: URL
    var sink = DiagnosticSink()
    var sourceFiles: [String] = []

    private mutating func read(_ root: DocumentNode) -> ProjectConfig? {
        guard let top = sink.mapping(root, "the project file") else { return nil }
        sink.checkKeys(top, known: Self.topKeys, in: "the project file")
        var config = ProjectConfig()
        if let listeners = sink.sequence(root["listeners"], "listeners") {
            config.listeners = listeners.compactMap { readListener($0) }
        }
        if let admin = root["admin"], let members = sink.mapping(admin, "admin") {
            sink.checkKeys(members, known: ["host", "port", "stateFile", "credentials"], in: "admin")
            var credentials: [String: String] = [:]
            for entry in sink.sequence(admin["credentials"], "admin.credentials") ?? [] {
                guard let key = sink.string(entry["accessKeyId"], "accessKeyId"), let secret = sink.string(entry["secretAccessKey"], "secretAccessKey") else {
                    sink.error("each admin credential needs accessKeyId and secretAccessKey", at: entry)
                    continue
                }
                credentials[key] = secret
            }
            config.admin = AdminConfig(
                host: sink.string(admin["host"], "admin.host") ?? "127.0.0.1",
                port: sink.int(admin["port"], "admin.port") ?? 9090,
                stateFile: resolve(sink.string(admin["stateFile"], "admin.stateFile") ?? ".portico/state.sqlite"),
                credentials: credentials
            )
        }
        if let log = root["accessLog"], sink.mapping(log, "accessLog") != nil {
            config.accessLog = AccessLogConfig(
                enabled: sink.bool(log["enabled"], "accessLog.enabled") ?? true,
                format: sink.string(log["format"], "accessLog.format") ?? "json",
                // A file path is relative to portico.yaml, as every path in it is.
                destination: sink.string(log["destination"], "accessLog.destination").map { $0 == "stdout" ? $0 : resolve($0) } ?? "stdout"
            )
        }
        if let limits = root["limits"], let members = sink.mapping(limits, "limits") {
            sink.checkKeys(members, known: Self.limitKeys, in: "limits")
            let defaults = Limits()
            config.limits = Limits(
                maxPayloadBytes: positive(limits["maxPayloadBytes"], "maxPayloadBytes") ?? defaults.maxPayloadBytes,
                maxHeaderBytes: positive(limits["maxHeaderBytes"], "maxHeaderBytes") ?? defaults.maxHeaderBytes,
                maxIntegrationTimeoutMillis: positive(limits["maxIntegrationTimeoutMillis"], "maxIntegrationTimeoutMillis")
                    ?? defaults.maxIntegrationTimeoutMillis,
                idleTimeoutSeconds: positive(limits["idleTimeoutSeconds"], "idleTimeoutSeconds") ?? defaults.idleTimeoutSeconds,
                requestHeadTimeoutSeconds: positive(limits["requestHeadTimeoutSeconds"], "requestHeadTimeoutSeconds")
                    ?? defaults.requestHeadTimeoutSeconds,
                drainSeconds: positive(limits["drainSeconds"], "drainSeconds") ?? defaults.drainSeconds,
                eventLoops: positive(limits["eventLoops"], "eventLoops")
            )
            if let throttle = readThrottle(limits["accountThrottle"], "limits.accountThrottle") { config.limits.accountThrottle = throttle }
        }
        if let lambda = root["lambda"], let members = sink.mapping(lambda, "lambda") {
            sink.checkKeys(members, known: ["endpoint", "region", "accessKeyId", "secretAccessKey", "sessionToken"], in: "lambda")
            if let endpoint = sink.string(lambda["endpoint"], "lambda.endpoint"), endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") {
                config.remoteLambda = RemoteLambdaConfig(
                    endpoint: endpoint, region: sink.string(lambda["region"], "lambda.region") ?? "us-east-1",
                    accessKeyID: sink.string(lambda["accessKeyId"], "lambda.accessKeyId"),
                    secretAccessKey: sink.string(lambda["secretAccessKey"], "lambda.secretAccessKey"),
                    sessionToken: sink.string(lambda["sessionToken"], "lambda.sessionToken"))
            } else {
                sink.error("lambda needs an http:// or https:// endpoint", at: lambda)
            }
        }
        for function in sink.sequence(root["functions"], "functions") ?? [] {
            if let value = readFunction(function) {
                if config.functions.contains(where: { $0.name == value.name }) {
                    sink.error("the function '\(value.name)' is defined twice", at: function)
                } else {
                    config.functions.append(value)
                }
            }
        }
        for sidecar in sink.sequence(root["sidecars"], "sidecars") ?? [] {
            if let value = readSidecar(sidecar) { config.sidecars.append(value) }
        }
        var ids = Set<String>()
        for node in sink.sequence(root["apis"], "apis") ?? [] {
            guard let api = readAPI(node, maxTimeout: config.limits.maxIntegrationTimeoutMillis) else { continue }
            if ids.contains(api.id) {
                sink.error("two APIs have the id '\(api.id)'", at: node)
                continue
            }
            ids.insert(api.id)
            config.apis.append(api)
        }
        if config.apis.isEmpty { sink.warning("the project defines no APIs", at: root) }
        readTraffic(root, into: &config)
        config.rateLimitHeaders = sink.bool(root["rateLimitHeaders"], "rateLimitHeaders") ?? false
        readAccessControl(root, into: &config)
        config.sourceFiles = sourceFiles
        return config
    }

    /// `iam: {credentials: [{accessKeyId, secretAccessKey, sessionToken, principal, policy}]}` and
    /// `jwks: [{issuer, jwksUri | file}]`.
    private mutating func readAccessControl(_ root: DocumentNode, into config: inout ProjectConfig) {
        if let iam = root["iam"], let members = sink.mapping(iam, "iam") {
            sink.checkKeys(members, known: ["credentials"], in: "iam")
            for node in sink.sequence(iam["credentials"], "iam.credentials") ?? [] {
                guard let fields = sink.mapping(node, "an IAM credential") else { continue }
                sink.checkKeys(fields, known: ["accessKeyId", "secretAccessKey", "sessionToken", "principal", "policy"], in: "an IAM credential")
                guard let key = sink.string(node["accessKeyId"], "accessKeyId"), let secret = sink.string(node["secretAccessKey"], "secretAccessKey") else {
                    sink.error("an IAM credential needs accessKeyId and secretAccessKey", at: node)
                    continue
                }
                let principal = sink.string(node["principal"], "principal") ?? "arn:aws:iam::123456789012:user/\(key)"
                guard principal.hasPrefix("arn:") else {
                    sink.error("principal must be an ARN (arn:aws:iam::123456789012:user/alice)", at: node["principal"] ?? node)
                    continue
                }
                if config.iamCredentials.contains(where: { $0.accessKeyID == key }) { sink.error("the access key '\(key)' is defined twice", at: node) }
                config.iamCredentials.append(IAMCredential(
                    accessKeyID: key, secretAccessKey: secret, sessionToken: sink.string(node["sessionToken"], "sessionToken"),
                    principalARN: principal, policy: node["policy"]?.json))
            }
        }
        for node in sink.sequence(root["jwks"], "jwks") ?? [] {
            guard let fields = sink.mapping(node, "a jwks entry") else { continue }
            sink.checkKeys(fields, known: ["issuer", "jwksUri", "file"], in: "a jwks entry")
            guard let issuer = sink.string(node["issuer"], "issuer") else {
                sink.error("a jwks entry needs an issuer", at: node)
                continue
            }
            let uri = sink.string(node["jwksUri"], "jwksUri")
            let file = sink.string(node["file"], "file").map(resolve)
            if (uri == nil) == (file == nil) {
                sink.error("a jwks entry needs either jwksUri or file", at: node)
                continue
            }
            config.jwks.append(JWKSSource(issuer: issuer, jwksURI: uri, file: file))
        }
    }

    /// `{rateLimit, burstLimit}`: requests per second (≥ 0) and bucket size (≥ 0).
    private mutating func readThrottle(_ node: DocumentNode?, _ what: String) -> Throttling? {
        guard let node, let members = sink.mapping(node, what) else { return nil }
        sink.checkKeys(members, known: ["rateLimit", "burstLimit"], in: what)
        guard let rate = sink.double(node["rateLimit"], "rateLimit"), let burst = sink.int(node["burstLimit"], "burstLimit"), rate >= 0, burst >= 0 else {
            sink.error("\(what) needs rateLimit and burstLimit, both 0 or more", at: node)
            return nil
        }
        return Throttling(rateLimit: rate, burstLimit: burst)
    }

    /// `/pets/GET`, `/pets/{id}/*`, `*/*`.
    static func isMethodPath(_ path: String) -> Bool {
        guard let slash = path.lastIndex(of: "/") else { return false }
        let resource = path[..<slash], method = path[path.index(after: slash)...]
        return (resource == "*" || resource.hasPrefix("/") || resource.isEmpty) && !method.isEmpty
    }

    /// `apiKeys: [{name, value, enabled}]` and `usagePlans: [{name, apiStages, throttle, quota, keys}]`.
    private mutating func readTraffic(_ root: DocumentNode, into config: inout ProjectConfig) {
        for node in sink.sequence(root["apiKeys"], "apiKeys") ?? [] {
            guard let members = sink.mapping(node, "an API key") else { continue }
            sink.checkKeys(members, known: ["name", "value", "enabled", "id"], in: "an API key")
            guard let name = sink.string(node["name"], "name") else {
                sink.error("an API key needs a name", at: node)
                continue
            }
            let value = sink.string(node["value"], "value")
            if let value, value.count < 20 { sink.error("an API key's value must be at least 20 characters, as AWS requires", at: node["value"]!) }
            if config.apiKeys.contains(where: { $0.name == name }) { sink.error("the API key '\(name)' is defined twice", at: node) }
            config.apiKeys.append(APIKeyConfig(name: name, value: value, enabled: sink.bool(node["enabled"], "enabled") ?? true, id: sink.string(node["id"], "id")))
        }
        for node in sink.sequence(root["usagePlans"], "usagePlans") ?? [] {
            guard let members = sink.mapping(node, "a usage plan") else { continue }
            sink.checkKeys(members, known: ["name", "id", "apiStages", "throttle", "quota", "keys"], in: "a usage plan")
            guard let name = sink.string(node["name"], "name") else {
                sink.error("a usage plan needs a name", at: node)
                continue
            }
            var plan = UsagePlanConfig(name: name, id: sink.string(node["id"], "id"))
            plan.throttle = readThrottle(node["throttle"], "throttle")
            if let quota = node["quota"], let quotaMembers = sink.mapping(quota, "quota") {
                sink.checkKeys(quotaMembers, known: ["limit", "offset", "period"], in: "quota")
                let period = sink.string(quota["period"], "period").flatMap { UsagePlanConfig.QuotaPeriod(rawValue: $0.uppercased()) }
                let offset = sink.int(quota["offset"], "offset") ?? 0
                if let limit = sink.int(quota["limit"], "limit"), limit >= 0, let period {
                    let maxOffset = period == .day ? 0 : (period == .week ? 6 : 27)
                    if (0...maxOffset).contains(offset) {
                        plan.quota = UsagePlanConfig.QuotaSettings(limit: limit, offset: offset, period: period)
                    } else {
                        sink.error("a \(period.rawValue) quota's offset must be 0–\(maxOffset)", at: quota)
                    }
                } else {
                    sink.error("quota needs a limit (0 or more) and a period (DAY, WEEK or MONTH)", at: quota)
                }
            }
            for stageNode in sink.sequence(node["apiStages"], "apiStages") ?? [] {
                guard let api = sink.string(stageNode["api"], "api"), let stage = sink.string(stageNode["stage"], "stage") else {
                    sink.error("each of apiStages needs an api (id or name) and a stage", at: stageNode)
                    continue
                }
                guard config.apis.contains(where: { ($0.id == api || $0.name == api) && $0.stages.contains { $0.name == stage } }) else {
                    sink.error("usage plan '\(name)': no API '\(api)' with a stage '\(stage)'", at: stageNode)
                    continue
                }
                var entry = UsagePlanConfig.APIStage(api: api, stage: stage)
                for (path, value) in sink.mapping(stageNode["throttle"], "throttle") ?? [] {
                    guard Self.isMethodPath(path) else {
                        sink.error("per-method throttles are keyed /resource/METHOD: '\(path)'", at: value)
                        continue
                    }
                    if let throttle = readThrottle(value, "throttle \(path)") { entry.methodThrottles[path] = throttle }
                }
                plan.apiStages.append(entry)
            }
            for key in sink.sequence(node["keys"], "keys") ?? [] {
                guard let keyName = sink.string(key, "a key") else { continue }
                guard config.apiKeys.contains(where: { $0.name == keyName || $0.id == keyName }) else {
                    sink.error("usage plan '\(name)': no API key '\(keyName)' in apiKeys", at: key)
                    continue
                }
                plan.keys.append(keyName)
            }
            config.usagePlans.append(plan)
        }
    }

    private mutating func positive(_ node: DocumentNode?, _ what: String) -> Int? {
        guard let value = sink.int(node, what) else { return nil }
        guard value > 0 else {
            sink.error("\(what) must be greater than 0", at: node!)
            return nil
        }
        return value
    }

    private mutating func readListener(_ node: DocumentNode) -> ListenerConfig? {
        guard let members = sink.mapping(node, "a listener") else { return nil }
        sink.checkKeys(members, known: Self.listenerKeys, in: "a listener")
        var listener = ListenerConfig()
        listener.host = sink.string(node["host"], "host") ?? listener.host
        if let port = sink.int(node["port"], "port") {
            if (0...65535).contains(port) { listener.port = port } else { sink.error("port must be 0–65535", at: node["port"]!) }
        }
        listener.http2 = sink.bool(node["http2"], "http2") ?? true
        if let tls = node["tls"], sink.mapping(tls, "tls") != nil {
            guard let certificate = sink.string(tls["certificate"], "tls.certificate"),
                  let key = sink.string(tls["key"], "tls.key")
            else {
                sink.error("tls needs 'certificate' and 'key' (PEM files)", at: tls)
                return nil
            }
            listener.tls = TLSConfig(certificateFile: resolve(certificate), keyFile: resolve(key))
            // Mutual TLS: clients must present a certificate that chains to one of these CAs.
            listener.tls!.truststoreFile = sink.string(tls["truststore"], "tls.truststore").map(resolve)
            for file in [listener.tls!.certificateFile, listener.tls!.keyFile] + (listener.tls!.truststoreFile.map { [$0] } ?? [])
            where !FileManager.default.fileExists(atPath: file) {
                sink.error("no such file: \(file)", at: tls)
            }
        }
        return listener
    }

    /// `functions: [{name, command, handler, timeout, memorySize, maxConcurrency, warmInstances, …}]`.
    private mutating func readFunction(_ node: DocumentNode) -> FunctionConfig? {
        guard let members = sink.mapping(node, "a function") else { return nil }
        sink.checkKeys(members, known: Self.functionKeys, in: "a function")
        guard let name = sink.string(node["name"], "function name"),
              let command = sink.sequence(node["command"], "function command"), !command.isEmpty
        else {
            sink.error("a function needs a name and a non-empty command list", at: node)
            return nil
        }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }), name.count <= 64 else {
            sink.error("a function name may hold letters, digits, '-' and '_' (up to 64), as Lambda's", at: node["name"]!)
            return nil
        }
        var function = FunctionConfig(
            name: name, command: command.compactMap { sink.string($0, "command item") },
            workingDirectory: resolve(sink.string(node["workingDirectory"], "workingDirectory") ?? "."),
            environment: sink.stringMap(node["environment"], "environment"),
            handler: sink.string(node["handler"], "handler")
        )
        if let timeout = sink.int(node["timeout"], "timeout") {
            if timeout < 1 || timeout > 900 { sink.error("timeout is in seconds, 1 to 900 as Lambda's", at: node["timeout"]!) } else { function.timeoutSeconds = Double(timeout) }
        }
        if let memory = sink.int(node["memorySize"], "memorySize") {
            if memory < 128 || memory > 10_240 { sink.error("memorySize is in MB, 128 to 10240 as Lambda's", at: node["memorySize"]!) } else { function.memoryMB = memory }
        }
        if let limit = sink.int(node["maxConcurrency"], "maxConcurrency") {
            if limit < 1 { sink.error("maxConcurrency must be at least 1", at: node["maxConcurrency"]!) } else { function.maxConcurrency = limit }
        }
        if let warm = sink.int(node["warmInstances"], "warmInstances") {
            if warm < 0 || warm > function.maxConcurrency { sink.error("warmInstances must be between 0 and maxConcurrency", at: node["warmInstances"]!) } else { function.warmInstances = warm }
        }
        if let queue = sink.int(node["queueLimit"], "queueLimit") {
            if queue < 0 { sink.error("queueLimit must not be negative", at: node["queueLimit"]!) } else { function.queueLimit = queue }
        }
        return function
    }

    private mutating func readSidecar(_ node: DocumentNode) -> SidecarConfig? {
        guard sink.mapping(node, "a sidecar") != nil else { return nil }
        guard let name = sink.string(node["name"], "sidecar name"),
              let command = sink.sequence(node["command"], "sidecar command"), !command.isEmpty
        else {
            sink.error("a sidecar needs a name and a non-empty command list", at: node)
            return nil
        }
        return SidecarConfig(
            name: name,
            command: command.compactMap { sink.string($0, "command item") },
            workingDirectory: resolve(sink.string(node["workingDirectory"], "workingDirectory") ?? "."),
            environment: sink.stringMap(node["environment"], "environment"),
            readyPort: sink.int(node["readyPort"], "readyPort")
        )
    }

    private mutating func readAPI(_ node: DocumentNode, maxTimeout: Int) -> APIDefinition? {
        guard let members = sink.mapping(node, "an API") else { return nil }
        sink.checkKeys(members, known: Self.apiKeys, in: "an API")
        let name = sink.string(node["name"], "API name")
        let typeName = sink.string(node["type"], "API type") ?? "REST"
        guard let type = APIType(rawValue: typeName.uppercased()) else {
            sink.error("API type must be REST, HTTP or WEBSOCKET", at: node["type"] ?? node)
            return nil
        }
        let id = sink.string(node["id"], "API id") ?? Self.apiID(for: name ?? "api")
        guard id.allSatisfy({ $0.isLetter || $0.isNumber }), !id.isEmpty else {
            sink.error("an API id may hold only letters and digits", at: node["id"] ?? node)
            return nil
        }
        var stages: [Stage] = []
        for stageNode in sink.sequence(node["stages"], "stages") ?? [] {
            if let stage = readStage(stageNode) {
                if stages.contains(where: { $0.name == stage.name }) {
                    sink.error("the stage '\(stage.name)' is listed twice", at: stageNode)
                } else {
                    stages.append(stage)
                }
            }
        }
        if stages.isEmpty {
            if type == .http {
                stages = [Stage(name: "$default")]
            } else {
                sink.warning("the REST API has no stages, so no request can reach it", at: node)
            }
        }
        if type == .websocket {
            if stages.isEmpty { sink.warning("the WebSocket API has no stages, so no client can connect", at: node) }
            return readWebSocketAPI(node, id: id, name: name ?? id, stages: stages, maxTimeout: maxTimeout)
        }
        let document: DocumentNode
        if let file = sink.string(node["definition"], "definition") {
            let path = resolve(file)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                sink.error("cannot read the definition \(path)", at: node["definition"]!)
                return nil
            }
            sourceFiles.append(path)
            switch DocumentNode.parse(text, file: path) {
            case .failure(let diagnostic):
                sink.diagnostics.append(diagnostic)
                return nil
            case .success(let root): document = root
            }
        } else if let inline = node["openapi"] {
            document = inline
        } else {
            sink.error("an API needs 'definition' (an OpenAPI file) or 'openapi' (the document inline)", at: node)
            return nil
        }
        let (api, diagnostics) = OpenAPIReader.read(
            document, id: id, name: name, type: type, stages: stages, maxTimeoutMillis: maxTimeout)
        sink.diagnostics += diagnostics
        return api
    }

    /// `type: WEBSOCKET` with `routeSelectionExpression` and `routes: {KEY: {integration: {…}, routeResponse: true}}`;
    /// integrations in `x-amazon-apigateway-integration`'s form.
    private mutating func readWebSocketAPI(_ node: DocumentNode, id: String, name: String, stages: [Stage], maxTimeout: Int) -> APIDefinition? {
        let expression = sink.string(node["routeSelectionExpression"], "routeSelectionExpression") ?? "$request.body.action"
        guard expression.hasPrefix("$request.body.") || expression == "${request.body.action}" || expression.hasPrefix("${request.body.") else {
            sink.error("routeSelectionExpression must select from the message body ($request.body.action, …)", at: node["routeSelectionExpression"] ?? node)
            return nil
        }
        var definition = WebSocketDefinition(routeSelectionExpression: expression)
        if let keyExpression = sink.string(node["apiKeySelectionExpression"], "apiKeySelectionExpression") {
            if keyExpression.lowercased().hasPrefix("$request.header.") { definition.apiKeySelectionExpression = keyExpression } else {
                sink.error("apiKeySelectionExpression reads a header: $request.header.x-api-key", at: node["apiKeySelectionExpression"]!)
            }
        }
        for (key, route) in sink.mapping(node["routes"], "routes") ?? [] {
            guard let fields = sink.mapping(route, "route \(key)") else { continue }
            sink.checkKeys(fields, known: ["integration", "routeResponse", "authorizationType", "authorizer", "apiKeyRequired"], in: "route \(key)")
            var integration: Integration?
            if let spec = route["integration"] {
                let (read, diagnostics) = OpenAPIReader.readIntegration(spec, type: .websocket, operation: key, maxTimeoutMillis: maxTimeout)
                sink.diagnostics += diagnostics
                integration = read
            } else if key != "$disconnect" && key != "$connect" {
                sink.error("the route \(key) needs an integration", at: route)
            }
            var webSocketRoute = WebSocketRoute(key: key, integration: integration, returnsResponse: sink.bool(route["routeResponse"], "routeResponse") ?? false)
            if let type = sink.string(route["authorizationType"], "authorizationType") {
                guard key == "$connect", let value = AuthorizationType(rawValue: type.uppercased()), [.none, .awsIAM, .custom].contains(value) else {
                    sink.error("only $connect is authorized, with NONE, AWS_IAM or CUSTOM (\(key): \(type))", at: route["authorizationType"]!)
                    continue
                }
                webSocketRoute.authorizationType = value
            }
            webSocketRoute.authorizer = sink.string(route["authorizer"], "authorizer")
            webSocketRoute.apiKeyRequired = sink.bool(route["apiKeyRequired"], "apiKeyRequired") ?? false
            if webSocketRoute.apiKeyRequired && key != "$connect" {
                sink.error("API keys are checked on $connect only (\(key))", at: route["apiKeyRequired"]!)
            }
            if webSocketRoute.authorizationType == .custom && webSocketRoute.authorizer == nil {
                sink.error("a CUSTOM $connect route names its authorizer (one of the API's authorizers)", at: route)
            }
            definition.routes.append(webSocketRoute)
        }
        if let limits = node["limits"], let fields = sink.mapping(limits, "limits") {
            sink.checkKeys(fields, known: ["maxMessageBytes", "maxFrameBytes", "idleTimeoutSeconds", "maxConnectionSeconds"], in: "limits")
            definition.limits.maxMessageBytes = sink.int(limits["maxMessageBytes"], "maxMessageBytes") ?? definition.limits.maxMessageBytes
            definition.limits.maxFrameBytes = sink.int(limits["maxFrameBytes"], "maxFrameBytes") ?? definition.limits.maxFrameBytes
            definition.limits.idleTimeoutSeconds = sink.int(limits["idleTimeoutSeconds"], "idleTimeoutSeconds") ?? definition.limits.idleTimeoutSeconds
            definition.limits.maxConnectionSeconds = sink.int(limits["maxConnectionSeconds"], "maxConnectionSeconds") ?? definition.limits.maxConnectionSeconds
        }
        var api = APIDefinition(id: id, name: name, type: .websocket, stages: stages, location: node.location)
        api.webSocket = definition
        // Lambda REQUEST authorizers for $connect: `authorizers: {name: {authorizerUri, identitySource: [route.request.header.X, …]}}`.
        for (authorizerName, spec) in sink.mapping(node["authorizers"], "authorizers") ?? [] {
            guard let fields = sink.mapping(spec, "authorizer \(authorizerName)") else { continue }
            sink.checkKeys(fields, known: ["authorizerUri", "identitySource", "authorizerResultTtlInSeconds"], in: "authorizer \(authorizerName)")
            guard let uri = sink.string(spec["authorizerUri"], "authorizerUri") else {
                sink.error("the authorizer '\(authorizerName)' needs an authorizerUri", at: spec)
                continue
            }
            let sources = (sink.sequence(spec["identitySource"], "identitySource") ?? []).compactMap { sink.string($0, "an identity source") }
            api.authorizers.append(AuthorizerDefinition(
                name: authorizerName, kind: .request, functionURI: uri, identitySources: sources,
                resultTTLSeconds: sink.int(spec["authorizerResultTtlInSeconds"], "authorizerResultTtlInSeconds") ?? 0, location: spec.location))
        }
        return api
    }

    private mutating func readStage(_ node: DocumentNode) -> Stage? {
        guard let members = sink.mapping(node, "a stage") else { return nil }
        sink.checkKeys(members, known: Self.stageKeys, in: "a stage")
        guard let name = sink.string(node["name"], "stage name") else {
            sink.error("a stage needs a name", at: node)
            return nil
        }
        guard name == "$default" || name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            sink.error("a stage name may hold only letters, digits, '-' and '_' (or be $default)", at: node["name"]!)
            return nil
        }
        var stage = Stage(name: name, variables: sink.stringMap(node["variables"], "variables"))
        for (key, value) in stage.variables where !key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            _ = value
            sink.error("a stage variable name may hold only letters, digits and '_': '\(key)'", at: node["variables"]!)
        }
        stage.throttling = readThrottle(node["throttling"], "throttling")
        for (key, value) in sink.mapping(node["methodThrottling"], "methodThrottling") ?? [] {
            // HTTP APIs' route keys (`GET /pets`) name the same thing as `/pets/GET`.
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            let path = parts.count == 2 ? parts[1] + "/" + (parts[0] == "ANY" ? "*" : parts[0]) : key
            guard Self.isMethodPath(path) else {
                sink.error("methodThrottling keys are /resource/METHOD (with * for any), like /pets/GET or */*: '\(path)'", at: value)
                continue
            }
            if let throttle = readThrottle(value, "methodThrottling \(path)") { stage.methodThrottling[path] = throttle }
        }
        if let cache = node["cache"], let members = sink.mapping(cache, "cache") {
            sink.checkKeys(members, known: ["capacityMB", "ttlSeconds", "requireAuthorization", "unauthorizedStrategy", "methods"], in: "cache")
            var settings = StageCache()
            settings.capacityMB = positive(cache["capacityMB"], "capacityMB") ?? settings.capacityMB
            if let ttl = sink.int(cache["ttlSeconds"], "ttlSeconds") {
                if (0...3600).contains(ttl) { settings.ttlSeconds = ttl } else { sink.error("ttlSeconds must be 0–3600, as AWS allows", at: cache["ttlSeconds"]!) }
            }
            settings.requireAuthorization = sink.bool(cache["requireAuthorization"], "requireAuthorization") ?? true
            if let strategy = sink.string(cache["unauthorizedStrategy"], "unauthorizedStrategy") {
                if let value = StageCache.UnauthorizedStrategy(rawValue: strategy) { settings.unauthorizedStrategy = value } else {
                    sink.error("unauthorizedStrategy must be FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER or SUCCEED_WITHOUT_RESPONSE_HEADER", at: cache["unauthorizedStrategy"]!)
                }
            }
            for (path, value) in sink.mapping(cache["methods"], "cache.methods") ?? [] {
                guard Self.isMethodPath(path) else {
                    sink.error("cache.methods keys are /resource/METHOD (with * for any): '\(path)'", at: value)
                    continue
                }
                var method = StageCache.MethodSettings(enabled: sink.bool(value["enabled"], "enabled"), ttlSeconds: sink.int(value["ttlSeconds"], "ttlSeconds"))
                if let ttl = method.ttlSeconds, !(0...3600).contains(ttl) {
                    sink.error("ttlSeconds must be 0–3600", at: value)
                    method.ttlSeconds = nil
                }
                settings.methods[path] = method
            }
            stage.cache = settings
        }
        if let waf = node["waf"] { stage.waf = readWAF(waf) }
        return stage
    }

    /// `waf: {defaultAction, rules: [{name, action, ipSet | rateBased | sizeConstraint | sqliMatch | xssMatch}]}`.
    private mutating func readWAF(_ node: DocumentNode) -> WAFConfig? {
        guard let members = sink.mapping(node, "waf") else { return nil }
        sink.checkKeys(members, known: ["defaultAction", "rules"], in: "waf")
        var config = WAFConfig()
        if let action = sink.string(node["defaultAction"], "defaultAction") {
            guard let value = WAFConfig.Action(rawValue: action.lowercased()), value != .count else {
                sink.error("waf.defaultAction is allow or block", at: node["defaultAction"]!)
                return nil
            }
            config.defaultAction = value
        }
        let statements = ["ipSet", "rateBased", "sizeConstraint", "sqliMatch", "xssMatch"]
        for rule in sink.sequence(node["rules"], "waf.rules") ?? [] {
            guard let fields = sink.mapping(rule, "a WAF rule") else { continue }
            sink.checkKeys(fields, known: Set(["name", "action"] + statements), in: "a WAF rule")
            guard let name = sink.string(rule["name"], "name") else {
                sink.error("a WAF rule needs a name", at: rule)
                continue
            }
            guard let action = WAFConfig.Action(rawValue: (sink.string(rule["action"], "action") ?? "").lowercased()) else {
                sink.error("WAF rule '\(name)': action is block, allow or count", at: rule)
                continue
            }
            let present = statements.filter { rule[$0] != nil }
            guard present.count == 1, let statement = readWAFStatement(present[0], rule[present[0]]!, rule: name) else {
                if present.count != 1 { sink.error("WAF rule '\(name)' needs exactly one of \(statements.joined(separator: ", "))", at: rule) }
                continue
            }
            config.rules.append(WAFRule(name: name, action: action, statement: statement))
        }
        return config
    }

    private mutating func readWAFStatement(_ kind: String, _ node: DocumentNode, rule: String) -> WAFRule.Statement? {
        func fields(_ node: DocumentNode?) -> [WAFRule.Field]? {
            var out: [WAFRule.Field] = []
            for item in sink.sequence(node, "fields") ?? [] {
                guard let text = sink.string(item, "a field") else { return nil }
                switch text.lowercased() {
                case "uri": out.append(.uri)
                case "query": out.append(.query)
                case "body": out.append(.body)
                case "headers": out.append(.allHeaders)
                case let other where other.hasPrefix("header:") && other.count > 7: out.append(.header(String(other.dropFirst(7))))
                default:
                    sink.error("WAF rule '\(rule)': '\(text)' is not a field (uri, query, body, headers, header:NAME)", at: item)
                    return nil
                }
            }
            return out.isEmpty ? nil : out
        }
        switch kind {
        case "ipSet":
            let addresses = (sink.sequence(node["addresses"], "addresses") ?? []).compactMap { sink.string($0, "an address") }
            guard !addresses.isEmpty, addresses.allSatisfy({ IPRange($0) != nil }) else {
                sink.error("WAF rule '\(rule)': ipSet.addresses needs IPv4 or IPv6 CIDR blocks", at: node)
                return nil
            }
            return .ipSet(addresses: addresses, negated: sink.bool(node["negate"], "negate") ?? false)
        case "rateBased":
            guard let limit = sink.int(node["limit"], "limit"), limit >= 10 else {
                sink.error("WAF rule '\(rule)': rateBased.limit must be 10 or more (requests per window, as AWS WAF)", at: node)
                return nil
            }
            let window = sink.int(node["windowSeconds"], "windowSeconds") ?? 300
            guard [60, 120, 300, 600].contains(window) else {
                sink.error("WAF rule '\(rule)': rateBased.windowSeconds is 60, 120, 300 or 600", at: node)
                return nil
            }
            return .rateBased(limit: limit, windowSeconds: window)
        case "sizeConstraint":
            let field: WAFRule.Field? = switch sink.string(node["field"], "field")?.lowercased() {
            case "uri": .uri
            case "query": .query
            case "body": .body
            case let other? where other.hasPrefix("header:") && other.count > 7: .header(String(other.dropFirst(7)))
            default: nil
            }
            guard let field, let comparison = sink.string(node["comparison"], "comparison")?.uppercased(),
                  ["EQ", "NE", "LE", "LT", "GE", "GT"].contains(comparison), let size = sink.int(node["size"], "size"), size >= 0 else {
                sink.error("WAF rule '\(rule)': sizeConstraint needs field (uri, query, body, header:NAME), comparison (EQ, NE, LE, LT, GE, GT) and size", at: node)
                return nil
            }
            return .sizeConstraint(field: field, comparison: comparison, size: size)
        default:
            let reported = sink.diagnostics.count
            guard let inspected = fields(node["fields"]) else {
                if sink.diagnostics.count > reported { return nil }
                sink.error("WAF rule '\(rule)': \(kind).fields lists uri, query, body, headers or header:NAME", at: node)
                return nil
            }
            var transformations: [WAFRule.Transformation] = []
            for item in sink.sequence(node["transformations"], "transformations") ?? [] {
                guard let text = sink.string(item, "a transformation"), let value = WAFRule.Transformation(rawValue: text.uppercased()) else {
                    sink.error("WAF rule '\(rule)': transformations are URL_DECODE, HTML_ENTITY_DECODE, LOWERCASE, COMPRESS_WHITE_SPACE", at: item)
                    return nil
                }
                transformations.append(value)
            }
            return kind == "sqliMatch" ? .sqlInjection(fields: inspected, transformations: transformations)
                : .crossSiteScripting(fields: inspected, transformations: transformations)
        }
    }

    private func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : directory.appendingPathComponent(path).standardizedFileURL.path
    }

    /// A stable 10-character id from the API's name, shaped like AWS's (lower-case letters and digits).
    public static func apiID(for name: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: stable across runs, unlike Hasher.
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var id = ""
        for _ in 0..<10 {
            id.append(alphabet[Int(hash % 36)])
            hash /= 36
        }
        return id
    }
}
