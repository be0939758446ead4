import PorticoModel

/// `apigateway`: REST APIs and what hangs off them. Paths and field names follow botocore's
/// service model; errors follow AWS's (`NotFoundException` with AWS's message, and so on).
enum RestAPIOperations {
    static let methods: Set<String> = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"]

    static func register(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("POST", "/restapis", createRestAPI)
        router.add("GET", "/restapis", { state, call in
            Paging.v1(state.restAPIs.values.map { .object($0.api) }, call: call)
        })
        router.add("GET", "/restapis/{restapi_id}", { state, call throws in
            .json(200, try api(state, call).api)
        })
        router.add("PATCH", "/restapis/{restapi_id}", updateRestAPI)
        router.add("PUT", "/restapis/{restapi_id}", { state, call throws in
            let response = try RestAPIImport.putAPI(&state, call)
            state.deploymentChanged = true
            return response
        })
        router.add("DELETE", "/restapis/{restapi_id}", { state, call throws in
            let id = try api(state, call).api["id"]!.stringValue!
            state.restAPIs[id] = nil
            state.touch("restapis", id)
            state.deploymentChanged = true
            return .empty(202)
        })
        registerResources(into: &router)
        registerMethods(into: &router)
        registerDeployments(into: &router)
        registerStages(into: &router)
        registerChildren(into: &router)
        registerKeysAndPlans(into: &router)
        registerDomainNames(into: &router)
        registerTags(into: &router)
        registerAccountAndLinks(into: &router)
        Export.register(into: &router)
    }

    // MARK: Lookups

    static func api(_ state: ManagementState, _ call: Call) throws -> RestAPIRecord {
        guard let record = state.restAPIs[call.parameter("restapi_id")] else {
            throw ManagementError.notFound("Invalid API identifier specified \(call.account):\(call.parameter("restapi_id"))")
        }
        return record
    }

    /// Runs `body` on the API named in the path and marks it for storing.
    static func withAPI<T>(_ state: inout ManagementState, _ call: Call, _ body: (inout RestAPIRecord) throws -> T) throws -> T {
        var record = try api(state, call)
        let result = try body(&record)
        let id = call.parameter("restapi_id")
        state.restAPIs[id] = record
        state.touch("restapis", id)
        return result
    }

    static func resource(_ record: RestAPIRecord, _ call: Call) throws -> JSONObject {
        guard let resource = record.resources[call.parameter("resource_id")] else {
            throw ManagementError.notFound("Invalid resource identifier specified")
        }
        return resource
    }

    static func method(_ record: RestAPIRecord, _ call: Call) throws -> JSONObject {
        let resource = try resource(record, call)
        guard let method = resource["resourceMethods"]?[call.parameter("http_method").uppercased()]?.objectValue else {
            throw ManagementError.notFound("Invalid Method identifier specified")
        }
        return method
    }

    /// Changes the method named in the path.
    static func withMethod<T>(_ record: inout RestAPIRecord, _ call: Call, _ body: (inout JSONObject) throws -> T) throws -> T {
        var method = try method(record, call)
        let result = try body(&method)
        let resourceID = call.parameter("resource_id")
        var resource = record.resources[resourceID]!
        var methods = resource["resourceMethods"]?.objectValue ?? [:]
        methods[call.parameter("http_method").uppercased()] = .object(method)
        resource["resourceMethods"] = .object(methods)
        record.resources[resourceID] = resource
        return result
    }

    // MARK: REST APIs

