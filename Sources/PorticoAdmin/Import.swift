import PorticoDefinitions
import PorticoModel

/// ImportRestApi (`POST /restapis?mode=import`) and PutRestApi (`PUT /restapis/{id}?mode=overwrite|merge`):
/// an OpenAPI 3 or Swagger 2 document, with AWS's extensions, read by the same reader as `portico.yaml`.
enum RestAPIImport {
    static func read(_ call: Call, type: APIType, text: String) throws -> APIDefinition {
        let document: DocumentNode
        switch DocumentNode.parse(text, file: "request body") {
        case .success(let node): document = node
        case .failure(let diagnostic): throw ManagementError.badRequest("Failed to parse the uploaded OpenAPI document due to: \(diagnostic.message)")
        }
        let isSwagger2 = document["swagger"]?.scalar == "2.0"
        guard isSwagger2 || document["openapi"]?.scalar?.hasPrefix("3.") == true else {
            throw ManagementError.badRequest("Only OpenAPI 3.x.x are currently supported")
        }
        guard document["paths"] != nil else {
            throw ManagementError.badRequest("Failed to parse the uploaded OpenAPI document due to: 'paths' is a required property")
        }
        let (api, diagnostics) = OpenAPIReader.read(document, id: "import", name: nil, type: type, stages: [], maxTimeoutMillis: 30_000)
        let errors = diagnostics.filter { $0.severity == .error }
        // A method without an integration imports as it stands (AWS does not warn about it).
        let warnings = diagnostics.filter { $0.severity == .warning && !$0.message.contains("has no x-amazon-apigateway-integration") }
        let failOnWarnings = call.queryBool("failonwarnings") || call.queryBool("failOnWarnings") || call.bool("failOnWarnings") == true
        if let first = errors.first {
            throw ManagementError.badRequest("Errors found during import:\n\t\(first.location): \(first.message)")
        }
        if failOnWarnings, let first = warnings.first {
            throw ManagementError.badRequest("Warnings found during import:\n\t\(first.location): \(first.message)")
        }
        if failOnWarnings, let missing = missingReferences(document.json).first {
            throw ManagementError.badRequest("Warnings found during import:\n\tParse issue: \(missing)")
        }
        guard let api else { throw ManagementError.badRequest("Failed to parse the uploaded OpenAPI document") }
        return api
    }

    static func importAPI(_ state: inout ManagementState, _ call: Call) throws -> AdminResponse {
        let definition = try read(call, type: .rest, text: String(decoding: call.request.body, as: UTF8.self))
        let id = Identifier.make()
        let rootID = Identifier.make()
        var api: JSONObject = [
            "id": .string(id), "name": .string(definition.name), "createdDate": .number(call.now), "apiKeySource": "HEADER",
            "endpointConfiguration": ["types": .array([.string(call.query("parameters[endpointConfigurationTypes]") ?? call.query("endpointConfigurationTypes") ?? "EDGE")])],
            "disableExecuteApiEndpoint": false, "rootResourceId": .string(rootID),
        ]
        if !definition.binaryMediaTypes.isEmpty { api["binaryMediaTypes"] = .array(definition.binaryMediaTypes.map { .string($0) }) }
        if let source = definition.extensions["x-amazon-apigateway-api-key-source"] { api["apiKeySource"] = source }
        if let policy = definition.extensions["x-amazon-apigateway-policy"] { api["policy"] = .string(policy.serialized) }
        let info = info(String(decoding: call.request.body, as: UTF8.self))
        if let description = info.description { api["description"] = .string(description) }
        if let version = info.version { api["version"] = .string(version) }
        var record = RestAPIRecord(api: api)
        record.resources[rootID] = ["id": .string(rootID), "path": "/"]
        let document = documentJSON(call.request.body)
        addModelsAndValidators(definition, document: document, to: &record)
        let authorizers = addAuthorizers(definition.authorizers, to: &record)
        addOperations(definition.operations, to: &record, document: document, authorizers: authorizers)
        state.restAPIs[id] = record
        state.touch("restapis", id)
        return .json(201, api)
    }

