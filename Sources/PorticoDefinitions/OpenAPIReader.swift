import Foundation
import PorticoModel

/// Reads an OpenAPI 3.0 or Swagger 2.0 document, as API Gateway exports and imports them, into an
/// `APIDefinition`. What Portico does not implement yet is kept and reported, never dropped silently.
public struct OpenAPIReader {
    public static let methods = ["get", "put", "post", "delete", "options", "head", "patch"]
    static let anyMethod = "x-amazon-apigateway-any-method"
    static let integrationKey = "x-amazon-apigateway-integration"
    static let binaryMediaTypesKey = "x-amazon-apigateway-binary-media-types"

    static let documentKeys: Set<String> = [
        "openapi", "swagger", "info", "servers", "paths", "components", "tags", "externalDocs",
        "host", "basePath", "schemes", "consumes", "produces", "definitions", "parameters", "responses",
        "securityDefinitions", "security", binaryMediaTypesKey, "x-amazon-apigateway-gateway-responses",
        "x-amazon-apigateway-request-validators", "x-amazon-apigateway-request-validator", "x-amazon-apigateway-cors",
        "x-amazon-apigateway-policy",
    ]
    static let pathItemKeys: Set<String> = Set(methods + [anyMethod, "parameters", "summary", "description", "servers", "trace"])
    static let operationKeys: Set<String> = [
        "parameters", "requestBody", "responses", "security", "operationId", "summary", "description",
        "tags", "deprecated", "externalDocs", "consumes", "produces", "schemes", "servers", "callbacks",
        integrationKey, "x-amazon-apigateway-request-validator",
    ]
    static let integrationKeys: Set<String> = [
        "type", "uri", "httpMethod", "requestParameters", "requestTemplates", "passthroughBehavior",
        "timeoutInMillis", "responses", "payloadFormatVersion", "connectionType", "description",
        "cacheNamespace", "cacheKeyParameters", "contentHandling", "credentials", "connectionId",
        "tlsConfig", "integrationSubtype", "responseParameters",
    ]

    /// Reads `document` as an API of `type`. `id`, `name` and `stages` come from portico.yaml.
    public static func read(
        _ document: DocumentNode, id: String, name: String?, type: APIType, stages: [Stage],
        maxTimeoutMillis: Int = Limits.awsMaxIntegrationTimeoutMillis
    ) -> (APIDefinition?, [Diagnostic]) {
        var reader = OpenAPIReader(root: document, type: type, maxTimeoutMillis: maxTimeoutMillis)
        let api = reader.readDocument(id: id, name: name, stages: stages)
        return (api, reader.sink.diagnostics)
    }

    let root: DocumentNode
    let type: APIType
    let maxTimeoutMillis: Int
    var sink = DiagnosticSink()

