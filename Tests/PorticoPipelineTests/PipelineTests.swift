import NIOCore
import NIOHTTP1
import PorticoModel
import Testing

@testable import PorticoPipeline

@Suite struct PipelineTests {
    static let restAPI = """
        openapi: 3.0.1
        info: {title: t, version: "1"}
        paths:
          /mock:
            get:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 201}'}
                responses:
                  "4\\\\d{2}": {statusCode: "404", responseTemplates: {application/json: '{"error": true}'}}
                  "2\\\\d{2}":
                    statusCode: "201"
                    responseParameters: {method.response.header.X-Mock: "'yes'"}
                    responseTemplates: {application/json: '{"created": true}', text/plain: created}
                  default: {statusCode: "500"}
          /strict:
            post:
              x-amazon-apigateway-integration:
                type: mock
                passthroughBehavior: never
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses: {default: {statusCode: "200"}}
          /items/{id}:
            get:
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: GET
                uri: "http://${stageVariables.host}/v1/items/{id}?fixed=1"
                requestParameters:
                  integration.request.path.id: method.request.path.id
                  integration.request.header.X-Stage: "'static-value'"
                  integration.request.querystring.from: method.request.header.X-From
                  integration.request.header.X-Path: context.path
                  integration.request.header.X-Resource: context.resourcePath
          /files/{proxy+}:
            x-amazon-apigateway-any-method:
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "https://files.example.com/{proxy}"}
        """

    func gateway(limits: Limits = Limits()) throws -> CompiledGateway {
        try compileAPI(Self.restAPI, id: "abc123", stages: [Stage(name: "prod", variables: ["host": "127.0.0.1:9000"])], limits: limits)
    }

    @Test func resolvesStageByPathHostAndRestapisForm() throws {
        let gateway = try gateway()
        #expect(decide(gateway, .GET, "/prod/mock").0.prepared?.status == .created)
        #expect(decide(gateway, .GET, "/prod/mock", headers: [("Host", "abc123.execute-api.localhost:8080")]).0.prepared?.status == .created)
        #expect(decide(gateway, .GET, "/restapis/abc123/prod/_user_request_/mock").0.prepared?.status == .created)
        let (_, routed) = decide(gateway, .GET, "/prod/mock")
        #expect(routed.apiID == "abc123")
        #expect(routed.stage == "prod")
        #expect(routed.resourcePath == "/mock")
    }

    @Test func unknownRoutesAreMissingAuthenticationToken() throws {
        let gateway = try gateway()
        for uri in ["/prod/nope", "/other/mock", "/", "/restapis/abc123/dev/_user_request_/mock"] {
            #expect(decide(gateway, .GET, uri).0.error == .missingAuthenticationToken, "\(uri)")
        }
        #expect(decide(gateway, .DELETE, "/prod/mock").0.error == .missingAuthenticationToken)
        let response = GatewayError.missingAuthenticationToken.response(for: .rest, limits: Limits())
        #expect(response.status == .forbidden)
        #expect(String(buffer: response.body) == #"{"message": "Missing Authentication Token"}"#)
        #expect(response.headers.contains { $0 == ("x-amzn-ErrorType", "MissingAuthenticationTokenException") })
    }

    @Test func httpAPIsAnswerNotFoundCompactly() throws {
        let yaml = singleRouteAPI(path: "/pets", integration: proxy("http://127.0.0.1:9/pets"))
        let gateway = try compileAPI(yaml, type: .http, stages: [Stage(name: "$default")])
        let (decision, routed) = decide(gateway, .GET, "/nope")
        #expect(decision.error == .missingAuthenticationToken)
        let response = decision.error!.response(for: routed.apiType, limits: Limits())
        #expect(response.status == .notFound)
        #expect(String(buffer: response.body) == #"{"message":"Not Found"}"#)
        let upstream = try #require(decide(gateway, .GET, "/pets", headers: [("Host", "api.local")]).0.upstreamHead)
        #expect(upstream.uri == "/pets")
        #expect(upstream.headers["forwarded"] == ["for=10.1.2.3;host=api.local;proto=http"])
        #expect(upstream.headers["x-amzn-apigateway-api-id"].isEmpty)
    }

    @Test func httpAPIDefaultRouteGetsTheWholePath() throws {
        let yaml = """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths:
              $default:
                x-amazon-apigateway-any-method:
                  x-amazon-apigateway-integration: \(proxy("https://petstore-demo-endpoint.execute-api.com"))
            """
        let gateway = try compileAPI(yaml, type: .http, stages: [Stage(name: "$default")])
        #expect(decide(gateway, .POST, "/store/checkout?x=1").0.upstreamHead?.uri == "/store/checkout?x=1")
        #expect(decide(gateway, .GET, "/").0.upstreamHead?.uri == "/")
    }

