import PorticoModel

/// `apigatewayv2`: HTTP and WebSocket APIs under `/v2/`. Unlike `apigateway`, updates send the
/// changed fields themselves (no patch operations) and lists page with `nextToken`/`maxResults`.
enum V2Operations {
    static func register(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("POST", "/v2/apis", createAPI)
        router.add("GET", "/v2/apis", { state, call in Paging.v2(state.v2APIs.values.map { .object($0.api) }, call: call) })
        router.add("PUT", "/v2/apis", { state, call throws in try V2Import.importAPI(&state, call, into: nil) })
        router.add("PUT", "/v2/apis/{apiId}", { state, call throws in
            _ = try api(state, call)
            return try V2Import.importAPI(&state, call, into: call.parameter("apiId"))
        })
        router.add("GET", "/v2/apis/{apiId}", { state, call throws in .json(200, try api(state, call).api) })
        router.add("PATCH", "/v2/apis/{apiId}", { state, call throws in
            try withAPI(&state, call) { record throws in
                for field in ["name", "description", "version", "routeSelectionExpression", "apiKeySelectionExpression", "disableExecuteApiEndpoint", "disableSchemaValidation", "corsConfiguration", "credentialsArn", "ipAddressType"] {
                    if let value = call.body[field] { record.api[field] = value }
                }
                return .json(200, record.api)
            }
        })
        router.add("DELETE", "/v2/apis/{apiId}", { state, call throws in
            _ = try api(state, call)
            state.v2APIs[call.parameter("apiId")] = nil
            state.touch("v2apis", call.parameter("apiId"))
            state.deploymentChanged = true
            return .empty(204)
        })
        router.add("DELETE", "/v2/apis/{apiId}/cors", { state, call throws in
            try withAPI(&state, call) { record throws in
                record.api["corsConfiguration"] = nil
                return .empty(204)
            }
        })
        for kind in childKinds { register(kind, into: &router) }
        registerStages(into: &router)
        registerDomainNames(into: &router)
        registerTags(into: &router)
        registerVpcLinks(into: &router)
        Export.registerV2(into: &router)
    }

    // MARK: VPC links (kept and listed; Portico reaches private backends directly)

    static func registerVpcLinks(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("POST", "/v2/vpclinks", { state, call throws in
            let name = try call.required("name")
            let id = Identifier.make(6)
            var link: JSONObject = [
                "vpcLinkId": .string(id), "name": .string(name), "createdDate": .number(call.now), "vpcLinkStatus": "AVAILABLE",
                "vpcLinkVersion": "V2", "securityGroupIds": call.body["securityGroupIds"] ?? [], "subnetIds": call.body["subnetIds"] ?? [],
                "tags": call.body["tags"] ?? [:],
            ]
            link["vpcLinkStatusMessage"] = "VPC link is ready to route traffic"
            state.v2VpcLinks[id] = link
            state.touch("v2vpclinks", id)
            return .json(201, link)
        })
        router.add("GET", "/v2/vpclinks", { state, call in Paging.v2(state.v2VpcLinks.values.map { .object($0) }, call: call) })
        router.add("GET", "/v2/vpclinks/{vpcLinkId}", { state, call throws in
            guard let link = state.v2VpcLinks[call.parameter("vpcLinkId")] else {
                throw ManagementError.notFound("Invalid VpcLink identifier specified \(call.parameter("vpcLinkId"))")
            }
            return .json(200, link)
        })
        router.add("PATCH", "/v2/vpclinks/{vpcLinkId}", { state, call throws in
            let id = call.parameter("vpcLinkId")
            guard var link = state.v2VpcLinks[id] else { throw ManagementError.notFound("Invalid VpcLink identifier specified \(id)") }
            if let name = call.body["name"] { link["name"] = name }
            state.v2VpcLinks[id] = link
            state.touch("v2vpclinks", id)
            return .json(200, link)
        })
        router.add("DELETE", "/v2/vpclinks/{vpcLinkId}", { state, call throws in
            let id = call.parameter("vpcLinkId")
            guard state.v2VpcLinks[id] != nil else { throw ManagementError.notFound("Invalid VpcLink identifier specified \(id)") }
            state.v2VpcLinks[id] = nil
            state.touch("v2vpclinks", id)
            return .json(202, [:])
        })
    }

    static func api(_ state: ManagementState, _ call: Call) throws -> V2APIRecord {
        guard let record = state.v2APIs[call.parameter("apiId")] else {
            throw ManagementError.notFound("Invalid API identifier specified \(call.parameter("apiId"))")
        }
        return record
    }