    private mutating func readDocument(id: String, name: String?, stages: [Stage]) -> APIDefinition? {
        guard let top = sink.mapping(root, "the OpenAPI document") else { return nil }
        let isOpenAPI3 = root["openapi"]?.scalar?.hasPrefix("3.") == true
        let isSwagger2 = root["swagger"]?.scalar == "2.0"
        guard isOpenAPI3 || isSwagger2 else {
            sink.error("not an OpenAPI 3.0 or Swagger 2.0 document: expected 'openapi: 3.0.x' or 'swagger: \"2.0\"'", at: root)
            return nil
        }
        sink.checkKeys(top, known: Self.documentKeys, in: "the document")
        var api = APIDefinition(
            id: id, name: name ?? root["info"]?["title"]?.scalar ?? id, type: type, stages: stages,
            location: root.location
        )
        for (key, value) in top where key.hasPrefix("x-amazon-apigateway-") {
            api.extensions[key] = value.json
        }
        if let types = sink.sequence(root[Self.binaryMediaTypesKey], Self.binaryMediaTypesKey) {
            api.binaryMediaTypes = types.compactMap { sink.string($0, "a binary media type") }
        }
        api.authorizers = readAuthorizers()
        if let cors = root["x-amazon-apigateway-cors"] {
            if type == .http { api.cors = readCORS(cors) } else {
                sink.error("x-amazon-apigateway-cors is for HTTP APIs; a REST API answers preflights with an OPTIONS method (a MOCK integration)", at: cors)
            }
        }
        for (name, schema) in (root["components"]?["schemas"] ?? root["definitions"])?.members ?? [] {
            api.models[name] = schema.json
        }
        // Request validators: the document's default, overridden per operation.
        var validators: [String: (body: Bool, parameters: Bool)] = [:]
        for (name, node) in root["x-amazon-apigateway-request-validators"]?.members ?? [] {
            validators[name] = (node["validateRequestBody"]?.scalar == "true", node["validateRequestParameters"]?.scalar == "true")
        }
        let defaultValidator = root["x-amazon-apigateway-request-validator"]?.scalar
        for (type, node) in root["x-amazon-apigateway-gateway-responses"]?.members ?? [] {
            guard GatewayResponseDefinition.types.keys.contains(type) else {
                sink.error("'\(type)' is not a gateway response type (\(GatewayResponseDefinition.types.keys.sorted().joined(separator: ", ")))", at: node)
                continue
            }
            var definition = GatewayResponseDefinition()
            if let code = node["statusCode"]?.scalar { definition.statusCode = Int(code) }
            definition.responseParameters = sink.stringMap(node["responseParameters"], "responseParameters")
            definition.responseTemplates = sink.stringMap(node["responseTemplates"], "responseTemplates")
            api.gatewayResponses[type] = definition
        }
        let authorizerNames = Set(api.authorizers.map(\.name))
        for (path, item) in sink.mapping(root["paths"], "paths") ?? [] {
            api.operations += readPathItem(path: path, item: item)
        }
        for index in api.operations.indices {
            let name = api.operations[index].extensions["x-amazon-apigateway-request-validator"]?.stringValue ?? defaultValidator
            guard let name else { continue }
            guard let validator = validators[name] else {
                sink.error("the request validator '\(name)' is not defined in x-amazon-apigateway-request-validators", at: root["x-amazon-apigateway-request-validators"] ?? root)
                continue
            }
            api.operations[index].validation = RequestValidation(
                validateParameters: validator.parameters, validateBody: validator.body,
                bodySchema: api.operations[index].extensions["x-portico-body-schema"])
            api.operations[index].extensions["x-portico-body-schema"] = nil
        }
        // A document-wide requirement applies to every operation that names none.
        let iamSchemes = Self.iamSchemes(root)
        if let security = root["security"], let requirements = security.items, !requirements.isEmpty {
            for index in api.operations.indices where api.operations[index].extensions["security"] == nil {
                api.operations[index].extensions["security"] = security.json
            }
        }
        for index in api.operations.indices {
            guard let requirements = api.operations[index].extensions["security"]?.arrayValue else { continue }
            var others: [String] = []
            for requirement in requirements {
                for (name, scopes) in requirement.objectValue ?? [:] {
                    if authorizerNames.contains(name) {
                        guard api.operations[index].authorizer == nil, api.operations[index].authorizationType != .awsIAM else { continue }
                        api.operations[index].authorizer = name
                        api.operations[index].authorizationScopes = scopes.arrayValue?.compactMap(\.stringValue) ?? []
                    } else if iamSchemes.contains(name) {
                        guard api.operations[index].authorizer == nil else { continue }
                        api.operations[index].authorizationType = .awsIAM
                    } else if name != "api_key" {
                        others.append(name)
                    }
                }
            }
            if let name = api.operations[index].authorizer, let kind = api.authorizers.first(where: { $0.name == name })?.kind {
                switch kind {
                case .token, .request: api.operations[index].authorizationType = .custom
                case .jwt: api.operations[index].authorizationType = .jwt
                case .cognitoUserPools: api.operations[index].authorizationType = .cognitoUserPools
                }
            }
            if !others.isEmpty {
                sink.unsupported("security schemes \(others.joined(separator: ", ")) on \(api.operations[index].method) \(api.operations[index].path) are neither authorizers (x-amazon-apigateway-authorizer) nor SigV4 (x-amazon-apigateway-authtype: awsSigv4); they are not enforced", at: root["paths"] ?? root)
            }
        }
        if api.operations.isEmpty {
            sink.warning("the API defines no methods", at: root["paths"] ?? root)
        }
        return api
    }

