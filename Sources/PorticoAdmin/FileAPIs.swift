import PorticoModel

/// The project file's APIs in the management API's shapes: one deployment per API holding what the
/// file defines, and the file's stages pointing at it.
enum FileAPIs {
    static let deploymentID = "file"

    static func restRecord(_ api: APIDefinition, now: Double) -> RestAPIRecord {
        let rootID = "root" + api.id.prefix(6)
        var record = RestAPIRecord(api: [
            "id": .string(api.id), "name": .string(api.name), "createdDate": .number(now), "apiKeySource": "HEADER",
            "endpointConfiguration": ["types": ["EDGE"]], "disableExecuteApiEndpoint": false, "rootResourceId": .string(rootID),
            "tags": ["portico:source": .string(api.location.file)],
        ])
        if !api.binaryMediaTypes.isEmpty { record.api["binaryMediaTypes"] = .array(api.binaryMediaTypes.map { .string($0) }) }
        record.resources[rootID] = ["id": .string(rootID), "path": "/"]
        RestAPIImport.addModelsAndValidators(api, document: nil, to: &record)
        RestAPIImport.addOperations(api.operations, to: &record, document: nil)
        record.deployments[deploymentID] = ["id": .string(deploymentID), "createdDate": .number(now), "description": .string("defined in \(api.location.file)")]
        record.snapshots[deploymentID] = record.resources
        for stage in api.stages {
            var object = RestAPIOperations.newStage(name: stage.name, deploymentID: deploymentID, now: now)
            if !stage.variables.isEmpty { object["variables"] = .object(stage.variables.mapValues { .string($0) }) }
            record.stages[stage.name] = object
        }
        return record
    }

    static func v2Record(_ api: APIDefinition, now: Double, region: String) -> V2APIRecord {
        var record = V2APIRecord(api: [
            "apiId": .string(api.id), "name": .string(api.name), "protocolType": .string(api.type == .http ? "HTTP" : "WEBSOCKET"),
            "createdDate": .number(now), "apiEndpoint": .string("https://\(api.id).execute-api.\(region).amazonaws.com"),
            "apiKeySelectionExpression": "$request.header.x-api-key", "disableExecuteApiEndpoint": false,
            "routeSelectionExpression": "$request.method $request.path", "tags": ["portico:source": .string(api.location.file)],
        ])
        for (index, operation) in api.operations.enumerated() {
            var route: JSONObject = ["routeId": .string("r\(index)"), "routeKey": .string(operation.routeKey), "authorizationType": "NONE", "apiKeyRequired": .bool(operation.apiKeyRequired)]
            if let integration = operation.integration {
                let id = "i\(index)"
                var object: JSONObject = [
                    "integrationId": .string(id), "integrationType": .string(integration.kind.rawValue), "connectionType": "INTERNET",
                    "timeoutInMillis": .number(Double(integration.timeoutMillis)), "payloadFormatVersion": .string(integration.payloadFormatVersion ?? "1.0"),
                ]
                if let uri = integration.uri { object["integrationUri"] = .string(uri) }
                if let method = integration.httpMethod { object["integrationMethod"] = .string(method) }
                record.integrations[id] = object
                route["target"] = .string("integrations/\(id)")
            }
            record.routes["r\(index)"] = route
        }
        record.deployments[deploymentID] = ["deploymentId": .string(deploymentID), "deploymentStatus": "DEPLOYED", "createdDate": .number(now), "autoDeployed": false]
        record.snapshots[deploymentID] = .object(["routes": record.routes.json, "integrations": record.integrations.json])
        for stage in api.stages {
            var object = V2Operations.newStage(name: stage.name, now: now)
            object["deploymentId"] = .string(deploymentID)
            object["stageVariables"] = .object(stage.variables.mapValues { .string($0) })
            record.stages[stage.name] = object
        }
        return record
    }
}