    static func putAPI(_ state: inout ManagementState, _ call: Call) throws -> AdminResponse {
        let mode = call.query("mode") ?? "merge"
        guard mode == "overwrite" || mode == "merge" else {
            throw ManagementError.badRequest("Enumeration value of OpenAPI import mode must be \"overwrite\" or \"merge\"")
        }
        let definition = try read(call, type: .rest, text: String(decoding: call.request.body, as: UTF8.self))
        return try RestAPIOperations.withAPI(&state, call) { record throws in
            let rootID = record.api["rootResourceId"]?.stringValue ?? ""
            if mode == "overwrite" {
                for id in record.resources.keys where id != rootID { record.resources[id] = nil }
                if var root = record.resources[rootID] { root["resourceMethods"] = nil; record.resources[rootID] = root }
            }
            let document = documentJSON(call.request.body)
            addModelsAndValidators(definition, document: document, to: &record)
            let authorizers = addAuthorizers(definition.authorizers, to: &record)
            addOperations(definition.operations, to: &record, document: document, authorizers: authorizers)
            if let policy = definition.extensions["x-amazon-apigateway-policy"] { record.api["policy"] = .string(policy.serialized) }
            if !definition.binaryMediaTypes.isEmpty { record.api["binaryMediaTypes"] = .array(definition.binaryMediaTypes.map { .string($0) }) }
            return .json(200, record.api)
        }
    }

