import PorticoModel
import Testing

@testable import PorticoDefinitions

@Suite struct OpenAPIReaderTests {
    func read(_ text: String, file: String = "api.yaml", type: APIType = .rest) -> (APIDefinition?, [Diagnostic]) {
        guard case .success(let root) = DocumentNode.parse(text, file: file) else {
            Issue.record("cannot parse")
            return (nil, [])
        }
        return OpenAPIReader.read(root, id: "abc123", name: nil, type: type, stages: [Stage(name: "prod")])
    }

    @Test(arguments: ["petstore-swagger2.json", "petstore-oas30.json"])
    func awsPetStoreLoads(_ fixture: String) throws {
        let (loaded, diagnostics) = read(try Fixtures.text(fixture), file: fixture)
        let api = try #require(loaded)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        #expect(api.name == "PetStore")
        let keys = Set(api.operations.map(\.routeKey))
        #expect(keys.isSuperset(of: ["GET /", "GET /pets", "POST /pets", "OPTIONS /pets", "GET /pets/{petId}", "OPTIONS /pets/{petId}"]))
        let pets = try #require(api.operations.first { $0.routeKey == "GET /pets" }?.integration)
        #expect(pets.kind == .http)
        #expect(pets.uri == "http://petstore-demo-endpoint.execute-api.com/petstore/pets")
        #expect(pets.requestParameters["integration.request.querystring.page"] == "method.request.querystring.page")
        #expect(pets.passthroughBehavior == .whenNoMatch)
        let root = try #require(api.operations.first { $0.routeKey == "GET /" }?.integration)
        #expect(root.kind == .mock)
        #expect(root.responses.first?.statusCode == "200")
    }

    @Test func httpAPIExampleLoads() throws {
        let (loaded, diagnostics) = read(try Fixtures.text("http-api-oas30.yaml"), type: .http)
        let api = try #require(loaded)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        #expect(api.operations.allSatisfy { $0.integration?.kind == .httpProxy })
        #expect(api.operations.contains { $0.integration?.payloadFormatVersion == "1.0" })
        // x-amazon-apigateway-cors is read (the gateway answers preflights) and kept for export.
        #expect(api.extensions["x-amazon-apigateway-cors"] != nil)
        #expect(api.cors != nil)
        #expect(!diagnostics.contains { $0.severity == .unsupported && $0.message.contains("x-amazon-apigateway-cors") })
    }

    @Test func greedyProxyResourceLoads() throws {
        let (api, diagnostics) = read(try Fixtures.text("rest-proxy-resource-oas30.json"))
        let operation = try #require(api?.operations.first)
        #expect(!diagnostics.hasErrors)
        #expect(operation.path == "/{proxy+}")
        #expect(operation.method == "ANY")
        #expect(operation.integration?.kind == .httpProxy)
        #expect(operation.integration?.requestParameters["integration.request.path.proxy"] == "method.request.path.proxy")
    }

    @Test func errorsCarryLineColumnAndPointer() throws {
        let text = """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths:
              /pets:
                get:
                  x-amazon-apigateway-integration:
                    type: http_proxy
                    uri: http://example.com
                    timeoutInMillis: 45000
            """
        let (_, diagnostics) = read(text)
        let error = try #require(diagnostics.first { $0.severity == .error })
        #expect(error.message.contains("timeoutInMillis must be between 50 and 29000"))
        #expect(error.location.line == 9)
        #expect(error.location.column == 26)
        #expect(error.location.pointer == "/paths/~1pets/get/x-amazon-apigateway-integration/timeoutInMillis")
        #expect(error.description.hasPrefix("api.yaml:9:26"))
    }

    @Test func unknownIntegrationTypeIsAnError() {
        let text = """
            {"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
             "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "carrier_pigeon"}}}}}
            """
        let (_, diagnostics) = read(text, file: "api.json")
        #expect(diagnostics.contains { $0.severity == .error && $0.message.contains("unknown integration type 'carrier_pigeon'") && $0.location.line == 2 })
    }

    @Test func unimplementedExtensionsAreReportedAndKept() throws {
        let text = """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            x-amazon-apigateway-policy: {Version: "2012-10-17"}
            x-amazon-apigateway-request-validators: {all: {validateRequestBody: true}}
            paths:
              /a:
                get:
                  x-amazon-apigateway-request-validator: all
                  security: [{api_key: []}]
                  x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}
            """
        let (api, diagnostics) = read(text)
        let unsupported = diagnostics.filter { $0.severity == .unsupported }.map(\.message)
        // Resource policies are evaluated: kept for the compiler, not reported as unimplemented.
        #expect(!unsupported.contains { $0.contains("x-amazon-apigateway-policy") })
        #expect(api?.extensions["x-amazon-apigateway-policy"] != nil)
        #expect(!unsupported.contains { $0.contains("x-amazon-apigateway-request-validator") }, "request validators are implemented")
        #expect(!unsupported.contains { $0.contains("API keys") }, "API keys are enforced")
        let operation = try #require(api?.operations.first)
        #expect(operation.apiKeyRequired)
        #expect(operation.extensions["x-amazon-apigateway-request-validator"] == .string("all"))
        #expect(operation.validation == RequestValidation(validateParameters: false, validateBody: true))
        #expect(api?.extensions["x-amazon-apigateway-policy"] != nil)
    }

    @Test(arguments: [
        ("/pets/{id", "malformed parameter"),
        ("/{proxy+}/more", "must be the last segment"),
        ("/pets/x{id}y", "must be a whole segment"),
        ("pets", "must start with '/'"),
        ("/a//b", "empty segment"),
    ])
    func badPathsAreErrors(path: String, message: String) {
        let text = """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths:
              "\(path)":
                get:
                  x-amazon-apigateway-integration: {type: mock}
            """
        let (_, diagnostics) = read(text)
        #expect(diagnostics.contains { $0.severity == .error && $0.message.contains(message) }, "\(diagnostics)")
    }

    @Test func defaultRouteOnlyInHTTPAPIs() {
        let text = """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths:
              $default:
                x-amazon-apigateway-any-method:
                  x-amazon-apigateway-integration: {type: http_proxy, uri: "http://example.com", httpMethod: ANY}
            """
        let (httpAPI, httpDiagnostics) = read(text, type: .http)
        #expect(!httpDiagnostics.hasErrors)
        #expect(httpAPI?.operations.first?.routeKey == "$default")
        let (_, restDiagnostics) = read(text, type: .rest)
        #expect(restDiagnostics.contains { $0.message.contains("'$default' is a route of HTTP APIs") })
    }

    @Test func syntaxErrorsHaveAPosition() {
        guard case .failure(let diagnostic) = DocumentNode.parse("openapi: 3.0.1\npaths: [unclosed\n", file: "bad.yaml") else {
            Issue.record("expected a syntax error")
            return
        }
        #expect(diagnostic.severity == .error)
        #expect(diagnostic.location.line != nil)
        #expect(diagnostic.message.hasPrefix("syntax:"))
    }

    @Test func gatewayResponseTypesAreAWSs() {
        let text = """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths: {}
            x-amazon-apigateway-gateway-responses:
              QUOTA_EXCEEDED: {statusCode: 429}
              NOT_A_TYPE: {statusCode: 400}
            """
        let (api, diagnostics) = read(text)
        #expect(diagnostics.contains { $0.severity == .error && $0.message.contains("'NOT_A_TYPE' is not a gateway response type") })
        #expect(api?.gatewayResponses["QUOTA_EXCEEDED"]?.statusCode == 429)
        #expect(GatewayResponseDefinition.types.count == 21)
    }
}
