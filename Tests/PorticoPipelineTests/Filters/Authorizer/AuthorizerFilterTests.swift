import NIOHTTP1
import PorticoDefinitions
import PorticoModel
import Testing

@testable import PorticoPipeline

/// The Lambda authorizer filter one piece at a time: policies, wildcards, the cache's clock, and
/// what the filter asks of a request.
@Suite struct AuthorizerFilterTests {
    static let arn = "arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/pets/1"

    static func policy(_ statements: [(String, String)]) -> AuthorizerResult {
        let answer: JSONValue = [
            "principalId": "me",
            "policyDocument": ["Version": "2012-10-17", "Statement": .array(statements.map { ["Effect": .string($0.0), "Action": "execute-api:Invoke", "Resource": .string($0.1)] })],
            "context": ["tier": "gold", "nested": ["dropped": true], "n": 2],
        ]
        return try! AuthorizerResult.read(.result(Array(answer.serialized.utf8)), simpleResponses: false).get()
    }

    @Test func explicitDenyWinsOverAllow() {
        #expect(Self.policy([("Allow", "arn:aws:execute-api:us-east-1:123456789012:api1/prod/*")]).evaluate(methodARN: Self.arn) == .allow)
        #expect(Self.policy([("Allow", "*"), ("Deny", "arn:aws:execute-api:*:*:api1/prod/GET/pets/*")]).evaluate(methodARN: Self.arn) == .explicitDeny)
        #expect(Self.policy([("Allow", "arn:aws:execute-api:us-east-1:123456789012:api1/prod/POST/*")]).evaluate(methodARN: Self.arn) == .noMatchingAllow)
        #expect(Self.policy([]).evaluate(methodARN: Self.arn) == .noMatchingAllow)
    }

    @Test func contextKeepsOnlyScalars() {
        let result = Self.policy([("Allow", "*")])
        #expect(result.principalID == "me")
        #expect(result.context == ["tier": "gold", "n": 2])
    }

    @Test func answersThatAreNotPoliciesFail() {
        func read(_ outcome: FunctionOutcome, simple: Bool = false) -> Result<AuthorizerResult, AuthorizerResult.ReadError> {
            AuthorizerResult.read(outcome, simpleResponses: simple)
        }
        #expect(throws: AuthorizerResult.ReadError.unauthorized) { try read(.error(Array(#"{"errorMessage": "Unauthorized"}"#.utf8))).get() }
        #expect(throws: AuthorizerResult.ReadError.self) { try read(.error(Array(#"{"errorMessage": "boom"}"#.utf8))).get() }
        #expect(throws: AuthorizerResult.ReadError.self) { try read(.result(Array(#"{"principalId": "x"}"#.utf8))).get() }
        #expect(throws: AuthorizerResult.ReadError.self) { try read(.timeout).get() }
        let simple = try? read(.result(Array(#"{"isAuthorized": false, "context": {"a": "b"}}"#.utf8)), simple: true).get()
        #expect(simple?.evaluate(methodARN: Self.arn) == .noMatchingAllow)
        #expect(simple?.context == ["a": "b"])
    }

    @Test(arguments: [
        ("*", "anything", true), ("a*c", "abbbc", true), ("a*c", "abd", false), ("a?c", "abc", true), ("a?c", "ac", false),
        ("arn:*:api1/*/GET/*", "arn:x:api1/prod/GET/pets", true), ("arn:*:api1/*/GET/*", "arn:x:api1/prod/POST/pets", false),
        ("**", "", true), ("abc", "ABC", false),
    ])
    func wildcards(_ pattern: String, _ value: String, _ expected: Bool) {
        #expect(ARNPattern.matches(pattern, value) == expected)
    }

    @Test func cacheHonoursTTLAndCapacityWithAnInjectedClock() {
        var cache = AuthorizerCache(capacity: 2)
        let result = Self.policy([("Allow", "*")])
        cache.store(result, key: "a", ttlSeconds: 300, nowMillis: 0)
        #expect(cache.lookup("a", nowMillis: 299_999) == result)
        #expect(cache.lookup("a", nowMillis: 300_000) == nil)
        cache.store(result, key: "b", ttlSeconds: 0, nowMillis: 0)
        #expect(cache.lookup("b", nowMillis: 0) == nil, "a TTL of 0 disables caching")
        cache.store(result, key: "x", ttlSeconds: 10, nowMillis: 0)
        cache.store(result, key: "y", ttlSeconds: 20, nowMillis: 0)
        cache.store(result, key: "z", ttlSeconds: 30, nowMillis: 0)
        #expect(cache.count == 2)
        #expect(cache.lookup("x", nowMillis: 1) == nil, "the entry closest to expiry goes first")
    }

    @Test func filterAsksOnlyWithAnIdentity() throws {
        let yaml = """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            components:
              securitySchemes:
                tok:
                  type: apiKey
                  name: Authorization
                  in: header
                  x-amazon-apigateway-authtype: custom
                  x-amazon-apigateway-authorizer:
                    type: token
                    authorizerUri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
                    identityValidationExpression: "^Bearer [a-z]+$"
            paths:
              /pets/{id}:
                get:
                  security: [{tok: []}]
                  x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
            """
        guard case .success(let root) = DocumentNode.parse(yaml, file: "t.yaml") else { throw TestFailure("parse") }
        let (api, diagnostics) = OpenAPIReader.read(root, id: "api1", name: nil, type: .rest, stages: [Stage(name: "prod")])
        #expect(api?.operations.first?.authorizer == "tok", "\(diagnostics)")
        var project = ProjectConfig(apis: [try #require(api)])
        project.functions = [FunctionConfig(name: "auth", command: ["true"])]
        let gateway = try #require(Compiler.compile(project).0)
        #expect(decide(gateway, .GET, "/prod/pets/1").0.error == .unauthorized)
        #expect(decide(gateway, .GET, "/prod/pets/1", headers: [("Authorization", "Bearer 123")]).0.error == .unauthorized)
        guard case .authorize(let call) = decide(gateway, .GET, "/prod/pets/1", headers: [("Authorization", "Bearer abc")]).0 else {
            Issue.record("expected an authorizer call"); return
        }
        #expect(call.methodARN == "arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/pets/1")
        let event = try JSONValue.parse(call.event)
        #expect(event == ["type": "TOKEN", "authorizationToken": "Bearer abc", "methodArn": .string(call.methodARN)])
        // With the answer, the request goes on to its integration.
        let allowed = Self.policy([("Allow", "*")])
        var routed = Pipeline.Routed(apiType: .rest)
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/prod/pets/1", headers: ["Authorization": "Bearer abc"])
        var generator = RequestIDGenerator()
        let decision = Pipeline.decide(
            head: head, path: "/prod/pets/1", query: "", requestID: generator.make(), sourceIP: "1.2.3.4",
            forwarded: ForwardedInfo(proto: "http", port: 80), gateway: gateway, routed: &routed, authorization: allowed)
        #expect(decision.prepared?.status == .ok)
    }
}
