import NIOHTTP1
import PorticoDefinitions
import PorticoModel
import Testing

@testable import PorticoPipeline

/// HTTP API CORS: preflights answered by the gateway, headers on responses to allowed origins.
@Suite struct CORSTests {
    static let gateway = try! compileAPI("""
        openapi: 3.0.1
        info: {title: t, version: "1"}
        x-amazon-apigateway-cors:
          allowOrigins: ["https://app.example.com", "https://admin.example.com"]
          allowMethods: [GET, post]
          allowHeaders: [Authorization, X-Trace]
          exposeHeaders: [X-Request-Count]
          maxAge: 600
          allowCredentials: true
        paths:
          /pets:
            get:
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:9/pets", payloadFormatVersion: "1.0"}
        """, type: .http, stages: [Stage(name: "$default")])

    @Test func preflightsNeedNoOptionsRoute() {
        let (decision, _) = decide(Self.gateway, .OPTIONS, "/pets", headers: [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET")])
        guard case .respond(let response) = decision else { Issue.record("\(decision)"); return }
        #expect(response.status == .noContent)
        let fields = Dictionary(uniqueKeysWithValues: response.headers)
        #expect(fields["access-control-allow-origin"] == "https://app.example.com")
        #expect(fields["access-control-allow-methods"] == "GET,POST")
        #expect(fields["access-control-allow-headers"] == "authorization,x-trace")
        #expect(fields["access-control-max-age"] == "600")
        #expect(fields["access-control-allow-credentials"] == "true")
        // An origin not in the list gets no CORS headers.
        let (other, _) = decide(Self.gateway, .OPTIONS, "/pets", headers: [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "GET")])
        guard case .respond(let refused) = other else { Issue.record("\(other)"); return }
        #expect(refused.headers.isEmpty)
        // An OPTIONS that is not a preflight is routed as any request (no route here: 404).
        let (plain, _) = decide(Self.gateway, .OPTIONS, "/pets")
        guard case .fail(.missingAuthenticationToken) = plain else { Issue.record("\(plain)"); return }
    }

    @Test func responsesToAllowedOrigins() {
        let (_, routed) = decide(Self.gateway, .GET, "/pets", headers: [("Origin", "https://admin.example.com")])
        #expect(routed.corsFields?.map(\.0) == ["access-control-allow-origin", "access-control-allow-credentials", "access-control-expose-headers"])
        #expect(routed.corsFields?.first?.1 == "https://admin.example.com")
        let (_, stranger) = decide(Self.gateway, .GET, "/pets", headers: [("Origin", "https://evil.example")])
        #expect(stranger.corsFields?.isEmpty == true)
        #expect(CompiledCORS(CORSConfiguration(allowOrigins: ["*"])).responseFields(origin: "https://x.example").first?.1 == "*")
    }

    @Test func invalidConfigurationsAreErrors() throws {
        guard case .success(let root) = DocumentNode.parse("""
            openapi: 3.0.1
            info: {title: t, version: "1"}
            x-amazon-apigateway-cors: {allowOrigins: ["*"], allowCredentials: true, maxAge: 90000}
            paths: {}
            """, file: "t.yaml") else { throw TestFailure("parse") }
        let (_, diagnostics) = OpenAPIReader.read(root, id: "a", name: nil, type: .http, stages: [])
        #expect(diagnostics.contains { $0.message.contains("allowCredentials cannot be true") })
        #expect(diagnostics.contains { $0.message.contains("maxAge must be between") })
    }

    /// REST APIs answer preflights with an OPTIONS method whose MOCK integration sets the headers.
    @Test func restOptionsMockPattern() throws {
        let gateway = try compileAPI("""
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths:
              /pets:
                options:
                  responses: {"200": {description: ok}}
                  x-amazon-apigateway-integration:
                    type: mock
                    requestTemplates: {application/json: '{"statusCode": 200}'}
                    responses:
                      default:
                        statusCode: "200"
                        responseParameters:
                          method.response.header.Access-Control-Allow-Origin: "'https://app.example.com'"
                          method.response.header.Access-Control-Allow-Methods: "'GET,OPTIONS'"
                          method.response.header.Access-Control-Allow-Headers: "'Content-Type,Authorization'"
            """)
        let (decision, _) = decide(gateway, .OPTIONS, "/prod/pets", headers: [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET")])
        guard case .respond(let response) = decision else { Issue.record("\(decision)"); return }
        #expect(response.status == .ok)
        let fields = Dictionary(response.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { first, _ in first })
        #expect(fields["access-control-allow-origin"] == "https://app.example.com")
        #expect(fields["access-control-allow-methods"] == "GET,OPTIONS")
    }
}