    static func withAPI<T>(_ state: inout ManagementState, _ call: Call, _ body: (inout V2APIRecord) throws -> T) throws -> T {
        var record = try api(state, call)
        let result = try body(&record)
        let id = call.parameter("apiId")
        state.v2APIs[id] = record
        state.touch("v2apis", id)
        return result
    }

    static func createAPI(_ state: inout ManagementState, _ call: Call) throws -> AdminResponse {
        let name = try call.required("name")
        let protocolType = call.string("protocolType") ?? ""
        guard ["HTTP", "WEBSOCKET"].contains(protocolType) else {
            throw ManagementError.badRequest("Invalid protocol specified. Must be one of [HTTP, WEBSOCKET]")
        }
        let id = Identifier.make()
        var api: JSONObject = [
            "apiId": .string(id), "name": .string(name), "protocolType": .string(protocolType),
            "createdDate": .number(call.now),
            "apiEndpoint": .string(protocolType == "HTTP" ? "https://\(id).execute-api.\(call.region).amazonaws.com" : "wss://\(id).execute-api.\(call.region).amazonaws.com"),
            "apiKeySelectionExpression": call.body["apiKeySelectionExpression"] ?? "$request.header.x-api-key",
            "disableExecuteApiEndpoint": call.body["disableExecuteApiEndpoint"] ?? false,
            "routeSelectionExpression": call.body["routeSelectionExpression"] ?? "$request.method $request.path",
        ]
        if protocolType == "WEBSOCKET", call.body["routeSelectionExpression"] == nil {
            throw ManagementError.badRequest("Route selection expression is required for WebSocket APIs")
        }
        for field in ["description", "version", "corsConfiguration", "tags", "disableSchemaValidation", "credentialsArn", "ipAddressType"] {
            if let value = call.body[field] { api[field] = value }
        }
        if protocolType == "HTTP", call.body["corsConfiguration"] != nil || call.body["target"] != nil {
            api["apiGatewayManaged"] = nil
        }
        var record = V2APIRecord(api: api)
        if let target = call.string("target") {
            guard protocolType == "HTTP" else { throw ManagementError.badRequest("Quick create is only supported for HTTP APIs") }
            // Quick create: one integration, one route, the auto-deployed $default stage.
            let integrationID = Identifier.make(7)
            let isFunction = target.hasPrefix("arn:")
            record.integrations[integrationID] = [
                "integrationId": .string(integrationID), "integrationType": .string(isFunction ? "AWS_PROXY" : "HTTP_PROXY"),
                "integrationUri": .string(target), "integrationMethod": .string(isFunction ? "POST" : "ANY"),
                "payloadFormatVersion": .string(isFunction ? "2.0" : "1.0"), "connectionType": "INTERNET",
                "timeoutInMillis": 30_000, "apiGatewayManaged": true,
            ]
            let routeID = Identifier.make(7)
            record.routes[routeID] = [
                "routeId": .string(routeID), "routeKey": call.body["routeKey"] ?? "$default", "target": .string("integrations/\(integrationID)"),
                "authorizationType": "NONE", "apiKeyRequired": false, "apiGatewayManaged": true,
            ]
            var stage = newStage(name: "$default", call: call)
            stage["autoDeploy"] = true
            stage["apiGatewayManaged"] = true
            record.stages["$default"] = stage
            autoDeploy(&record, call: call)
        }
        state.v2APIs[id] = record
        state.touch("v2apis", id)
        state.deploymentChanged = true
        return .json(201, record.api)
    }

    // MARK: Routes, integrations, responses, authorizers, models, deployments

    struct ChildKind: Sendable {
        var path: String
        var idField: String
        var parameter: String
        var collection: V2APIRecord.Child
        var notFound: @Sendable (String) -> String
        /// Nested under a route or integration (`routeresponses`, `integrationresponses`).
        var parent: (path: String, parameter: String, collection: V2APIRecord.Child, notFound: @Sendable (String) -> String)?
        var fields: [String]
        var defaults: JSONObject = [:]
        var validate: @Sendable (JSONObject, V2APIRecord) throws -> Void = { _, _ in }
        /// Changes to these kinds change what an auto-deployed stage serves.
        var affectsRoutes = true
    }

