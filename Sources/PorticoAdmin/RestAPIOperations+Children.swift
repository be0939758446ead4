import PorticoModel

extension RestAPIOperations {
    /// Authorizers, models, request validators, gateway responses and documentation parts: plain
    /// objects under an API, created, listed, read, patched and deleted alike.
    struct ChildKind: Sendable {
        var path: String
        var parameter: String
        var collection: RestAPIRecord.Child
        var notFound: String
        /// Models word an unknown REST API their own way.
        var apiNotFound: String?
        /// Unknown request validators are a bad request, not a missing resource.
        var notFoundType = "NotFoundException"
        var booleans: Set<String> = []
        var numbers: Set<String> = []
        /// Builds the stored object from the create call, or throws AWS's validation error.
        var create: @Sendable (Call, RestAPIRecord) throws -> (id: String, object: JSONObject)
    }

    static let childKinds: [ChildKind] = [
        ChildKind(
            path: "authorizers", parameter: "authorizer_id", collection: .authorizers,
            notFound: "Invalid Authorizer identifier specified", numbers: ["authorizerResultTtlInSeconds"],
            create: { call, _ in
                let name = try call.required("name")
                let type = try call.required("type")
                guard ["TOKEN", "REQUEST", "COGNITO_USER_POOLS"].contains(type) else {
                    throw ManagementError.badRequest("Invalid authorizer type specified. Valid options are TOKEN,REQUEST,COGNITO_USER_POOLS")
                }
                if type == "COGNITO_USER_POOLS", call.body["providerARNs"]?.arrayValue?.isEmpty ?? true {
                    throw ManagementError.badRequest("providerARNs must be specified for COGNITO_USER_POOLS authorizers")
                }
                let id = Identifier.make(6)
                var object: JSONObject = ["id": .string(id), "name": .string(name), "type": .string(type)]
                for field in ["providerARNs", "authType", "authorizerUri", "authorizerCredentials", "identitySource", "identityValidationExpression", "authorizerResultTtlInSeconds"] {
                    if let value = call.body[field] { object[field] = value }
                }
                if object["authorizerResultTtlInSeconds"] == nil { object["authorizerResultTtlInSeconds"] = 300 }
                return (id, object)
            }),
        ChildKind(
            path: "models", parameter: "model_name", collection: .models, notFound: "Invalid Model Name specified",
            apiNotFound: "Invalid Rest API Id specified",
            create: { call, record in
                guard let name = call.string("name"), !name.isEmpty else { throw ManagementError.badRequest("No Model Name specified") }
                guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                    throw ManagementError.badRequest("Model name must be alphanumeric")
                }
                guard record.models[name] == nil else { throw ManagementError.conflict("Model name already exists for this REST API") }
                var object: JSONObject = ["id": .string(Identifier.make(6)), "name": .string(name)]
                for field in ["description", "schema", "contentType"] {
                    if let value = call.body[field] { object[field] = value }
                }
                return (name, object)
            }),
        ChildKind(
            path: "requestvalidators", parameter: "requestvalidator_id", collection: .requestValidators,
            notFound: "Invalid Request Validator Id specified", notFoundType: "BadRequestException", booleans: ["validateRequestBody", "validateRequestParameters"],
            create: { call, _ in
                let id = Identifier.make(6)
                let object: JSONObject = [
                    "id": .string(id), "name": call.body["name"] ?? "",
                    "validateRequestBody": .bool(call.bool("validateRequestBody") ?? false),
                    "validateRequestParameters": .bool(call.bool("validateRequestParameters") ?? false),
                ]
                return (id, object)
            }),
        ChildKind(
            path: "documentation/parts", parameter: "part_id", collection: .documentationParts,
            notFound: "Invalid Documentation part identifier specified",
            create: { call, _ in
                guard let location = call.body["location"]?.objectValue, location["type"] != nil else {
                    throw ManagementError.badRequest("Documentation part location type is required")
                }
                let id = Identifier.make(6)
                return (id, ["id": .string(id), "location": .object(location), "properties": call.body["properties"] ?? "{}"])
            }),
    ]

    static func registerChildren(into router: inout AdminRouter<ManagementAPI.Handler>) {
        for kind in childKinds {
            let base = "/restapis/{restapi_id}/\(kind.path)"
            let item = "\(base)/{\(kind.parameter)}"
            router.add("POST", base, { state, call throws in
                try withChildAPI(&state, call, kind) { record throws in
                    let (id, object) = try ManagementError.rethrowing { try kind.create(call, record) }
                    record[child: kind.collection][id] = object
                    return .json(201, object)
                }
            })
            router.add("GET", base, { state, call throws in
                Paging.v1(try childAPI(state, call, kind)[child: kind.collection].values.map { .object($0) }, call: call)
            })
            router.add("GET", item, { state, call throws in
                guard let object = try childAPI(state, call, kind)[child: kind.collection][call.parameter(kind.parameter)] else {
                    throw ManagementError(type: kind.notFoundType, status: kind.notFoundType == "NotFoundException" ? 404 : 400, message: kind.notFound)
                }
                return .json(200, object)
            })
            router.add("PATCH", item, { state, call throws in
                let patch = try PatchOperations(call.body)
                return try withChildAPI(&state, call, kind) { record throws in
                    let id = call.parameter(kind.parameter)
                    guard var object = record[child: kind.collection][id] else { throw ManagementError(type: kind.notFoundType, status: kind.notFoundType == "NotFoundException" ? 404 : 400, message: kind.notFound) }
                    try patch.apply(to: &object, booleans: kind.booleans, numbers: kind.numbers, readOnly: ["id"])
                    record[child: kind.collection][id] = object
                    return .json(200, object)
                }
            })
            router.add("DELETE", item, { state, call throws in
                try withChildAPI(&state, call, kind) { record throws in
                    let id = call.parameter(kind.parameter)
                    guard record[child: kind.collection][id] != nil else { throw ManagementError(type: kind.notFoundType, status: kind.notFoundType == "NotFoundException" ? 404 : 400, message: kind.notFound) }
                    record[child: kind.collection][id] = nil
                    return .empty(202)
                }
            })
        }
        registerGatewayResponses(into: &router)
    }

    static func childAPI(_ state: ManagementState, _ call: Call, _ kind: ChildKind) throws -> RestAPIRecord {
        guard let message = kind.apiNotFound else { return try api(state, call) }
        guard let record = state.restAPIs[call.parameter("restapi_id")] else { throw ManagementError.notFound(message) }
        return record
    }

    static func withChildAPI<T>(_ state: inout ManagementState, _ call: Call, _ kind: ChildKind, _ body: (inout RestAPIRecord) throws -> T) throws -> T {
        _ = try childAPI(state, call, kind)
        return try withAPI(&state, call, body)
    }

    /// AWS's gateway response types and their default status codes.
    /// AWS returns the default status codes as strings.
    static var gatewayResponseTypes: [String: String?] { GatewayResponseDefinition.types.mapValues { $0.map(String.init) } }

    static func registerGatewayResponses(into router: inout AdminRouter<ManagementAPI.Handler>) {
        let item = "/restapis/{restapi_id}/gatewayresponses/{response_type}"
        router.add("PUT", item, { state, call throws in
            try withAPI(&state, call) { record throws in
                let type = call.parameter("response_type")
                guard gatewayResponseTypes.keys.contains(type) else {
                    throw ManagementError.badRequest("1 validation error detected: Value '\(type)' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: [\(gatewayResponseTypes.keys.sorted().joined(separator: ", "))]")
                }
                var object: JSONObject = ["responseType": .string(type), "defaultResponse": false]
                for field in ["statusCode", "responseParameters", "responseTemplates"] {
                    if let value = call.body[field] { object[field] = value }
                }
                record.gatewayResponses[type] = object
                return .json(201, object)
            }
        })
        router.add("GET", item, { state, call throws in
            let type = call.parameter("response_type")
            let record = try api(state, call)
            if let object = record.gatewayResponses[type] { return .json(200, object) }
            guard let status = gatewayResponseTypes[type] else { throw ManagementError.notFound("GatewayResponse not found") }
            return .json(200, defaultGatewayResponse(type, status: status))
        })
        router.add("GET", "/restapis/{restapi_id}/gatewayresponses", { state, call throws in
            let record = try api(state, call)
            let items: [JSONValue] = gatewayResponseTypes.keys.sorted().map { type in
                .object(record.gatewayResponses[type] ?? defaultGatewayResponse(type, status: gatewayResponseTypes[type]!))
            }
            return Paging.v1(items, call: call)
        })
        router.add("PATCH", item, { state, call throws in
            let patch = try PatchOperations(call.body)
            return try withAPI(&state, call) { record throws in
                let type = call.parameter("response_type")
                guard let status = gatewayResponseTypes[type] else { throw ManagementError.notFound("GatewayResponse not found") }
                var object = record.gatewayResponses[type] ?? defaultGatewayResponse(type, status: status)
                try patch.apply(to: &object, readOnly: ["responseType"])
                object["defaultResponse"] = false
                record.gatewayResponses[type] = object
                return .json(200, object)
            }
        })
        router.add("DELETE", item, { state, call throws in
            try withAPI(&state, call) { record throws in
                let type = call.parameter("response_type")
                guard record.gatewayResponses[type] != nil else { throw ManagementError.notFound("GatewayResponse not found") }
                record.gatewayResponses[type] = nil
                return .empty(202)
            }
        })
    }

    static func defaultGatewayResponse(_ type: String, status: String?) -> JSONObject {
        var object: JSONObject = [
            "responseType": .string(type), "defaultResponse": true, "responseParameters": [:],
            "responseTemplates": ["application/json": "{\"message\":$context.error.messageString}"],
        ]
        if let status { object["statusCode"] = .string(status) }
        return object
    }
}