    /// `$ref`s under `paths` that name a schema the document does not define, worded as AWS's
    /// import warnings: `attribute paths.'/a'(get).responses.200.content.schema.#/components/schemas/X is missing`.
    static func missingReferences(_ document: JSONValue) -> [String] {
        let schemas = document["components"]?["schemas"]?.objectValue ?? document["definitions"]?.objectValue ?? [:]
        var missing: [String] = []
        func walk(_ value: JSONValue, _ trail: [String]) {
            switch value {
            case .object(let members):
                if let ref = members["$ref"]?.stringValue {
                    let name = ref.split(separator: "/").last.map(String.init) ?? ""
                    if (ref.hasPrefix("#/components/schemas/") || ref.hasPrefix("#/definitions/")), schemas[name] == nil {
                        missing.append("attribute \((trail + [ref]).joined(separator: ".")) is missing")
                    }
                }
                for key in members.keys.sorted() where key != "$ref" {
                    // Media types (`application/json`) are left out of the attribute path.
                    walk(members[key]!, key.contains("/") ? trail : trail + [key])
                }
            case .array(let items):
                for item in items { walk(item, trail) }
            default:
                break
            }
        }
        for (path, item) in (document["paths"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            for (method, operation) in (item.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                walk(operation, ["paths.'\(path)'(\(method))"])
            }
        }
        return missing
    }

    /// `info.description` and `info.version` as written (a YAML `2.0` stays the text `2.0`).
    static func info(_ text: String) -> (description: String?, version: String?) {
        guard case .success(let node) = DocumentNode.parse(text, file: "request body") else { return (nil, nil) }
        return (node["info"]?["description"]?.scalar, node["info"]?["version"]?.scalar)
    }

    /// The document as JSON, whether it was sent as JSON or YAML.
    static func documentJSON(_ body: [UInt8]) -> JSONValue? {
        if let json = try? JSONValue.parse(body) { return json }
        guard case .success(let node) = DocumentNode.parse(String(decoding: body, as: UTF8.self), file: "request body") else { return nil }
        return node.json
    }

    /// Creates the resources each path needs and puts the method with its integration on it; the
    /// document's responses become the method responses.
    /// The definition's Lambda and Cognito authorizers as CreateAuthorizer records; name → id.
    static func addAuthorizers(_ authorizers: [AuthorizerDefinition], to record: inout RestAPIRecord) -> [String: String] {
        var ids: [String: String] = [:]
        for definition in authorizers {
            let id = record.authorizers.values.first { $0["name"]?.stringValue == definition.name }?["id"]?.stringValue ?? Identifier.make(6)
            var object: JSONObject = [
                "id": .string(id), "name": .string(definition.name), "type": .string(definition.kind.rawValue),
                "identitySource": .string(definition.identitySources.joined(separator: ", ")),
                "authorizerResultTtlInSeconds": .number(Double(definition.resultTTLSeconds)),
            ]
            if definition.kind == .cognitoUserPools {
                object["providerARNs"] = .array(definition.providerARNs.map { .string($0) })
            } else {
                object["authorizerUri"] = .string(definition.functionURI)
                if let expression = definition.identityValidationExpression { object["identityValidationExpression"] = .string(expression) }
            }
            record.authorizers[id] = object
            ids[definition.name] = id
        }
        return ids
    }

    /// `authorizationType`, `authorizerId` and `authorizationScopes` of a method or route.
    static func authorization(_ operation: APIOperation, authorizers: [String: String]) -> JSONObject {
        var fields: JSONObject = ["authorizationType": .string(operation.authorizationType.rawValue)]
        if let name = operation.authorizer, let id = authorizers[name] {
            fields["authorizerId"] = .string(id)
            if !operation.authorizationScopes.isEmpty { fields["authorizationScopes"] = .array(operation.authorizationScopes.map { .string($0) }) }
        }
        return fields
    }

    static func addOperations(_ operations: [APIOperation], to record: inout RestAPIRecord, document: JSONValue?, authorizers: [String: String] = [:]) {
        let rootID = record.api["rootResourceId"]?.stringValue ?? ""
        for operation in operations {
            var parentID = rootID
            var path = ""
            for part in operation.path.split(separator: "/").map(String.init) {
                path += "/" + part
                if let existing = record.resources.values.first(where: { $0["path"]?.stringValue == path }) {
                    parentID = existing["id"]!.stringValue!
                    continue
                }
                let id = Identifier.make()
                record.resources[id] = ["id": .string(id), "parentId": .string(parentID), "pathPart": .string(part), "path": .string(path)]
                parentID = id
            }
            var resource = record.resources[parentID]!
            var methods = resource["resourceMethods"]?.objectValue ?? [:]
            var method = methodJSON(operation, resourceID: parentID)
            method.merge(authorization(operation, authorizers: authorizers)) { _, new in new }
            if let validation = operation.validation {
                addValidation(validation, operation: operation, to: &method, record: &record)
            }
            let key = operation.method == "ANY" ? "x-amazon-apigateway-any-method" : operation.method.lowercased()
            if let responses = document?["paths"]?[operation.path]?[key]?["responses"]?.objectValue {
                var declared = method["methodResponses"]?.objectValue ?? [:]
                for code in responses.keys where code.count == 3 && Int(code) != nil {
                    declared[code] = ["statusCode": .string(code)]
                }
                method["methodResponses"] = .object(declared)
            }
            methods[operation.method] = .object(method)
            resource["resourceMethods"] = .object(methods)
            record.resources[parentID] = resource
        }
    }

    /// The document's models and named request validators, as CreateModel and
    /// CreateRequestValidator would store them.
    static func addModelsAndValidators(_ definition: APIDefinition, document: JSONValue?, to record: inout RestAPIRecord) {
        for (name, schema) in definition.models.sorted(by: { $0.key < $1.key }) where record.models[name] == nil {
            record.models[name] = [
                "id": .string(Identifier.make(6)), "name": .string(name), "contentType": "application/json", "schema": .string(schema.serialized),
            ]
        }
        for (name, flags) in (document?["x-amazon-apigateway-request-validators"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard !record.requestValidators.values.contains(where: { $0["name"]?.stringValue == name }) else { continue }
            let id = Identifier.make(6)
            record.requestValidators[id] = [
                "id": .string(id), "name": .string(name),
                "validateRequestBody": .bool(flags["validateRequestBody"]?.boolValue ?? false),
                "validateRequestParameters": .bool(flags["validateRequestParameters"]?.boolValue ?? false),
            ]
        }
    }

    /// `requestValidatorId` (the validator with the same checks, created when the document named
    /// none) and `requestModels` (the `$ref`'d model, or a model made of an inline schema).
    static func addValidation(_ validation: RequestValidation, operation: APIOperation, to method: inout JSONObject, record: inout RestAPIRecord) {
        let validator = record.requestValidators.values.first {
            $0["validateRequestBody"]?.boolValue == validation.validateBody && $0["validateRequestParameters"]?.boolValue == validation.validateParameters
        }
        if let id = validator?["id"]?.stringValue {
            method["requestValidatorId"] = .string(id)
        } else {
            let id = Identifier.make(6)
            record.requestValidators[id] = [
                "id": .string(id), "name": .string(validation.validateBody ? (validation.validateParameters ? "params-and-body" : "body-only") : "params-only"),
                "validateRequestBody": .bool(validation.validateBody), "validateRequestParameters": .bool(validation.validateParameters),
            ]
            method["requestValidatorId"] = .string(id)
        }
        guard let schema = validation.bodySchema else { return }
        var name: String
        if let reference = schema["$ref"]?.stringValue, let last = reference.split(separator: "/").last, record.models[String(last)] != nil {
            name = String(last)
        } else {
            // AWS names a model for an inline schema after the method; so does Portico.
            name = operation.method.capitalized + operation.path.split(separator: "/").map { $0.filter { $0.isLetter || $0.isNumber }.capitalized }.joined() + "Body"
            while let existing = record.models[name], existing["schema"]?.stringValue != schema.serialized { name += "X" }
            record.models[name] = ["id": .string(Identifier.make(6)), "name": .string(name), "contentType": "application/json", "schema": .string(schema.serialized)]
        }
        method["requestModels"] = ["application/json": .string(name)]
    }

    static func methodJSON(_ operation: APIOperation, resourceID: String) -> JSONObject {
        var method: JSONObject = ["httpMethod": .string(operation.method), "authorizationType": "NONE", "apiKeyRequired": .bool(operation.apiKeyRequired), "methodResponses": [:]]
        var parameters: JSONObject = [:]
        for parameter in operation.parameters {
            let location = parameter.location == .query ? "querystring" : parameter.location.rawValue
            parameters["method.request.\(location).\(parameter.name)"] = .bool(parameter.required)
        }
        if !parameters.isEmpty { method["requestParameters"] = .object(parameters) }
        guard let integration = operation.integration else { return method }
        var object: JSONObject = [
            "type": .string(integration.kind.rawValue), "passthroughBehavior": .string(integration.passthroughBehavior.rawValue),
            "timeoutInMillis": .number(Double(integration.timeoutMillis)), "cacheNamespace": .string(resourceID), "cacheKeyParameters": [],
            "connectionType": "INTERNET",
        ]
        for field in ["connectionType", "connectionId", "credentials", "cacheNamespace", "cacheKeyParameters", "tlsConfig"] {
            if let value = integration.extensions[field] { object[field] = value }
        }
        if let uri = integration.uri { object["uri"] = .string(uri) }
        if let method = integration.httpMethod { object["httpMethod"] = .string(method) }
        if !integration.requestParameters.isEmpty { object["requestParameters"] = .object(integration.requestParameters.mapValues { .string($0) }) }
        if !integration.requestTemplates.isEmpty { object["requestTemplates"] = .object(integration.requestTemplates.mapValues { .string($0) }) }
        if let handling = integration.contentHandling { object["contentHandling"] = .string(handling) }
        var responses: JSONObject = [:]
        var methodResponses: JSONObject = [:]
        for response in integration.responses {
            var entry: JSONObject = ["statusCode": .string(response.statusCode)]
            if !response.isDefault { entry["selectionPattern"] = .string(response.selectionPattern) }
            if !response.responseParameters.isEmpty { entry["responseParameters"] = .object(response.responseParameters.mapValues { .string($0) }) }
            if !response.responseTemplates.isEmpty { entry["responseTemplates"] = .object(response.responseTemplates.mapValues { .string($0) }) }
            responses[response.statusCode] = .object(entry)
            methodResponses[response.statusCode] = ["statusCode": .string(response.statusCode)]
        }
        if !responses.isEmpty {
            object["integrationResponses"] = .object(responses)
            method["methodResponses"] = .object(methodResponses)
        }
        method["methodIntegration"] = .object(object)
        return method
    }
}

/// ImportApi (`PUT /v2/apis`) and ReimportApi (`PUT /v2/apis/{apiId}`) for HTTP APIs.
enum V2Import {
    static func importAPI(_ state: inout ManagementState, _ call: Call, into existing: String?) throws -> AdminResponse {
        guard let text = call.string("body") else { throw ManagementError.badRequest("body is required") }
        let definition = try RestAPIImport.read(call, type: .http, text: text)
        let document = RestAPIImport.documentJSON(Array(text.utf8))
        var record: V2APIRecord
        if let existing {
            record = state.v2APIs[existing]!
            record.routes = ObjectMap()
            record.integrations = ObjectMap()
            record.api["name"] = .string(definition.name)
        } else {
            let id = Identifier.make()
            record = V2APIRecord(api: [
                "apiId": .string(id), "name": .string(definition.name), "protocolType": "HTTP", "createdDate": .number(call.now),
                "apiEndpoint": .string("https://\(id).execute-api.\(call.region).amazonaws.com"),
                "apiKeySelectionExpression": "$request.header.x-api-key", "disableExecuteApiEndpoint": false,
                "routeSelectionExpression": "$request.method $request.path",
            ])
        }
        let info = RestAPIImport.info(text)
        if let description = info.description { record.api["description"] = .string(description) }
        if let version = info.version { record.api["version"] = .string(version) }
        if let cors = document?["x-amazon-apigateway-cors"]?.objectValue {
            record.api["corsConfiguration"] = .object(cors)
        }
        var authorizerIDs: [String: String] = [:]
        for authorizer in definition.authorizers {
            let id = record.authorizers.values.first { $0["name"]?.stringValue == authorizer.name }?["authorizerId"]?.stringValue ?? Identifier.make(6)
            var object: JSONObject = [
                "authorizerId": .string(id), "name": .string(authorizer.name), "authorizerType": .string(authorizer.kind.rawValue),
                "identitySource": .array(authorizer.identitySources.map { .string($0) }),
            ]
            if let jwt = authorizer.jwtConfiguration {
                object["jwtConfiguration"] = ["issuer": .string(jwt.issuer), "audience": .array(jwt.audience.map { .string($0) })]
            } else {
                object["authorizerUri"] = .string(authorizer.functionURI)
                object["authorizerPayloadFormatVersion"] = .string(authorizer.payloadFormatVersion)
                object["authorizerResultTtlInSeconds"] = .number(Double(authorizer.resultTTLSeconds))
                object["enableSimpleResponses"] = .bool(authorizer.enableSimpleResponses)
            }
            record.authorizers[id] = object
            authorizerIDs[authorizer.name] = id
        }
        for operation in definition.operations {
            let routeID = Identifier.make(7)
            var route: JSONObject = [
                "routeId": .string(routeID), "routeKey": .string(operation.routeKey), "authorizationType": "NONE",
                "apiKeyRequired": .bool(operation.apiKeyRequired), "authorizationScopes": [], "requestParameters": [:],
            ]
            route.merge(RestAPIImport.authorization(operation, authorizers: authorizerIDs)) { _, new in new }
            if let integration = operation.integration {
                let integrationID = Identifier.make(7)
                var object: JSONObject = [
                    "integrationId": .string(integrationID), "integrationType": .string(integration.kind.rawValue),
                    "connectionType": "INTERNET", "timeoutInMillis": .number(Double(integration.timeoutMillis)),
                    "payloadFormatVersion": .string(integration.payloadFormatVersion ?? (integration.kind == .awsProxy ? "2.0" : "1.0")),
                ]
                if let uri = integration.uri { object["integrationUri"] = .string(uri) }
                if let method = integration.httpMethod { object["integrationMethod"] = .string(method) }
                if !integration.requestParameters.isEmpty { object["requestParameters"] = .object(integration.requestParameters.mapValues { .string($0) }) }
                if let response = integration.extensions["responseParameters"] { object["responseParameters"] = response }
                record.integrations[integrationID] = object
                route["target"] = .string("integrations/\(integrationID)")
            }
            record.routes[routeID] = route
        }
        let id = record.api["apiId"]!.stringValue!
        V2Operations.autoDeploy(&record, call: call)
        state.v2APIs[id] = record
        state.touch("v2apis", id)
        state.deploymentChanged = true
        return .json(existing == nil ? 201 : 200, record.api)
    }
}