    static let childKinds: [ChildKind] = [
        ChildKind(
            path: "routes", idField: "routeId", parameter: "routeId", collection: .routes,
            notFound: { "Invalid Route identifier specified \($0)" },
            fields: ["routeKey", "target", "authorizationType", "authorizerId", "authorizationScopes", "apiKeyRequired", "operationName", "requestModels", "requestParameters", "routeResponseSelectionExpression", "modelSelectionExpression"],
            defaults: ["authorizationType": "NONE", "apiKeyRequired": false],
            validate: { route, record in
                guard let key = route["routeKey"]?.stringValue, !key.isEmpty else { throw ManagementError.badRequest("Route key is required") }
                if record.api["protocolType"]?.stringValue == "HTTP", key != "$default" {
                    let parts = key.split(separator: " ", maxSplits: 1)
                    guard parts.count == 2, parts[1].hasPrefix("/"),
                          RestAPIOperations.methods.contains(String(parts[0])) else {
                        throw ManagementError.badRequest("Invalid route key \(key). Route keys are $default or a method and a path, such as 'GET /pets'")
                    }
                }
                if let target = route["target"]?.stringValue, target.hasPrefix("integrations/"),
                   record.integrations[String(target.dropFirst("integrations/".count))] == nil {
                    throw ManagementError.badRequest("Invalid target \(target): no integration with that id")
                }
            }),
        ChildKind(
            path: "routeresponses", idField: "routeResponseId", parameter: "routeResponseId", collection: .routeResponses,
            notFound: { "Invalid RouteResponse identifier specified \($0)" },
            parent: ("routes", "routeId", .routes, { "Invalid Route identifier specified \($0)" }),
            fields: ["routeResponseKey", "modelSelectionExpression", "responseModels", "responseParameters"]),
        ChildKind(
            path: "integrations", idField: "integrationId", parameter: "integrationId", collection: .integrations,
            notFound: { "Invalid Integration identifier specified \($0)" },
            fields: ["integrationType", "integrationUri", "integrationMethod", "integrationSubtype", "payloadFormatVersion", "connectionType", "connectionId", "credentialsArn", "description", "passthroughBehavior", "requestParameters", "requestTemplates", "responseParameters", "templateSelectionExpression", "timeoutInMillis", "tlsConfig", "contentHandlingStrategy", "integrationResponseSelectionExpression"],
            defaults: ["connectionType": "INTERNET"],
            validate: { integration, record in
                let type = integration["integrationType"]?.stringValue ?? ""
                guard ["AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK"].contains(type) else {
                    throw ManagementError.badRequest("Invalid integration type specified. Must be one of [AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK]")
                }
                if record.api["protocolType"]?.stringValue == "HTTP", !["AWS_PROXY", "HTTP_PROXY"].contains(type) {
                    throw ManagementError.badRequest("Integration type \(type) is not supported for HTTP APIs. Use AWS_PROXY or HTTP_PROXY")
                }
                if let timeout = integration["timeoutInMillis"]?.numberValue, timeout < 50 || timeout > 30_000 {
                    throw ManagementError.badRequest("Timeout must be between 50 and 30000 milliseconds")
                }
            }),
        ChildKind(
            path: "integrationresponses", idField: "integrationResponseId", parameter: "integrationResponseId", collection: .integrationResponses,
            notFound: { "Invalid IntegrationResponse identifier specified \($0)" },
            parent: ("integrations", "integrationId", .integrations, { "Invalid Integration identifier specified \($0)" }),
            fields: ["integrationResponseKey", "contentHandlingStrategy", "responseParameters", "responseTemplates", "templateSelectionExpression"]),
        ChildKind(
            path: "authorizers", idField: "authorizerId", parameter: "authorizerId", collection: .authorizers,
            notFound: { "Invalid Authorizer identifier specified \($0)" },
            fields: ["name", "authorizerType", "authorizerUri", "authorizerCredentialsArn", "authorizerPayloadFormatVersion", "authorizerResultTtlInSeconds", "enableSimpleResponses", "identitySource", "identityValidationExpression", "jwtConfiguration"],
            validate: { authorizer, record in
                let type = authorizer["authorizerType"]?.stringValue ?? ""
                guard ["REQUEST", "JWT"].contains(type) else { throw ManagementError.badRequest("Invalid authorizer type \(type). Must be one of [REQUEST, JWT]") }
                if type == "REQUEST", record.api["protocolType"]?.stringValue == "HTTP", authorizer["authorizerPayloadFormatVersion"] == nil {
                    throw ManagementError.badRequest("AuthorizerPayloadFormatVersion is a required parameter for REQUEST authorizer")
                }
            },
            affectsRoutes: false),
        ChildKind(
            path: "models", idField: "modelId", parameter: "modelId", collection: .models,
            notFound: { "Invalid Model identifier specified \($0)" },
            fields: ["name", "contentType", "description", "schema"], affectsRoutes: false),
    ]