    private mutating func readPathItem(path: String, item: DocumentNode) -> [APIOperation] {
        guard let members = sink.mapping(item, "path item '\(path)'") else { return [] }
        let resourcePath: String
        if path == "$default" {
            if type == .rest { sink.error("'$default' is a route of HTTP APIs, not of REST APIs", at: item) }
            resourcePath = ""
        } else {
            guard let normalized = Self.validateResourcePath(path, type: type, at: item, sink: &sink) else { return [] }
            resourcePath = normalized
        }
        if item["$ref"] != nil { sink.unsupported("$ref on a path item is not supported", at: item) }
        sink.checkKeys(members, known: Self.pathItemKeys.union(["$ref"]), in: "path '\(path)'")
        if let trace = item["trace"] { sink.error("API Gateway has no TRACE method", at: trace) }
        let shared = readParameters(item["parameters"])
        var operations: [APIOperation] = []
        for (key, node) in members {
            let method: String
            if key == Self.anyMethod { method = "ANY" } else if Self.methods.contains(key) { method = key.uppercased() } else { continue }
            if let operation = readOperation(path: resourcePath, method: method, node: node, shared: shared) {
                operations.append(operation)
            }
        }
        return operations
    }

    /// Checks a resource path: segments, `{name}` parameters, `{name+}` only as the last segment.
    static func validateResourcePath(
        _ path: String, type: APIType, at node: DocumentNode, sink: inout DiagnosticSink
    ) -> String? {
        guard path.hasPrefix("/") else {
            sink.error("the path '\(path)' must start with '/'", at: node)
            return nil
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var names = Set<String>()
        for (index, segment) in segments.enumerated() {
            if segment.isEmpty {
                if segments.count == 1 { break }  // "/" itself
                sink.error("the path '\(path)' has an empty segment", at: node)
                return nil
            }
            if segment.hasPrefix("{") || segment.hasSuffix("}") {
                guard segment.hasPrefix("{"), segment.hasSuffix("}"), segment.count > 2 else {
                    sink.error("the path '\(path)' has a malformed parameter '\(segment)'", at: node)
                    return nil
                }
                var name = String(segment.dropFirst().dropLast())
                if name.hasSuffix("+") {
                    guard index == segments.count - 1 else {
                        sink.error("the greedy parameter '\(segment)' must be the last segment of '\(path)'", at: node)
                        return nil
                    }
                    name.removeLast()
                }
                guard !name.isEmpty, !names.contains(name) else {
                    sink.error("the path '\(path)' repeats or empties the parameter '\(segment)'", at: node)
                    return nil
                }
                names.insert(name)
            } else if segment.contains("{") || segment.contains("}") {
                sink.error("a path parameter must be a whole segment, as API Gateway requires: '\(segment)' in '\(path)'", at: node)
                return nil
            }
        }
        return path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    private mutating func readParameters(_ node: DocumentNode?) -> [Parameter] {
        var parameters: [Parameter] = []
        for item in sink.sequence(node, "parameters") ?? [] {
            guard let resolved = resolveReference(item) else { continue }
            guard let name = sink.string(resolved["name"], "parameter name"),
                  let place = sink.string(resolved["in"], "parameter 'in'")
            else { continue }
            switch place {
            case "path", "query", "header", "cookie":
                let location = Parameter.Location(rawValue: place)!
                let required = sink.bool(resolved["required"], "parameter 'required'") ?? (location == .path)
                parameters.append(Parameter(name: name, location: location, required: required))
            case "body", "formData":
                continue  // Swagger 2 request bodies: models, validated by a later feature.
            default:
                sink.error("parameter 'in' must be path, query, header or cookie, not '\(place)'", at: resolved)
            }
        }
        return parameters
    }

    /// Resolves a local `$ref` (`#/components/parameters/x`, `#/parameters/x`).
    private mutating func resolveReference(_ node: DocumentNode) -> DocumentNode? {
        guard let reference = node["$ref"] else { return node }
        guard let target = reference.scalar, target.hasPrefix("#/") else {
            sink.unsupported("only local $ref values ('#/…') are supported", at: reference)
            return nil
        }
        var current: DocumentNode? = root
        for token in target.dropFirst(2).split(separator: "/") {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            current = current?[key]
        }
        guard let current else {
            sink.error("$ref '\(target)' points at nothing", at: reference)
            return nil
        }
        return current
    }

    /// Security schemes with `x-amazon-apigateway-authorizer` (OAS 3 `components.securitySchemes`,
    /// Swagger 2 `securityDefinitions`): Lambda (`token`, `request`), `jwt` and `cognito_user_pools`.
    private mutating func readAuthorizers() -> [AuthorizerDefinition] {
        let schemes = root["components"]?["securitySchemes"] ?? root["securityDefinitions"]
        var authorizers: [AuthorizerDefinition] = []
        for (name, scheme) in schemes?.members ?? [] {
            guard let node = scheme["x-amazon-apigateway-authorizer"] else { continue }
            let typeName = (sink.string(node["type"], "authorizer type") ?? "").lowercased()
            guard let kind = AuthorizerDefinition.Kind(rawValue: typeName.uppercased()) else {
                sink.error("'\(typeName)' is not an authorizer type (token, request, jwt, cognito_user_pools) in '\(name)'", at: node)
                continue
            }
            var sources: [String]
            if let source = node["identitySource"]?.scalar {
                sources = source.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            } else if let items = node["identitySource"]?.items {
                sources = items.compactMap(\.scalar)
            } else if kind == .token || kind == .cognitoUserPools {
                // These read the header the scheme names (`in: header`, `name:`), Authorization by default.
                sources = ["method.request.header.\(scheme["name"]?.scalar ?? "Authorization")"]
            } else if kind == .jwt {
                sources = ["$request.header.Authorization"]
            } else {
                sources = []
            }
            if kind == .token, sources.isEmpty { sources = ["method.request.header.Authorization"] }
            var uri = ""
            if kind.isLambda {
                guard let found = sink.string(node["authorizerUri"], "authorizerUri") else {
                    sink.error("the authorizer '\(name)' needs an authorizerUri", at: node)
                    continue
                }
                uri = found
            }
            var definition = AuthorizerDefinition(
                name: name, kind: kind, functionURI: uri, identitySources: sources,
                identityValidationExpression: sink.string(node["identityValidationExpression"], "identityValidationExpression"),
                resultTTLSeconds: sink.int(node["authorizerResultTtlInSeconds"], "authorizerResultTtlInSeconds") ?? 300,
                payloadFormatVersion: sink.string(node["authorizerPayloadFormatVersion"], "authorizerPayloadFormatVersion") ?? "1.0",
                enableSimpleResponses: sink.bool(node["enableSimpleResponses"], "enableSimpleResponses") ?? false,
                location: node.location
            )
            switch kind {
            case .jwt:
                guard type == .http else {
                    sink.error("JWT authorizers are for HTTP APIs; a REST API uses cognito_user_pools ('\(name)')", at: node)
                    continue
                }
                guard let issuer = sink.string(node["jwtConfiguration"]?["issuer"], "jwtConfiguration.issuer") else {
                    sink.error("the JWT authorizer '\(name)' needs jwtConfiguration.issuer", at: node)
                    continue
                }
                let audience = (node["jwtConfiguration"]?["audience"]?.items ?? []).compactMap(\.scalar)
                definition.jwtConfiguration = JWTConfiguration(issuer: issuer, audience: audience)
            case .cognitoUserPools:
                guard type == .rest else {
                    sink.error("Cognito user pool authorizers are for REST APIs; an HTTP API uses a jwt authorizer with the pool as issuer ('\(name)')", at: node)
                    continue
                }
                definition.providerARNs = (node["providerARNs"]?.items ?? []).compactMap(\.scalar)
                guard !definition.providerARNs.isEmpty, definition.providerARNs.allSatisfy({ CognitoPool.issuer(providerARN: $0) != nil }) else {
                    sink.error("the Cognito authorizer '\(name)' needs providerARNs (arn:aws:cognito-idp:{region}:{account}:userpool/{id})", at: node)
                    continue
                }
            case .token, .request:
                break
            }
            authorizers.append(definition)
        }
        return authorizers
    }

    /// Security schemes that ask for SigV4 (`x-amazon-apigateway-authtype: awsSigv4`), as AWS exports AWS_IAM.
    static func iamSchemes(_ root: DocumentNode) -> Set<String> {
        let schemes = root["components"]?["securitySchemes"] ?? root["securityDefinitions"]
        var names = Set<String>()
        for (name, scheme) in schemes?.members ?? [] where scheme["x-amazon-apigateway-authtype"]?.scalar?.lowercased() == "awssigv4" {
            names.insert(name)
        }
        return names
    }

    /// `x-amazon-apigateway-cors`: origins, methods, headers, max age, credentials.
    private mutating func readCORS(_ node: DocumentNode) -> CORSConfiguration? {
        guard let members = sink.mapping(node, "x-amazon-apigateway-cors") else { return nil }
        sink.checkKeys(members, known: ["allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge", "allowCredentials"], in: "x-amazon-apigateway-cors")
        func list(_ key: String) -> [String] { (sink.sequence(node[key], key) ?? []).compactMap { sink.string($0, key) } }
        let cors = CORSConfiguration(
            allowOrigins: list("allowOrigins"), allowMethods: list("allowMethods").map { $0.uppercased() }, allowHeaders: list("allowHeaders"),
            exposeHeaders: list("exposeHeaders"), maxAge: sink.int(node["maxAge"], "maxAge"), allowCredentials: sink.bool(node["allowCredentials"], "allowCredentials") ?? false)
        if cors.allowCredentials, cors.allowOrigins.contains("*") {
            sink.error("allowCredentials cannot be true when allowOrigins holds '*' (AWS refuses this CORS configuration)", at: node)
        }
        if let age = cors.maxAge, !(-1...86_400).contains(age) {
            sink.error("maxAge must be between -1 and 86400 seconds", at: node["maxAge"] ?? node)
        }
        return cors
    }

    private mutating func readOperation(path: String, method: String, node: DocumentNode, shared: [Parameter]) -> APIOperation? {
        guard let members = sink.mapping(node, "operation \(method) \(path)") else { return nil }
        sink.checkKeys(members, known: Self.operationKeys, in: "\(method) \(path)")
        var operation = APIOperation(path: path, method: method, location: node.location)
        var parameters = shared
        for parameter in readParameters(node["parameters"]) {
            parameters.removeAll { $0.name == parameter.name && $0.location == parameter.location }
            parameters.append(parameter)
        }
        operation.parameters = parameters
        for (key, value) in members where key.hasPrefix("x-amazon-apigateway-") && key != Self.integrationKey {
            operation.extensions[key] = value.json
        }
        // The JSON body's schema: OAS 3 `requestBody`, Swagger 2 an `in: body` parameter.
        if let schema = node["requestBody"]?["content"]?["application/json"]?["schema"] {
            operation.extensions["x-portico-body-schema"] = schema.json
        } else if let body = node["parameters"]?.items?.first(where: { $0["in"]?.scalar == "body" }), let schema = body["schema"] {
            operation.extensions["x-portico-body-schema"] = schema.json
        }
        if let security = node["security"], let requirements = security.items, !requirements.isEmpty {
            operation.extensions["security"] = security.json
            // AWS exports apiKeyRequired as a requirement on the `api_key` scheme.
            operation.apiKeyRequired = requirements.contains { $0["api_key"] != nil }
        }
        if let integration = node[Self.integrationKey] {
            operation.integration = readIntegration(integration, operation: "\(method) \(path)")
        } else {
            sink.warning("\(method) \(path) has no x-amazon-apigateway-integration; it answers 500 as an unconfigured method does", at: node)
        }
        return operation
    }

    /// An `x-amazon-apigateway-integration` object outside an OpenAPI document (WebSocket routes).
    public static func readIntegration(_ node: DocumentNode, type: APIType, operation: String, maxTimeoutMillis: Int) -> (Integration?, [Diagnostic]) {
        var reader = OpenAPIReader(root: node, type: type, maxTimeoutMillis: maxTimeoutMillis)
        let integration = reader.readIntegration(node, operation: operation)
        return (integration, reader.sink.diagnostics)
    }

    private mutating func readIntegration(_ node: DocumentNode, operation: String) -> Integration? {
        guard let members = sink.mapping(node, "x-amazon-apigateway-integration") else { return nil }
        sink.checkKeys(members, known: Self.integrationKeys, in: "the integration of \(operation)")
        guard let typeName = sink.string(node["type"], "integration type") else {
            sink.error("the integration of \(operation) needs a type", at: node)
            return nil
        }
        guard let kind = Integration.Kind(rawValue: typeName.uppercased()) else {
            sink.error("unknown integration type '\(typeName)' (expected http, http_proxy, mock, aws or aws_proxy)", at: node["type"]!)
            return nil
        }
        var integration = Integration(kind: kind, location: node.location)
        integration.uri = sink.string(node["uri"], "uri")
        integration.httpMethod = sink.string(node["httpMethod"], "httpMethod")?.uppercased()
        integration.requestParameters = sink.stringMap(node["requestParameters"], "requestParameters")
        integration.requestTemplates = sink.stringMap(node["requestTemplates"], "requestTemplates")
        integration.payloadFormatVersion = sink.string(node["payloadFormatVersion"], "payloadFormatVersion")
        integration.contentHandling = sink.string(node["contentHandling"], "contentHandling")
        if let behavior = sink.string(node["passthroughBehavior"], "passthroughBehavior") {
            if let value = Integration.PassthroughBehavior(rawValue: behavior.uppercased()) {
                integration.passthroughBehavior = value
            } else {
                sink.error("passthroughBehavior must be when_no_match, when_no_templates or never", at: node["passthroughBehavior"]!)
            }
        }
        // HTTP APIs allow up to 30 s and default to it; REST APIs 29 s.
        let maxTimeout = type == .http ? max(maxTimeoutMillis, 30_000) : maxTimeoutMillis
        if type == .http { integration.timeoutMillis = 30_000 }
        if let timeout = sink.int(node["timeoutInMillis"], "timeoutInMillis") {
            if timeout < 50 || timeout > maxTimeout {
                sink.error("timeoutInMillis must be between 50 and \(maxTimeout) (raise limits.maxIntegrationTimeoutMillis to allow more)", at: node["timeoutInMillis"]!)
            } else {
                integration.timeoutMillis = timeout
            }
        }
        for key in ["connectionId", "credentials", "tlsConfig", "integrationSubtype", "cacheNamespace", "cacheKeyParameters", "connectionType", "responseParameters"] {
            if let value = node[key] { integration.extensions[key] = value.json }
        }
        if let connection = node["connectionType"]?.scalar, connection.uppercased() != "INTERNET" {
            sink.unsupported("connectionType \(connection) (VPC links) is not supported; the URI is called directly", at: node["connectionType"]!)
        }
        for key in ["credentials", "tlsConfig", "integrationSubtype"] {
            if let value = node[key] { sink.unsupported("\(key) in an integration is not implemented yet", at: value) }
        }
        if let value = node["responseParameters"], type != .http {
            sink.unsupported("responseParameters at the integration's level are HTTP APIs'; REST APIs map them per integration response", at: value)
        }
        for (pattern, value) in sink.mapping(node["responses"], "responses") ?? [] {
            guard sink.mapping(value, "integration response '\(pattern)'") != nil else { continue }
            let status = sink.string(value["statusCode"], "statusCode") ?? ""
            if Int(status).map({ (100...599).contains($0) }) != true {
                sink.error("integration response '\(pattern)' needs a statusCode between 100 and 599", at: value["statusCode"] ?? value)
            }
            integration.responses.append(IntegrationResponse(
                selectionPattern: pattern, statusCode: status,
                responseParameters: sink.stringMap(value["responseParameters"], "responseParameters"),
                responseTemplates: sink.stringMap(value["responseTemplates"], "responseTemplates"),
                contentHandling: sink.string(value["contentHandling"], "contentHandling")
            ))
        }
        validate(integration, node: node, operation: operation)
        return integration
    }

    private mutating func validate(_ integration: Integration, node: DocumentNode, operation: String) {
        switch integration.kind {
        case .http, .httpProxy:
            guard let uri = integration.uri else {
                sink.error("the \(integration.kind.rawValue) integration of \(operation) needs a uri", at: node)
                return
            }
            if !(uri.hasPrefix("http://") || uri.hasPrefix("https://")) {
                sink.error("the uri of an \(integration.kind.rawValue) integration must start with http:// or https://", at: node["uri"]!)
            }
            if type == .http, integration.kind == .http {
                sink.error("HTTP APIs support HTTP_PROXY, not HTTP, integrations", at: node["type"]!)
            }
        case .mock:
            if type == .http {
                sink.warning("AWS HTTP APIs have no MOCK integration; Portico serves it as a REST API would", at: node["type"]!)
            }
        case .aws, .awsProxy:
            // Lambda functions are served (the compiler checks the function exists); other AWS services are not.
            if let uri = integration.uri, !uri.contains(":lambda:path/2015-03-31/functions/"), !uri.contains("${stageVariables.") {
                sink.unsupported("\(integration.kind.rawValue) integrations with AWS services other than Lambda are not implemented; the route answers 500", at: node["uri"] ?? node)
            }
        }
    }
}