    static func createRestAPI(_ state: inout ManagementState, _ call: Call) throws -> AdminResponse {
        if call.query("mode") == "import" || call.request.header("content-type")?.contains("yaml") == true && call.body.isEmpty {
            return try RestAPIImport.importAPI(&state, call)
        }
        let name = try call.required("name")
        let id = Identifier.make()
        let rootID = Identifier.make()
        var api: JSONObject = [
            "id": .string(id), "name": .string(name), "createdDate": .number(call.now),
            "apiKeySource": call.body["apiKeySource"] ?? "HEADER",
            "endpointConfiguration": call.body["endpointConfiguration"] ?? ["types": ["EDGE"]],
            "disableExecuteApiEndpoint": call.body["disableExecuteApiEndpoint"] ?? false,
            "rootResourceId": .string(rootID),
        ]
        for field in ["description", "version", "binaryMediaTypes", "minimumCompressionSize", "policy", "tags"] {
            if let value = call.body[field] { api[field] = value }
        }
        if let source = api["apiKeySource"]?.stringValue, !["HEADER", "AUTHORIZER"].contains(source) {
            throw ManagementError.validation("1 validation error detected: Value '\(source)' at 'createRestApiInput.apiKeySource' failed to satisfy constraint: Member must satisfy enum value set: [AUTHORIZER, HEADER]")
        }
        if let types = api["endpointConfiguration"]?["types"]?.arrayValue {
            for type in types where !["EDGE", "REGIONAL", "PRIVATE"].contains(type.stringValue ?? "") {
                throw ManagementError.validation("1 validation error detected: Value '[\(type.stringValue ?? "")]' at 'createRestApiInput.endpointConfiguration.types' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [PRIVATE, EDGE, REGIONAL]]")
            }
        }
        var record = RestAPIRecord(api: api)
        record.resources[rootID] = ["id": .string(rootID), "path": "/"]
        state.restAPIs[id] = record
        state.touch("restapis", id)
        return .json(201, api)
    }

    static func updateRestAPI(_ state: inout ManagementState, _ call: Call) throws -> AdminResponse {
        let patch = try PatchOperations(call.body)
        return try withAPI(&state, call) { record throws in
            try patch.apply(to: &record.api, booleans: ["disableExecuteApiEndpoint"], numbers: ["minimumCompressionSize"], arrays: ["binaryMediaTypes", "types"], readOnly: ["id", "createdDate", "rootResourceId"])
            if let source = record.api["apiKeySource"]?.stringValue, !["HEADER", "AUTHORIZER"].contains(source) {
                throw ManagementError.validation("1 validation error detected: Value '\(source)' at 'createRestApiInput.apiKeySource' failed to satisfy constraint: Member must satisfy enum value set: [AUTHORIZER, HEADER]")
            }
            // A removed description reads back empty, as AWS shows it.
            if record.api["description"] == nil, patch.operations.contains(where: { $0.path == ["description"] }) { record.api["description"] = "" }
            return .json(200, record.api)
        }
    }

    // MARK: Resources

    static func registerResources(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("GET", "/restapis/{restapi_id}/resources", { state, call throws in
            let record = try api(state, call)
            let embed = call.request.queryValues("embed").contains("methods")
            return Paging.v1(record.resources.values.map { .object(presentResource($0, embedMethods: embed)) }, call: call)
        })
        router.add("GET", "/restapis/{restapi_id}/resources/{resource_id}", { state, call throws in
            let record = try api(state, call)
            return .json(200, presentResource(try resource(record, call), embedMethods: call.request.queryValues("embed").contains("methods")))
        })
        router.add("POST", "/restapis/{restapi_id}/resources/{parent_id}", { state, call throws in
            try withAPI(&state, call) { record throws in
                guard let parent = record.resources[call.parameter("parent_id")] else {
                    throw ManagementError.notFound("Invalid resource identifier specified")
                }
                let part = try call.required("pathPart")
                guard ResourcePath.isValidPart(part) else {
                    throw ManagementError.badRequest("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.")
                }
                let parentID = parent["id"]!.stringValue!
                let siblings = record.resources.values.filter { $0["parentId"]?.stringValue == parentID }
                if siblings.contains(where: { $0["pathPart"]?.stringValue == part }) {
                    throw ManagementError.conflict("Another resource with the same parent already has this name: \(part)")
                }
                if ResourcePath.isVariable(part), let other = siblings.first(where: { ResourcePath.isVariable($0["pathPart"]?.stringValue ?? "") }) {
                    throw ManagementError.badRequest("A sibling (\(other["pathPart"]!.stringValue!)) of this resource already has a variable path part -- only one is allowed")
                }
                let parentPath = parent["path"]!.stringValue!
                let id = Identifier.make()
                let resource: JSONObject = [
                    "id": .string(id), "parentId": .string(parentID), "pathPart": .string(part),
                    "path": .string(parentPath == "/" ? "/\(part)" : "\(parentPath)/\(part)"),
                ]
                record.resources[id] = resource
                return .json(201, resource)
            }
        })
        router.add("PATCH", "/restapis/{restapi_id}/resources/{resource_id}", { state, call throws in
            let patch = try PatchOperations(call.body)
            return try withAPI(&state, call) { record throws in
                var resource = try resource(record, call)
                try patch.apply(to: &resource, readOnly: ["id", "path", "resourceMethods"])
                if let parentID = resource["parentId"]?.stringValue, let parent = record.resources[parentID] {
                    let parentPath = parent["path"]!.stringValue!
                    let part = resource["pathPart"]?.stringValue ?? ""
                    resource["path"] = .string(parentPath == "/" ? "/\(part)" : "\(parentPath)/\(part)")
                }
                record.resources[call.parameter("resource_id")] = resource
                ResourcePath.refreshPaths(&record)
                return .json(200, presentResource(resource, embedMethods: true))
            }
        })
        router.add("DELETE", "/restapis/{restapi_id}/resources/{resource_id}", { state, call throws in
            try withAPI(&state, call) { record throws in
                let resource = try resource(record, call)
                guard resource["parentId"] != nil else {
                    throw ManagementError.badRequest("Cannot delete the root resource")
                }
                var doomed: Set<String> = [call.parameter("resource_id")]
                var grew = true
                while grew {
                    grew = false
                    for other in record.resources.values {
                        if let parent = other["parentId"]?.stringValue, doomed.contains(parent), doomed.insert(other["id"]!.stringValue!).inserted { grew = true }
                    }
                }
                for id in doomed { record.resources[id] = nil }
                return .empty(202)
            }
        })
    }