    static func register(_ kind: ChildKind, into router: inout AdminRouter<ManagementAPI.Handler>) {
        let base = kind.parent.map { "/v2/apis/{apiId}/\($0.path)/{\($0.parameter)}/\(kind.path)" } ?? "/v2/apis/{apiId}/\(kind.path)"
        let item = "\(base)/{\(kind.parameter)}"
        @Sendable func checkParent(_ record: V2APIRecord, _ call: Call) throws {
            guard let parent = kind.parent else { return }
            let id = call.parameter(parent.parameter)
            guard record[child: parent.collection][id] != nil else { throw ManagementError.notFound(parent.notFound(id)) }
        }
        @Sendable func key(_ call: Call) -> String {
            kind.parent.map { "\(call.parameter($0.parameter))/\(call.parameter(kind.parameter))" } ?? call.parameter(kind.parameter)
        }
        router.add("POST", base, { state, call throws in
            let response = try withAPI(&state, call) { record throws in
                try checkParent(record, call)
                let id = Identifier.make(7)
                var object = kind.defaults
                object[kind.idField] = .string(id)
                for field in kind.fields { if let value = call.body[field] { object[field] = value } }
                if kind.path == "integrations" {
                    defaultIntegrationFields(&object, protocolType: record.api["protocolType"]?.stringValue)
                }
                try ManagementError.rethrowing { try kind.validate(object, record) }
                let storeKey = kind.parent.map { "\(call.parameter($0.parameter))/\(id)" } ?? id
                record[child: kind.collection][storeKey] = object
                if kind.affectsRoutes { autoDeploy(&record, call: call) }
                return AdminResponse.json(201, object)
            }
            if kind.affectsRoutes { state.deploymentChanged = true }
            return response
        })
        router.add("GET", base, { state, call throws in
            let record = try api(state, call)
            try checkParent(record, call)
            let map = record[child: kind.collection]
            let prefix = kind.parent.map { "\(call.parameter($0.parameter))/" }
            let items = map.keys.filter { prefix == nil || $0.hasPrefix(prefix!) }.map { JSONValue.object(map[$0]!) }
            return Paging.v2(items, call: call)
        })
        router.add("GET", item, { state, call throws in
            let record = try api(state, call)
            try checkParent(record, call)
            guard let object = record[child: kind.collection][key(call)] else { throw ManagementError.notFound(kind.notFound(call.parameter(kind.parameter))) }
            return .json(200, object)
        })
        router.add("PATCH", item, { state, call throws in
            let response = try withAPI(&state, call) { record throws in
                try checkParent(record, call)
                guard var object = record[child: kind.collection][key(call)] else { throw ManagementError.notFound(kind.notFound(call.parameter(kind.parameter))) }
                for field in kind.fields {
                    guard let value = call.body[field] else { continue }
                    if kind.path == "integrations", field == "requestParameters" || field == "responseParameters",
                       let changes = value.objectValue {
                        // AWS merges parameter mappings; an empty string removes one.
                        var merged = object[field]?.objectValue ?? [:]
                        for (name, mapping) in changes {
                            if mapping == .string("") { merged[name] = nil } else { merged[name] = mapping }
                        }
                        object[field] = .object(merged)
                    } else {
                        object[field] = value
                    }
                }
                try ManagementError.rethrowing { try kind.validate(object, record) }
                record[child: kind.collection][key(call)] = object
                if kind.affectsRoutes { autoDeploy(&record, call: call) }
                return AdminResponse.json(200, object)
            }
            if kind.affectsRoutes { state.deploymentChanged = true }
            return response
        })
        router.add("DELETE", item, { state, call throws in
            try withAPI(&state, call) { record throws in
                try checkParent(record, call)
                guard record[child: kind.collection][key(call)] != nil else { throw ManagementError.notFound(kind.notFound(call.parameter(kind.parameter))) }
                record[child: kind.collection][key(call)] = nil
                if kind.affectsRoutes { autoDeploy(&record, call: call) }
            }
            if kind.affectsRoutes { state.deploymentChanged = true }
            return .empty(204)
        })
        if kind.path == "models" {
            router.add("GET", item + "/template", { state, call throws in
                guard try api(state, call).models[call.parameter("modelId")] != nil else {
                    throw ManagementError.notFound(kind.notFound(call.parameter("modelId")))
                }
                return .json(200, ["value": "#set($inputRoot = $input.path('$'))\n{ }"])
            })
        }
        if kind.path == "routes" {
            router.add("DELETE", item + "/requestparameters/{requestParameterKey}", { state, call throws in
                try withAPI(&state, call) { record throws in
                    guard var route = record.routes[call.parameter("routeId")] else { throw ManagementError.notFound(kind.notFound(call.parameter("routeId"))) }
                    var parameters = route["requestParameters"]?.objectValue ?? [:]
                    parameters[call.parameter("requestParameterKey")] = nil
                    route["requestParameters"] = .object(parameters)
                    record.routes[call.parameter("routeId")] = route
                }
                return .empty(204)
            })
        }
    }

