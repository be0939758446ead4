import NIOCore
import NIOHTTP1
import PorticoDefinitions
import PorticoModel
import PorticoVelocity
import Testing

@testable import PorticoPipeline

/// MOCK integrations with Velocity templates: the status from the rendered request template, the
/// body from the rendered response template.
@Suite struct MockTemplateTests {
    static let yaml = #"""
        openapi: 3.0.1
        info: {title: t, version: "1"}
        paths:
          /pets/{id}:
            get:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates:
                  application/json: '{"statusCode": #if($input.params(''fail'') == ''yes'')500#{else}200#end}'
                responses:
                  default:
                    statusCode: "200"
                    responseParameters: {method.response.header.X-Kind: "'mock'"}
                    responseTemplates:
                      application/json: '{"id": "$input.params(''id'')", "stage": "$context.stage", "color": "$stageVariables.color", "method": "$context.httpMethod"}'
                  "5\\d{2}":
                    statusCode: "503"
                    responseTemplates:
                      application/json: '#set($context.responseOverride.header.Retry-After = "5"){"down": true}'
            post:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates:
                  application/json: '{"statusCode": $input.path(''$.want'')}'
                responses:
                  default: {statusCode: "200", responseTemplates: {application/json: '{"ok": true}'}}
                  "404": {statusCode: "404", responseTemplates: {application/json: '{"ok": false}'}}
        """#

    static func gateway() throws -> CompiledGateway {
        try compileAPI(yaml, stages: [Stage(name: "prod", variables: ["color": "blue"])])
    }

    @Test func templatesRenderStatusAndBody() throws {
        let gateway = try Self.gateway()
        let ok = try #require(decide(gateway, .GET, "/prod/pets/7").0.prepared)
        #expect(ok.status == .ok)
        #expect(String(buffer: ok.body) == #"{"id": "7", "stage": "prod", "color": "blue", "method": "GET"}"#)
        #expect(ok.headers.contains { $0.0 == "X-Kind" && $0.1 == "mock" })
        let failed = try #require(decide(gateway, .GET, "/prod/pets/7?fail=yes").0.prepared)
        #expect(failed.status.code == 503)
        #expect(String(buffer: failed.body) == #"{"down": true}"#)
        #expect(failed.headers.contains { $0.0 == "Retry-After" && $0.1 == "5" }, "responseOverride sets a header")
    }

    @Test func aTemplateThatReadsTheBodyWaitsForIt() throws {
        let gateway = try Self.gateway()
        guard case .mock(let plan, let seed, let type, let accept) = decide(gateway, .POST, "/prod/pets/1", headers: [("Content-Type", "application/json")]).0 else {
            Issue.record("expected the body to be collected first"); return
        }
        let found = try plan.respond(contentType: type, accept: accept, seed: seed, body: Array(#"{"want": 404}"#.utf8)).get()
        #expect(found.status == .notFound && String(buffer: found.body) == #"{"ok": false}"#)
        let ok = try plan.respond(contentType: type, accept: accept, seed: seed, body: Array(#"{"want": 200}"#.utf8)).get()
        #expect(ok.status == .ok)
    }

    @Test func aTemplateThatDoesNotCompileIsReportedWithItsPlace() throws {
        let bad = """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths:
              /a:
                get:
                  x-amazon-apigateway-integration:
                    type: mock
                    requestTemplates: {application/json: '#if($x'}
            """
        guard case .success(let root) = DocumentNode.parse(bad, file: "t.yaml") else { throw TestFailure("parse") }
        let (api, _) = OpenAPIReader.read(root, id: "a", name: nil, type: .rest, stages: [Stage(name: "prod")])
        let (gateway, diagnostics) = Compiler.compile(ProjectConfig(apis: [try #require(api)]))
        #expect(gateway == nil)
        #expect(diagnostics.contains { $0.message.contains("does not compile") && $0.message.contains("line 1, column") })
    }
}

/// Customised gateway responses: a type's own, else DEFAULT_4XX / DEFAULT_5XX, else AWS's.
@Suite struct CustomGatewayResponseTests {
    static let yaml = #"""
        openapi: 3.0.1
        info: {title: t, version: "1"}
        x-amazon-apigateway-gateway-responses:
          MISSING_AUTHENTICATION_TOKEN:
            statusCode: 404
            responseParameters: {gatewayresponse.header.X-Why: "'no route'"}
            responseTemplates: {application/json: '{"error": $context.error.messageString, "type": "$context.error.responseType", "stage": "$context.stage"}'}
          DEFAULT_5XX:
            responseTemplates: {application/json: '{"oops": "$context.error.message"}'}
        paths:
          /a:
            get:
              x-amazon-apigateway-integration: {type: aws, httpMethod: POST, uri: "arn:aws:apigateway:us-east-1:s3:path/bucket/key"}
        """#

    @Test func typeThenDefaultClassThenAWS() throws {
        let gateway = try compileAPI(Self.yaml)
        let (decision, routed) = decide(gateway, .GET, "/prod/nothing")
        let custom = try #require(routed.gatewayResponses)
        let context = VelocityMap([("stage", .string("prod"))])
        let error = try #require(decision.error)
        let missing = try #require(custom.response(for: error, apiType: .rest, limits: Limits(), context: context))
        #expect(missing.status == .notFound)
        #expect(String(buffer: missing.body) == #"{"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN", "stage": "prod"}"#)
        #expect(missing.headers.contains { $0.0 == "X-Why" && $0.1 == "no route" })
        let failed = try #require(custom.response(for: .internalError, apiType: .rest, limits: Limits(), context: nil))
        #expect(failed.status.code == 500 && String(buffer: failed.body) == #"{"oops": "Internal server error"}"#)
        #expect(custom.response(for: .throttled, apiType: .rest, limits: Limits(), context: nil) == nil, "no DEFAULT_4XX: AWS's own answer")
    }
}