    /// AWS lists a resource's methods; with `embed=methods` each in full.
    static func presentResource(_ resource: JSONObject, embedMethods: Bool) -> JSONObject {
        var out = resource
        if let methods = resource["resourceMethods"]?.objectValue {
            if methods.isEmpty { out["resourceMethods"] = nil }
            else if !embedMethods { out["resourceMethods"] = .object(methods.mapValues { _ in .object([:]) }) }
        }
        return out
    }

    // MARK: Methods, method responses, integrations, integration responses

    static func registerMethods(into router: inout AdminRouter<ManagementAPI.Handler>) {
        let methodPath = "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}"
        router.add("PUT", methodPath, putMethod)
        router.add("GET", methodPath, { state, call throws in
            .json(200, try method(try api(state, call), call))
        })
        router.add("PATCH", methodPath, { state, call throws in
            let patch = try PatchOperations(call.body)
            return try withAPI(&state, call) { record throws in
                try withMethod(&record, call) { method throws in
                    try patch.apply(to: &method, booleans: ["apiKeyRequired"], readOnly: ["httpMethod", "methodIntegration", "methodResponses"])
                    return .json(200, method)
                }
            }
        })
        router.add("DELETE", methodPath, { state, call throws in
            try withAPI(&state, call) { record throws in
                _ = try method(record, call)
                let resourceID = call.parameter("resource_id")
                var resource = record.resources[resourceID]!
                var methods = resource["resourceMethods"]?.objectValue ?? [:]
                methods[call.parameter("http_method").uppercased()] = nil
                if methods.isEmpty { resource["resourceMethods"] = nil } else { resource["resourceMethods"] = .object(methods) }
                record.resources[resourceID] = resource
                return .empty(204)
            }
        })

        let responsePath = methodPath + "/responses/{status_code}"
        router.add("PUT", responsePath, { state, call throws in
            try withAPI(&state, call) { record throws in
                try withMethod(&record, call) { method throws in
                    let code = call.parameter("status_code")
                    guard code.count == 3, Int(code) != nil else {
                        throw ManagementError.badRequest("Invalid status code specified")
                    }
                    var response: JSONObject = ["statusCode": .string(code)]
                    for field in ["responseParameters", "responseModels"] { if let value = call.body[field] { response[field] = value } }
                    var responses = method["methodResponses"]?.objectValue ?? [:]
                    responses[code] = .object(response)
                    method["methodResponses"] = .object(responses)
                    return .json(201, response)
                }
            }
        })
        router.add("GET", responsePath, { state, call throws in
            let method = try method(try api(state, call), call)
            guard let response = method["methodResponses"]?[call.parameter("status_code")]?.objectValue else {
                throw ManagementError.notFound("Invalid Response status code specified")
            }
            return .json(200, response)
        })
        router.add("PATCH", responsePath, { state, call throws in
            let patch = try PatchOperations(call.body)
            return try withAPI(&state, call) { record throws in
                try withMethod(&record, call) { method throws in
                    let code = call.parameter("status_code")
                    guard var response = method["methodResponses"]?[code]?.objectValue else {
                        throw ManagementError.notFound("Invalid Response status code specified")
                    }
                    try patch.apply(to: &response, booleans: [], readOnly: ["statusCode"])
                    var responses = method["methodResponses"]?.objectValue ?? [:]
                    responses[code] = .object(response)
                    method["methodResponses"] = .object(responses)
                    return .json(200, response)
                }
            }
        })
        router.add("DELETE", responsePath, { state, call throws in
            try withAPI(&state, call) { record throws in
                try withMethod(&record, call) { method throws in
                    let code = call.parameter("status_code")
                    guard var responses = method["methodResponses"]?.objectValue, responses[code] != nil else {
                        throw ManagementError.notFound("Invalid Response status code specified")
                    }
                    responses[code] = nil
                    method["methodResponses"] = .object(responses)
                    return .empty(204)
                }
            }
        })

        let integrationPath = methodPath + "/integration"
        router.add("PUT", integrationPath, putIntegration)
        router.add("GET", integrationPath, { state, call throws in
            let method = try method(try api(state, call), call)
            guard let integration = method["methodIntegration"]?.objectValue else {
                throw ManagementError.notFound("No integration defined for method")
            }
            return .json(200, integration)
        })
        router.add("PATCH", integrationPath, { state, call throws in
            let patch = try PatchOperations(call.body)
            return try withAPI(&state, call) { record throws in
                try withMethod(&record, call) { method throws in
                    guard var integration = method["methodIntegration"]?.objectValue else {
                        throw ManagementError.notFound("No integration defined for method")
                    }
                    try patch.apply(to: &integration, numbers: ["timeoutInMillis"], readOnly: ["integrationResponses"])
                    method["methodIntegration"] = .object(integration)
                    return .json(200, integration)
                }
            }
        })
        router.add("DELETE", integrationPath, { state, call throws in
            try withAPI(&state, call) { record throws in
                try withMethod(&record, call) { method throws in
                    guard method["methodIntegration"] != nil else { throw ManagementError.notFound("No integration defined for method") }
                    method["methodIntegration"] = nil
                    return .empty(204)
                }
            }
        })

        let integrationResponsePath = integrationPath + "/responses/{status_code}"
        router.add("PUT", integrationResponsePath, { state, call throws in
            try withAPI(&state, call) { record throws in
                try withMethod(&record, call) { method throws in
                    guard var integration = method["methodIntegration"]?.objectValue else {
                        throw ManagementError.notFound("No integration defined for method")
                    }
                    let code = call.parameter("status_code")
                    var response: JSONObject = ["statusCode": .string(code)]
                    for field in ["selectionPattern", "responseParameters", "responseTemplates", "contentHandling"] {
                        if let value = call.body[field] { response[field] = value }
                    }
                    if response["responseTemplates"] == nil { response["responseTemplates"] = ["application/json": .null] }
                    var responses = integration["integrationResponses"]?.objectValue ?? [:]
                    responses[code] = .object(response)
                    integration["integrationResponses"] = .object(responses)
                    method["methodIntegration"] = .object(integration)
                    return .json(201, response)
                }
            }
        })
        router.add("GET", integrationResponsePath, { state, call throws in
            let method = try method(try api(state, call), call)
            guard let integration = method["methodIntegration"]?.objectValue else { throw ManagementError.notFound("No integration defined for method") }
            guard let response = integration["integrationResponses"]?[call.parameter("status_code")]?.objectValue else {
                throw ManagementError.notFound("Invalid Response status code specified")
            }
            return .json(200, response)
        })
        router.add("PATCH", integrationResponsePath, { state, call throws in
            let patch = try PatchOperations(call.body)
            return try withAPI(&state, call) { record throws in
                try withMethod(&record, call) { method throws in
                    guard var integration = method["methodIntegration"]?.objectValue else { throw ManagementError.notFound("No integration defined for method") }
                    let code = call.parameter("status_code")
                    guard var response = integration["integrationResponses"]?[code]?.objectValue else {
                        throw ManagementError.notFound("Invalid Response status code specified")
                    }
                    try patch.apply(to: &response, readOnly: ["statusCode"])
                    var responses = integration["integrationResponses"]?.objectValue ?? [:]
                    responses[code] = .object(response)
                    integration["integrationResponses"] = .object(responses)
                    method["methodIntegration"] = .object(integration)
                    return .json(200, response)
                }
            }
        })
        router.add("DELETE", integrationResponsePath, { state, call throws in
            try withAPI(&state, call) { record throws in
                try withMethod(&record, call) { method throws in
                    guard var integration = method["methodIntegration"]?.objectValue else { throw ManagementError.notFound("No integration defined for method") }
                    let code = call.parameter("status_code")
                    guard var responses = integration["integrationResponses"]?.objectValue, responses[code] != nil else {
                        throw ManagementError.notFound("Invalid Response status code specified")
                    }
                    responses[code] = nil
                    integration["integrationResponses"] = .object(responses)
                    method["methodIntegration"] = .object(integration)
                    return .empty(204)
                }
            }
        })
    }