    /// AWS fills these in when an integration is created without them.
    static func defaultIntegrationFields(_ object: inout JSONObject, protocolType: String?) {
        let type = object["integrationType"]?.stringValue ?? ""
        if object["timeoutInMillis"] == nil { object["timeoutInMillis"] = protocolType == "HTTP" ? 30_000 : 29_000 }
        if type == "MOCK", object["integrationResponseSelectionExpression"] == nil {
            object["integrationResponseSelectionExpression"] = "${integration.response.statuscode}"
        }
        if object["payloadFormatVersion"] == nil, protocolType == "HTTP" {
            object["payloadFormatVersion"] = type == "AWS_PROXY" ? "2.0" : "1.0"
        }
        if protocolType == "WEBSOCKET", object["passthroughBehavior"] == nil, type != "AWS_PROXY", type != "HTTP_PROXY" {
            object["passthroughBehavior"] = "WHEN_NO_MATCH"
        }
        if protocolType == "WEBSOCKET", object["payloadFormatVersion"] == nil { object["payloadFormatVersion"] = "1.0" }
    }

    // MARK: Stages and deployments

    static func newStage(name: String, call: Call, protocolType: String? = "HTTP") -> JSONObject {
        newStage(name: name, now: call.now, protocolType: protocolType)
    }

    static func newStage(name: String, now: Double, protocolType: String? = "HTTP") -> JSONObject {
        [
            "stageName": .string(name), "createdDate": .number(now), "lastUpdatedDate": .number(now),
            "defaultRouteSettings": protocolType == "WEBSOCKET"
                ? ["dataTraceEnabled": false, "detailedMetricsEnabled": false, "loggingLevel": "OFF"]
                : ["detailedMetricsEnabled": false],
            "routeSettings": [:], "stageVariables": [:], "tags": [:], "autoDeploy": false,
        ]
    }

    /// Snapshots routes and integrations as a new deployment.
    @discardableResult
    static func deploy(_ record: inout V2APIRecord, call: Call, description: JSONValue?, auto: Bool) -> JSONObject {
        let id = Identifier.make(6)
        var deployment: JSONObject = [
            "deploymentId": .string(id), "deploymentStatus": "DEPLOYED", "createdDate": .number(call.now), "autoDeployed": .bool(auto),
        ]
        if let description { deployment["description"] = description }
        record.deployments[id] = deployment
        record.snapshots[id] = .object([
            "routes": record.routes.json, "integrations": record.integrations.json,
            "routeResponses": record.routeResponses.json, "integrationResponses": record.integrationResponses.json,
        ])
        return deployment
    }

    /// Stages with `autoDeploy` get a new deployment after every change to routes or integrations.
    static func autoDeploy(_ record: inout V2APIRecord, call: Call) {
        let autoStages = record.stages.keys.filter { record.stages[$0]!["autoDeploy"]?.boolValue == true }
        guard !autoStages.isEmpty else { return }
        let deployment = deploy(&record, call: call, description: "Automatic deployment triggered by changes to the Api configuration", auto: true)
        for name in autoStages {
            var stage = record.stages[name]!
            stage["deploymentId"] = deployment["deploymentId"]
            stage["lastDeploymentStatusMessage"] = .string("Successfully deployed stage with deployment ID '\(deployment["deploymentId"]!.stringValue!)'")
            stage["lastUpdatedDate"] = .number(call.now)
            record.stages[name] = stage
        }
    }

