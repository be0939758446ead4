import Foundation
import PorticoModel
import Yams

/// GetExport (`GET /restapis/{id}/stages/{stage}/exports/{oas30|swagger}`): the stage's deployment as
/// an OpenAPI 3.0 or Swagger 2.0 document, JSON or YAML by `Accept`; with `extensions=integrations`
/// (or `apigateway`) each method carries its `x-amazon-apigateway-integration`, so the document
/// imports back unchanged.
enum Export {
    static func register(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("GET", "/restapis/{restapi_id}/stages/{stage_name}/exports/{export_type}", { state, call throws in
            guard let record = state.restAPIs[call.parameter("restapi_id")],
                  let stage = record.stages[call.parameter("stage_name")] else {
                throw ManagementError.notFound("Invalid stage identifier specified")
            }
            let type = call.parameter("export_type")
            guard type == "oas30" || type == "swagger" else {
                throw ManagementError.badRequest("No API exporter for type '\(type)'")
            }
            let extensions = Set((call.query("extensions") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            let withIntegrations = extensions.contains("integrations") || extensions.contains("apigateway")
            let snapshot = stage["deploymentId"]?.stringValue.flatMap { record.snapshots[$0] } ?? ObjectMap()
            let document = build(record: record, stage: stage, resources: snapshot, openAPI3: type == "oas30", withIntegrations: withIntegrations, region: call.region)
            let yaml = (call.request.header("accept") ?? "").contains("yaml")
            let body: String
            if yaml {
                body = (try? Yams.dump(object: foundation(document), sortKeys: true)) ?? document.serialized
            } else {
                body = document.serialized
            }
            let name = record.api["name"]?.stringValue ?? "api"
            let file = "\(type == "oas30" ? "oas30" : "swagger")_\(name)_\(call.parameter("stage_name")).\(yaml ? "yaml" : "json")"
            return AdminResponse(status: 200, headers: [
                ("Content-Type", yaml ? "application/yaml" : "application/json"),
                ("Content-Disposition", "attachment; filename=\"\(file)\""),
            ], body: Array(body.utf8))
        })
    }

    /// ExportApi (`GET /v2/apis/{apiId}/exports/OAS30?outputType=JSON|YAML&stageName=…`) for HTTP APIs:
    /// routes with their `x-amazon-apigateway-integration`, from the stage's deployment or the current routes.
    static func registerV2(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("GET", "/v2/apis/{apiId}/exports/{specification}", { state, call throws in
            let record = try V2Operations.api(state, call)
            guard call.parameter("specification") == "OAS30" else {
                throw ManagementError.badRequest("Unsupported specification \(call.parameter("specification")); only OAS30 is supported")
            }
            var routes = record.routes
            var integrations = record.integrations
            if let stageName = call.query("stageName") {
                guard let stage = record.stages[stageName] else { throw ManagementError.notFound("Invalid stage identifier specified") }
                if let id = stage["deploymentId"]?.stringValue, let snapshot = record.snapshots[id] {
                    routes = ObjectMap(json: snapshot["routes"])
                    integrations = ObjectMap(json: snapshot["integrations"])
                }
            }
            let includeExtensions = call.query("includeExtensions") != "false"
            var paths: JSONObject = [:]
            for route in routes.values {
                guard let key = route["routeKey"]?.stringValue else { continue }
                let (method, path) = key == "$default" ? ("x-amazon-apigateway-any-method", "$default")
                    : { let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
                        return (parts[0] == "ANY" ? "x-amazon-apigateway-any-method" : parts[0].lowercased(), parts.count > 1 ? parts[1] : "/") }()
                var operation: JSONObject = ["responses": ["default": ["description": .string("Default response for \(key)")]]]
                if includeExtensions, let target = route["target"]?.stringValue, target.hasPrefix("integrations/"),
                   let integration = integrations[String(target.dropFirst("integrations/".count))] {
                    var exported: JSONObject = [
                        "type": .string((integration["integrationType"]?.stringValue ?? "").lowercased()),
                        "payloadFormatVersion": integration["payloadFormatVersion"] ?? "1.0",
                    ]
                    if let uri = integration["integrationUri"] { exported["uri"] = uri }
                    if let method = integration["integrationMethod"] { exported["httpMethod"] = method }
                    if let timeout = integration["timeoutInMillis"] { exported["timeoutInMillis"] = timeout }
                    if let connection = integration["connectionType"] { exported["connectionType"] = connection }
                    for field in ["requestParameters", "responseParameters"] {
                        if let value = integration[field], value.objectValue?.isEmpty == false { exported[field] = value }
                    }
                    operation["x-amazon-apigateway-integration"] = .object(exported)
                }
                var item = paths[path]?.objectValue ?? [:]
                item[method] = .object(operation)
                paths[path] = .object(item)
            }
            var info: JSONObject = ["title": record.api["name"] ?? "", "version": record.api["version"] ?? "1.0"]
            if let description = record.api["description"] { info["description"] = description }
            var document: JSONObject = ["openapi": "3.0.1", "info": .object(info), "paths": .object(paths)]
            if let stage = call.query("stageName") {
                let id = record.api["apiId"]?.stringValue ?? ""
                document["servers"] = [["url": .string("https://\(id).execute-api.\(call.region).amazonaws.com/\(stage == "$default" ? "" : stage)")]]
            }
            if includeExtensions, let cors = record.api["corsConfiguration"] { document["x-amazon-apigateway-cors"] = cors }
            let yaml = call.query("outputType") == "YAML"
            let text = yaml ? ((try? Yams.dump(object: foundation(.object(document)), sortKeys: true)) ?? JSONValue.object(document).serialized) : JSONValue.object(document).serialized
            return AdminResponse(status: 200, headers: [("Content-Type", yaml ? "application/yaml" : "application/json")], body: Array(text.utf8))
        })
    }

    static func build(record: RestAPIRecord, stage: JSONObject, resources: ObjectMap, openAPI3: Bool, withIntegrations: Bool, region: String) -> JSONValue {
        let id = record.api["id"]?.stringValue ?? ""
        let stageName = stage["stageName"]?.stringValue ?? ""
        var info: JSONObject = ["title": record.api["name"] ?? "", "version": record.api["version"] ?? "1.0"]
        if let description = record.api["description"] { info["description"] = description }
        var paths: JSONObject = [:]
        for resource in resources.values {
            guard let path = resource["path"]?.stringValue, let methods = resource["resourceMethods"]?.objectValue, !methods.isEmpty else { continue }
            var item: JSONObject = [:]
            for (name, value) in methods {
                guard let method = value.objectValue else { continue }
                let key = name == "ANY" ? "x-amazon-apigateway-any-method" : name.lowercased()
                item[key] = .object(operation(method, path: path, openAPI3: openAPI3, withIntegrations: withIntegrations, validators: record.requestValidators))
            }
            paths[path] = .object(item)
        }
        var document: JSONObject = ["info": .object(info), "paths": .object(paths)]
        var schemas: JSONObject = [:]
        for model in record.models.values {
            guard let name = model["name"]?.stringValue else { continue }
            if let text = model["schema"]?.stringValue, let schema = try? JSONValue.parse(text) {
                schemas[name] = schema
            } else {
                schemas[name] = ["type": "object"]
            }
        }
        if openAPI3 {
            document["openapi"] = "3.0.1"
            document["servers"] = [["url": .string("https://\(id).execute-api.\(region).amazonaws.com/{basePath}"), "variables": ["basePath": ["default": .string(stageName)]]]]
            if !schemas.isEmpty { document["components"] = ["schemas": .object(schemas)] }
        } else {
            document["swagger"] = "2.0"
            document["host"] = .string("\(id).execute-api.\(region).amazonaws.com")
            document["basePath"] = .string("/\(stageName)")
            document["schemes"] = ["https"]
            if !schemas.isEmpty { document["definitions"] = .object(schemas) }
        }
        if withIntegrations, !record.requestValidators.isEmpty {
            var validators: JSONObject = [:]
            for validator in record.requestValidators.values {
                guard let name = validator["name"]?.stringValue else { continue }
                validators[name] = [
                    "validateRequestBody": validator["validateRequestBody"] ?? false,
                    "validateRequestParameters": validator["validateRequestParameters"] ?? false,
                ]
            }
            document["x-amazon-apigateway-request-validators"] = .object(validators)
        }
        if withIntegrations, let types = record.api["binaryMediaTypes"], types.arrayValue?.isEmpty == false {
            document["x-amazon-apigateway-binary-media-types"] = types
        }
        return .object(document)
    }

    static func operation(_ method: JSONObject, path: String, openAPI3: Bool, withIntegrations: Bool, validators: ObjectMap = ObjectMap()) -> JSONObject {
        var operation: JSONObject = [:]
        var parameters: [JSONValue] = []
        for (key, required) in (method["requestParameters"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: ".", maxSplits: 3).map(String.init)
            guard parts.count == 4 else { continue }
            let location = parts[2] == "querystring" ? "query" : parts[2]
            var parameter: JSONObject = ["name": .string(parts[3]), "in": .string(location), "required": .bool(location == "path" || required.boolValue == true)]
            if openAPI3 { parameter["schema"] = ["type": "string"] } else { parameter["type"] = "string" }
            parameters.append(.object(parameter))
        }
        if let model = method["requestModels"]?["application/json"]?.stringValue {
            let reference: JSONValue = ["$ref": .string(openAPI3 ? "#/components/schemas/\(model)" : "#/definitions/\(model)")]
            if openAPI3 {
                operation["requestBody"] = ["content": ["application/json": ["schema": reference]], "required": true]
            } else {
                parameters.append(["in": "body", "name": .string(model), "required": true, "schema": reference])
            }
        }
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        if withIntegrations, let id = method["requestValidatorId"]?.stringValue, let name = validators[id]?["name"]?.stringValue {
            operation["x-amazon-apigateway-request-validator"] = .string(name)
        }
        var responses: JSONObject = [:]
        for (code, _) in method["methodResponses"]?.objectValue ?? [:] {
            responses[code] = ["description": .string("\(code) response")]
        }
        operation["responses"] = .object(responses)
        if method["apiKeyRequired"]?.boolValue == true { operation["security"] = [["api_key": []]] }
        if withIntegrations, var integration = method["methodIntegration"]?.objectValue {
            integration["type"] = .string((integration["type"]?.stringValue ?? "").lowercased())
            var exported: JSONObject = [:]
            for (code, value) in integration["integrationResponses"]?.objectValue ?? [:] {
                guard var response = value.objectValue else { continue }
                let pattern = response["selectionPattern"]?.stringValue ?? ""
                response["selectionPattern"] = nil
                response["statusCode"] = response["statusCode"] ?? .string(code)
                exported[pattern.isEmpty ? "default" : pattern] = .object(response)
            }
            integration["integrationResponses"] = nil
            if !exported.isEmpty { integration["responses"] = .object(exported) }
            operation["x-amazon-apigateway-integration"] = .object(integration)
        }
        return operation
    }

    /// `JSONValue` → the Foundation-shaped values Yams writes.
    static func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let flag): return flag
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? Int(number) as Any : number as Any
        case .string(let text): return text
        case .array(let items): return items.map(foundation)
        case .object(let members): return members.mapValues(foundation)
        }
    }
}