    static func putMethod(_ state: inout ManagementState, _ call: Call) throws -> AdminResponse {
        try withAPI(&state, call) { record throws in
            let resourceID = call.parameter("resource_id")
            guard var resource = record.resources[resourceID] else {
                throw ManagementError.notFound("Invalid resource identifier specified")
            }
            let httpMethod = call.parameter("http_method").uppercased()
            guard methods.contains(httpMethod) else {
                throw ManagementError.badRequest("Invalid HttpMethod specified. Valid options are ANY,GET,PUT,POST,DELETE,PATCH,HEAD,OPTIONS")
            }
            // Kept as sent (AWS echoes `none` as `none`), checked without regard to case.
            let authorization = call.string("authorizationType") ?? "NONE"
            guard ["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"].contains(authorization.uppercased()) else {
                throw ManagementError.badRequest("Invalid authorization type specified. Valid options are NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS")
            }
            if let validator = call.string("requestValidatorId"), record.requestValidators[validator] == nil {
                throw ManagementError.badRequest("Invalid Request Validator identifier specified")
            }
            if let authorizer = call.string("authorizerId"), record.authorizers[authorizer] == nil {
                throw ManagementError.badRequest("Invalid authorizer ID specified")
            }
            var method: JSONObject = [
                "httpMethod": .string(httpMethod), "authorizationType": .string(authorization),
                "apiKeyRequired": .bool(call.bool("apiKeyRequired") ?? false), "methodResponses": [:],
            ]
            for field in ["authorizerId", "operationName", "requestParameters", "requestModels", "requestValidatorId", "authorizationScopes"] {
                if let value = call.body[field] { method[field] = value }
            }
            var resourceMethods = resource["resourceMethods"]?.objectValue ?? [:]
            resourceMethods[httpMethod] = .object(method)
            resource["resourceMethods"] = .object(resourceMethods)
            record.resources[resourceID] = resource
            return .json(201, method)
        }
    }