    static func registerStages(into router: inout AdminRouter<ManagementAPI.Handler>) {
        let stageFields = ["description", "deploymentId", "autoDeploy", "stageVariables", "defaultRouteSettings", "routeSettings", "accessLogSettings", "clientCertificateId", "tags"]
        router.add("POST", "/v2/apis/{apiId}/stages", { state, call throws in
            let response = try withAPI(&state, call) { record throws in
                let name = try call.required("stageName")
                guard record.stages[name] == nil else { throw ManagementError.conflict("Stage \(name) already exists") }
                if let deploymentID = call.string("deploymentId"), record.deployments[deploymentID] == nil {
                    throw ManagementError.notFound("Invalid Deployment identifier specified \(deploymentID)")
                }
                var stage = newStage(name: name, call: call, protocolType: record.api["protocolType"]?.stringValue)
                for field in stageFields { if let value = call.body[field] { stage[field] = value } }
                record.stages[name] = stage
                if stage["autoDeploy"]?.boolValue == true { autoDeploy(&record, call: call) }
                return AdminResponse.json(201, record.stages[name]!)
            }
            state.deploymentChanged = true
            return response
        })
        router.add("GET", "/v2/apis/{apiId}/stages", { state, call throws in
            Paging.v2(try api(state, call).stages.values.map { .object($0) }, call: call)
        })
        router.add("GET", "/v2/apis/{apiId}/stages/{stageName}", { state, call throws in
            guard let stage = try api(state, call).stages[call.parameter("stageName")] else {
                throw ManagementError.notFound("Invalid stage identifier specified")
            }
            return .json(200, stage)
        })
        router.add("PATCH", "/v2/apis/{apiId}/stages/{stageName}", { state, call throws in
            let response = try withAPI(&state, call) { record throws in
                let name = call.parameter("stageName")
                guard var stage = record.stages[name] else { throw ManagementError.notFound("Invalid stage identifier specified") }
                if let deploymentID = call.string("deploymentId"), record.deployments[deploymentID] == nil {
                    throw ManagementError.notFound("Invalid Deployment identifier specified \(deploymentID)")
                }
                for field in stageFields { if let value = call.body[field] { stage[field] = value } }
                stage["lastUpdatedDate"] = .number(call.now)
                record.stages[name] = stage
                if call.bool("autoDeploy") == true { autoDeploy(&record, call: call) }
                return AdminResponse.json(200, record.stages[name]!)
            }
            state.deploymentChanged = true
            return response
        })
        router.add("DELETE", "/v2/apis/{apiId}/stages/{stageName}", { state, call throws in
            try withAPI(&state, call) { record throws in
                guard record.stages[call.parameter("stageName")] != nil else { throw ManagementError.notFound("Invalid stage identifier specified") }
                record.stages[call.parameter("stageName")] = nil
            }
            state.deploymentChanged = true
            return .empty(204)
        })
        router.add("DELETE", "/v2/apis/{apiId}/stages/{stageName}/routesettings/{routeKey}", { state, call throws in
            try withAPI(&state, call) { record throws in
                guard var stage = record.stages[call.parameter("stageName")] else { throw ManagementError.notFound("Invalid stage identifier specified") }
                var settings = stage["routeSettings"]?.objectValue ?? [:]
                settings[call.parameter("routeKey")] = nil
                stage["routeSettings"] = .object(settings)
                record.stages[call.parameter("stageName")] = stage
            }
            return .empty(204)
        })
        router.add("POST", "/v2/apis/{apiId}/deployments", { state, call throws in
            let response = try withAPI(&state, call) { record throws in
                if let stageName = call.string("stageName") {
                    guard var stage = record.stages[stageName] else { throw ManagementError.notFound("Invalid stage identifier specified") }
                    if stage["autoDeploy"]?.boolValue == true {
                        throw ManagementError.badRequest("Deployments cannot be created manually for a stage with auto-deploy enabled")
                    }
                    let deployment = deploy(&record, call: call, description: call.body["description"], auto: false)
                    stage["deploymentId"] = deployment["deploymentId"]
                    stage["lastUpdatedDate"] = .number(call.now)
                    record.stages[stageName] = stage
                    return AdminResponse.json(201, deployment)
                }
                return AdminResponse.json(201, deploy(&record, call: call, description: call.body["description"], auto: false))
            }
            state.deploymentChanged = true
            return response
        })
        router.add("GET", "/v2/apis/{apiId}/deployments", { state, call throws in
            Paging.v2(try api(state, call).deployments.values.map { .object($0) }, call: call)
        })
        router.add("GET", "/v2/apis/{apiId}/deployments/{deploymentId}", { state, call throws in
            guard let deployment = try api(state, call).deployments[call.parameter("deploymentId")] else {
                throw ManagementError.notFound("Invalid Deployment identifier specified \(call.parameter("deploymentId"))")
            }
            return .json(200, deployment)
        })
        router.add("PATCH", "/v2/apis/{apiId}/deployments/{deploymentId}", { state, call throws in
            try withAPI(&state, call) { record throws in
                guard var deployment = record.deployments[call.parameter("deploymentId")] else {
                    throw ManagementError.notFound("Invalid Deployment identifier specified \(call.parameter("deploymentId"))")
                }
                if let description = call.body["description"] { deployment["description"] = description }
                record.deployments[call.parameter("deploymentId")] = deployment
                return .json(200, deployment)
            }
        })
        router.add("DELETE", "/v2/apis/{apiId}/deployments/{deploymentId}", { state, call throws in
            try withAPI(&state, call) { record throws in
                let id = call.parameter("deploymentId")
                guard record.deployments[id] != nil else { throw ManagementError.notFound("Invalid Deployment identifier specified \(id)") }
                if record.stages.values.contains(where: { $0["deploymentId"]?.stringValue == id }) {
                    throw ManagementError.badRequest("Active stages pointing to this deployment must be moved or deleted")
                }
                record.deployments[id] = nil
                record.snapshots[id] = nil
            }
            return .empty(204)
        })
    }

