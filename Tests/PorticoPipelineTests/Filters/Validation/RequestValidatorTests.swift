import NIOHTTP1
import PorticoModel
@testable import PorticoPipeline
import Testing

/// Where request validation sits in `Pipeline.decide`: parameters at the head, the body's schema
/// handed to the driver with the decision to follow.
@Suite struct RequestValidatorTests {
    static let api = """
        openapi: 3.0.1
        info: {title: t, version: "1"}
        x-amazon-apigateway-request-validators:
          all: {validateRequestBody: true, validateRequestParameters: true}
          params: {validateRequestBody: false, validateRequestParameters: true}
        paths:
          /a:
            post:
              x-amazon-apigateway-request-validator: all
              parameters:
                - {name: q, in: query, required: true}
                - {name: X-Key, in: header, required: true}
                - {name: opt, in: query}
              requestBody: {content: {application/json: {schema: {type: object, required: [n]}}}}
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: "http://127.0.0.1:9/a"}
          /b:
            post:
              x-amazon-apigateway-request-validator: params
              parameters: [{name: q, in: query, required: true}]
              requestBody: {content: {application/json: {schema: {type: object, required: [n]}}}}
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: "http://127.0.0.1:9/b"}
          /c:
            post:
              parameters: [{name: q, in: query, required: true}]
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: "http://127.0.0.1:9/c"}
        """

    @Test func missingParametersAreNamed() throws {
        let gateway = try compileAPI(Self.api)
        guard case .reject(let error, let message, _) = decide(gateway, .POST, "/prod/a?opt=1").0 else {
            Issue.record("expected a rejection"); return
        }
        #expect(error == .badRequestParameters)
        #expect(message == "Missing required request parameters: [q, X-Key]")
        guard case .reject(_, let only, _) = decide(gateway, .POST, "/prod/a?q=", headers: [("Content-Type", "application/json")]).0 else {
            Issue.record("expected a rejection"); return
        }
        #expect(only == "Missing required request parameters: [X-Key]", "an empty value is present")
        let response = GatewayError.badRequestParameters.response(for: .rest, limits: Limits(), message: only)
        #expect(String(buffer: response.body) == #"{"message": "Missing required request parameters: [X-Key]"}"#)
    }

    @Test func theBodyIsCheckedBeforeTheIntegration() throws {
        let gateway = try compileAPI(Self.api)
        guard case .validate(let schema, let next) = decide(gateway, .POST, "/prod/a?q=1", headers: [("x-key", "k")]).0 else {
            Issue.record("expected body validation"); return
        }
        #expect(schema.validate(.object([:])).count == 1)
        guard case .forward = next else { Issue.record("the proxy follows validation"); return }
        // Only JSON (or no Content-Type) has a model.
        guard case .forward = decide(gateway, .POST, "/prod/a?q=1", headers: [("x-key", "k"), ("Content-Type", "text/plain")]).0 else {
            Issue.record("a text body is not validated"); return
        }
        guard case .validate = decide(gateway, .POST, "/prod/a?q=1", headers: [("x-key", "k"), ("Content-Type", "application/json; charset=utf-8")]).0 else {
            Issue.record("JSON with a charset is validated"); return
        }
    }

    @Test func eachValidatorChecksOnlyWhatItSays() throws {
        let gateway = try compileAPI(Self.api)
        guard case .forward = decide(gateway, .POST, "/prod/b?q=1").0 else { Issue.record("params-only does not check the body"); return }
        guard case .reject = decide(gateway, .POST, "/prod/b").0 else { Issue.record("params-only checks parameters"); return }
        guard case .forward = decide(gateway, .POST, "/prod/c").0 else { Issue.record("no validator, no checks"); return }
    }

    @Test func anUnknownValidatorIsAnError() throws {
        let yaml = Self.api.replacingOccurrences(of: "x-amazon-apigateway-request-validator: params", with: "x-amazon-apigateway-request-validator: nope")
        #expect(throws: TestFailure.self) { try compileAPI(yaml) }
    }
}