    static let integrationTypes = ["HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY", "MOCK"]

    static func putIntegration(_ state: inout ManagementState, _ call: Call) throws -> AdminResponse {
        try withAPI(&state, call) { record throws in
            let resourceID = call.parameter("resource_id")
            return try withMethod(&record, call) { method throws in
                guard let type = call.string("type") else {
                    throw ManagementError.badRequest("Enumeration value for IntegrationType must be non-empty")
                }
                guard integrationTypes.contains(type) else {
                    throw ManagementError.badRequest("Invalid integration type specified. Valid options are HTTP,HTTP_PROXY,AWS,AWS_PROXY,MOCK")
                }
                try IntegrationCheck.validate(type: type, httpMethod: call.string("httpMethod"), uri: call.string("uri"), credentials: call.string("credentials"), account: call.account)
                if let timeout = call.body["timeoutInMillis"]?.numberValue, timeout < 50 {
                    throw ManagementError.badRequest("Timeout should be between 50 ms and 29000 ms")
                }
                var integration: JSONObject = [
                    "type": .string(type),
                    "passthroughBehavior": call.body["passthroughBehavior"] ?? "WHEN_NO_MATCH",
                    "timeoutInMillis": call.body["timeoutInMillis"] ?? 29_000,
                    "cacheNamespace": call.body["cacheNamespace"] ?? .string(resourceID),
                    "cacheKeyParameters": call.body["cacheKeyParameters"] ?? [],
                    "connectionType": call.body["connectionType"] ?? "INTERNET",
                ]
                for field in ["httpMethod", "uri", "credentials", "requestParameters", "requestTemplates", "contentHandling", "tlsConfig", "connectionId", "integrationTarget"] {
                    if let value = call.body[field] { integration[field] = value }
                }
                if let behavior = integration["passthroughBehavior"]?.stringValue, !["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"].contains(behavior) {
                    throw ManagementError.badRequest("Invalid passthrough behavior specified. Valid options are WHEN_NO_MATCH,WHEN_NO_TEMPLATES,NEVER")
                }
                method["methodIntegration"] = .object(integration)
                return AdminResponse.json(201, integration)
            }
        }
    }
}