    // MARK: Domain names and API mappings

    static func registerDomainNames(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("POST", "/v2/domainnames", { state, call throws in
            let name = try call.required("domainName")
            guard state.v2DomainNames[name] == nil else { throw ManagementError.conflict("The domain name resource already exists.") }
            var configurations = call.body["domainNameConfigurations"]?.arrayValue ?? [[:]]
            configurations = configurations.map { entry in
                var object = entry.objectValue ?? [:]
                object["apiGatewayDomainName"] = .string("d-\(Identifier.make()).execute-api.\(call.region).amazonaws.com")
                object["domainNameStatus"] = "AVAILABLE"
                if object["endpointType"] == nil { object["endpointType"] = "REGIONAL" }
                if object["securityPolicy"] == nil { object["securityPolicy"] = "TLS_1_2" }
                object["hostedZoneId"] = "Z2FDTNDATAQYW2"
                return .object(object)
            }
            var domain: JSONObject = [
                "domainName": .string(name), "domainNameConfigurations": .array(configurations),
                "apiMappingSelectionExpression": "$request.basepath", "tags": [:],
                "domainNameArn": .string("arn:aws:apigateway:\(call.region)::/domainnames/\(name)"),
            ]
            for field in ["mutualTlsAuthentication", "tags"] { if let value = call.body[field] { domain[field] = value } }
            state.v2DomainNames[name] = ParentRecord(object: domain)
            state.touch("v2domainnames", name)
            return .json(201, domain)
        })
        router.add("GET", "/v2/domainnames", { state, call in Paging.v2(state.v2DomainNames.values.map { .object($0.object) }, call: call) })
        router.add("GET", "/v2/domainnames/{domainName}", { state, call throws in .json(200, try domain(state, call).object) })
        router.add("PATCH", "/v2/domainnames/{domainName}", { state, call throws in
            var record = try domain(state, call)
            for field in ["domainNameConfigurations", "mutualTlsAuthentication"] { if let value = call.body[field] { record.object[field] = value } }
            state.v2DomainNames[call.parameter("domainName")] = record
            state.touch("v2domainnames", call.parameter("domainName"))
            return .json(200, record.object)
        })
        router.add("DELETE", "/v2/domainnames/{domainName}", { state, call throws in
            _ = try domain(state, call)
            state.v2DomainNames[call.parameter("domainName")] = nil
            state.touch("v2domainnames", call.parameter("domainName"))
            state.deploymentChanged = true
            return .empty(204)
        })
        let mappings = "/v2/domainnames/{domainName}/apimappings"
        router.add("POST", mappings, { state, call throws in
            var record = try domain(state, call)
            let apiID = try call.required("apiId")
            let stage = try call.required("stage")
            guard let api = state.v2APIs[apiID] else {
                throw ManagementError.notFound("Invalid API identifier specified The resource specified in the request was not found.")
            }
            let key = call.string("apiMappingKey") ?? ""
            if key.hasPrefix("/") || key.contains("//") {
                throw ManagementError.badRequest("API mapping key should not start with a '/' or have consecutive '/'s.")
            }
            if key.hasSuffix("/") { throw ManagementError.badRequest("API mapping key should not end with a '/'.") }
            guard api.stages[stage] != nil else { throw ManagementError.notFound("Invalid stage identifier specified") }
            if record.children.values.contains(where: { ($0["apiMappingKey"]?.stringValue ?? "") == key }) {
                throw ManagementError.conflict("The API mapping already exists for this domain name and key")
            }
            let id = Identifier.make(6)
            let mapping: JSONObject = ["apiMappingId": .string(id), "apiId": .string(apiID), "stage": .string(stage), "apiMappingKey": .string(key)]
            record.children[id] = mapping
            state.v2DomainNames[call.parameter("domainName")] = record
            state.touch("v2domainnames", call.parameter("domainName"))
            state.deploymentChanged = true
            return .json(201, mapping)
        })
        router.add("GET", mappings, { state, call throws in
            Paging.v2(try domain(state, call).children.values.map { .object($0) }, call: call)
        })
        router.add("GET", mappings + "/{apiMappingId}", { state, call throws in
            guard let mapping = try domain(state, call).children[call.parameter("apiMappingId")] else {
                throw ManagementError.notFound("The api mapping resource specified in the request was not found.")
            }
            return .json(200, mapping)
        })
        router.add("PATCH", mappings + "/{apiMappingId}", { state, call throws in
            var record = try domain(state, call)
            guard var mapping = record.children[call.parameter("apiMappingId")] else {
                throw ManagementError.notFound("The api mapping resource specified in the request was not found.")
            }
            for field in ["apiId", "stage", "apiMappingKey"] { if let value = call.body[field] { mapping[field] = value } }
            record.children[call.parameter("apiMappingId")] = mapping
            state.v2DomainNames[call.parameter("domainName")] = record
            state.touch("v2domainnames", call.parameter("domainName"))
            state.deploymentChanged = true
            return .json(200, mapping)
        })
        router.add("DELETE", mappings + "/{apiMappingId}", { state, call throws in
            var record = try domain(state, call)
            guard record.children[call.parameter("apiMappingId")] != nil else {
                throw ManagementError.notFound("The api mapping resource specified in the request was not found.")
            }
            record.children[call.parameter("apiMappingId")] = nil
            state.v2DomainNames[call.parameter("domainName")] = record
            state.touch("v2domainnames", call.parameter("domainName"))
            state.deploymentChanged = true
            return .empty(204)
        })
    }