    @Test func mockSelectsTheIntegrationResponseByStatus() throws {
        let response = try #require(decide(try gateway(), .GET, "/prod/mock").0.prepared)
        #expect(response.status == .created)
        #expect(String(buffer: response.body) == #"{"created": true}"#)
        #expect(response.contentType == "application/json")
        #expect(response.headers.contains { $0 == ("X-Mock", "yes") })
        let plain = try #require(decide(try gateway(), .GET, "/prod/mock", headers: [("Accept", "text/plain")]).0.prepared)
        #expect(String(buffer: plain.body) == "created")
    }

    @Test func passthroughNeverRejectsUnknownContentTypes() throws {
        let gateway = try gateway()
        #expect(decide(gateway, .POST, "/prod/strict", headers: [("Content-Type", "text/xml")]).0.error == .unsupportedMediaType)
        #expect(decide(gateway, .POST, "/prod/strict", headers: [("Content-Type", "application/json; charset=utf-8")]).0.prepared?.status == .ok)
    }

    @Test func proxyRequestIsMappedAndHopByHopHeadersDropped() throws {
        let (decision, _) = decide(try gateway(), .GET, "/prod/items/42?x=1&x=2", headers: [
            ("Host", "gw.local"), ("Connection", "keep-alive, X-Secret"), ("X-Secret", "s"), ("Keep-Alive", "timeout=5"),
            ("TE", "trailers"), ("Expect", "100-continue"), ("X-From", "a b"), ("X-Forwarded-For", "1.1.1.1"), ("Cookie", "a=1"), ("Cookie", "b=2"),
        ])
        let head = try #require(decision.upstreamHead)
        #expect(head.uri == "/v1/items/42?fixed=1&x=1&x=2&from=a%20b")
        #expect(head.method == .GET)
        #expect(head.headers["host"] == ["127.0.0.1:9000"])
        #expect(head.headers["x-secret"].isEmpty)
        #expect(head.headers["keep-alive"].isEmpty)
        #expect(head.headers["te"].isEmpty)
        #expect(head.headers["expect"].isEmpty)
        #expect(head.headers["connection"].isEmpty)
        #expect(head.headers["cookie"] == ["a=1", "b=2"])
        #expect(head.headers["X-Stage"] == ["static-value"])
        #expect(head.headers["X-Path"].first?.hasPrefix("/prod/items/") == true)
        #expect(head.headers["X-Resource"] == ["/items/{id}"])
        #expect(head.headers["x-forwarded-for"] == ["1.1.1.1, 10.1.2.3"])
        #expect(head.headers["x-forwarded-proto"] == ["http"])
        #expect(head.headers["x-forwarded-port"] == ["8080"])
        #expect(head.headers["x-amzn-apigateway-api-id"] == ["abc123"])
    }

    @Test func greedyProxyKeepsThePathAndPassesTheMethod() throws {
        let (decision, _) = decide(try gateway(), .DELETE, "/prod/files/a/b%2Fc.txt?v=1")
        let head = try #require(decision.upstreamHead)
        #expect(head.uri == "/a/b%2Fc.txt?v=1")
        #expect(head.method == .DELETE)
        #expect(head.headers["host"] == ["files.example.com"])
        guard case .forward(let plan, _) = decision else { return }
        #expect(plan.upstream == UpstreamAddress(tls: true, host: "files.example.com", port: 443))
    }

    @Test func limitsAreEnforcedOnTheHead() throws {
        let gateway = try gateway(limits: Limits(maxPayloadBytes: 100))
        #expect(decide(gateway, .POST, "/prod/strict", headers: [("Content-Length", "101")]).0.error == .requestTooLarge)
        let big = String(repeating: "a", count: 10_300)
        #expect(decide(gateway, .GET, "/prod/mock", headers: [("X-Big", big)]).0.error == .requestHeadersTooLarge)
        #expect(decide(gateway, .GET, "/prod/items/%zz").0.error == .badRequest)
        let tooLarge = GatewayError.requestTooLarge.response(for: .rest, limits: Limits())
        #expect(tooLarge.status == .payloadTooLarge)
        #expect(String(buffer: tooLarge.body) == "HTTP content length exceeded 10485760 bytes.")
    }

    @Test func timeoutErrorsFollowTheAPIType() {
        let rest = GatewayError.integrationTimeout.response(for: .rest, limits: Limits())
        #expect(rest.status == .gatewayTimeout)
        #expect(String(buffer: rest.body) == #"{"message": "Endpoint request timed out"}"#)
        let http = GatewayError.integrationTimeout.response(for: .http, limits: Limits())
        #expect(http.status == .serviceUnavailable)
        #expect(String(buffer: http.body) == #"{"message":"Service Unavailable"}"#)
        let failure = GatewayError.integrationFailure.response(for: .rest, limits: Limits())
        #expect(failure.status == .internalServerError)
        #expect(String(buffer: failure.body) == #"{"message": "Internal server error"}"#)
    }
}