/// Resource path parts as API Gateway accepts them.
enum ResourcePath {
    static func isVariable(_ part: String) -> Bool { part.hasPrefix("{") && part.hasSuffix("}") }

    /// Letters, digits, `.`, `_`, `-` and `:`; a variable part is `{name}` or the greedy `{name+}`.
    static func isValidPart(_ part: String) -> Bool {
        var name = Substring(part)
        if isVariable(part) {
            name = name.dropFirst().dropLast()
            if name.hasSuffix("+") { name = name.dropLast() }
        }
        return !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-:".contains($0)) }
    }

    /// Recomputes every `path` from the parents (after a `pathPart` or `parentId` patch).
    static func refreshPaths(_ record: inout RestAPIRecord) {
        var changed = true
        var rounds = 0
        while changed, rounds < 64 {
            changed = false
            rounds += 1
            for id in record.resources.keys {
                var resource = record.resources[id]!
                guard let parentID = resource["parentId"]?.stringValue, let parent = record.resources[parentID],
                      let parentPath = parent["path"]?.stringValue, let part = resource["pathPart"]?.stringValue else { continue }
                let path = parentPath == "/" ? "/\(part)" : "\(parentPath)/\(part)"
                if resource["path"]?.stringValue != path {
                    resource["path"] = .string(path)
                    record.resources[id] = resource
                    changed = true
                }
            }
        }
    }
}

/// PutIntegration's checks, in the order AWS applies them.
enum IntegrationCheck {
    static func validate(type: String, httpMethod: String?, uri: String?, credentials: String?, account: String) throws {
        guard type != "MOCK" else { return }
        guard let httpMethod, !httpMethod.isEmpty else {
            throw ManagementError.badRequest("Enumeration value for HttpMethod must be non-empty")
        }
        let uri = uri ?? ""
        if type == "HTTP" || type == "HTTP_PROXY" {
            // `http://${stageVariables.host}/…` is resolved per stage.
            guard uri.hasPrefix("http://") || uri.hasPrefix("https://") || uri.hasPrefix("${stageVariables.") else {
                throw ManagementError.badRequest("Invalid HTTP endpoint specified for URI")
            }
            return
        }
        // AWS and AWS_PROXY: arn:aws:apigateway:{region}:{service}:{path|action}/…
        guard uri.hasPrefix("arn:") else { throw ManagementError.badRequest("Invalid ARN specified in the request") }
        let parts = uri.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[2] == "apigateway", parts[5].hasPrefix("path/") || parts[5].hasPrefix("action/") else {
            throw ManagementError.badRequest("AWS ARN for integration must contain path or action")
        }
        let service = parts[4]
        if let credentials, credentials.hasPrefix("arn:") {
            let roleParts = credentials.split(separator: ":", omittingEmptySubsequences: false)
            if roleParts.count > 4, roleParts[4] != account, roleParts[4] != "*" {
                throw ManagementError(type: "AccessDeniedException", status: 403, message: "Cross-account pass role is not allowed.")
            }
        }
        if type == "AWS_PROXY", service != "lambda", service != "firehose" {
            throw ManagementError.badRequest("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.")
        }
        // S3 has no resource policy that admits API Gateway: it needs a role.
        if type == "AWS", service == "s3", credentials == nil {
            throw ManagementError.badRequest("Role ARN must be specified for AWS integrations")
        }
    }
}