    static func domain(_ state: ManagementState, _ call: Call) throws -> ParentRecord {
        guard let domain = state.v2DomainNames[call.parameter("domainName")] else {
            throw ManagementError.notFound("The domain name resource specified in the request was not found.")
        }
        return domain
    }

    // MARK: Tags

    static func registerTags(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("GET", "/v2/tags/{resource-arn}", { state, call in
            .json(200, ["tags": .object(tags(state, arn: call.parameter("resource-arn")))])
        })
        router.add("POST", "/v2/tags/{resource-arn}", { state, call throws in
            var current = tags(state, arn: call.parameter("resource-arn"))
            current.merge(call.body["tags"]?.objectValue ?? [:]) { _, new in new }
            setTags(&state, arn: call.parameter("resource-arn"), current)
            return .json(201, [:])
        })
        router.add("DELETE", "/v2/tags/{resource-arn}", { state, call throws in
            var current = tags(state, arn: call.parameter("resource-arn"))
            for key in call.request.queryValues("tagKeys") { current[key] = nil }
            setTags(&state, arn: call.parameter("resource-arn"), current)
            return .empty(204)
        })
    }

    /// `arn:aws:apigateway:{region}::/apis/{id}` keeps its tags on the API (GetApi returns them).
    static func tags(_ state: ManagementState, arn: String) -> JSONObject {
        let parts = Identifier.resourcePath(ofARN: arn)
        if parts.count == 2, parts[0] == "apis", let api = state.v2APIs[parts[1]] { return api.api["tags"]?.objectValue ?? [:] }
        if parts.count == 2, parts[0] == "domainnames", let domain = state.v2DomainNames[parts[1]] { return domain.object["tags"]?.objectValue ?? [:] }
        if parts.count == 2, parts[0] == "vpclinks", let link = state.v2VpcLinks[parts[1]] { return link["tags"]?.objectValue ?? [:] }
        return state.otherTags[arn] ?? [:]
    }

    static func setTags(_ state: inout ManagementState, arn: String, _ tags: JSONObject) {
        let parts = Identifier.resourcePath(ofARN: arn)
        if parts.count == 2, parts[0] == "apis", state.v2APIs[parts[1]] != nil {
            state.v2APIs[parts[1]]!.api["tags"] = .object(tags)
            state.touch("v2apis", parts[1])
            return
        }
        if parts.count == 2, parts[0] == "domainnames", state.v2DomainNames[parts[1]] != nil {
            state.v2DomainNames[parts[1]]!.object["tags"] = .object(tags)
            state.touch("v2domainnames", parts[1])
            return
        }
        if parts.count == 2, parts[0] == "vpclinks", state.v2VpcLinks[parts[1]] != nil {
            state.v2VpcLinks[parts[1]]!["tags"] = .object(tags)
            state.touch("v2vpclinks", parts[1])
            return
        }
        state.otherTags[arn] = tags
        state.touch("tags", arn)
    }
}
