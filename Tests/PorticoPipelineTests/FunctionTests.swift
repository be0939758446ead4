import NIOCore
import NIOHTTP1
import PorticoDefinitions
import PorticoModel
import Testing

@testable import PorticoPipeline

/// Functions in the pipeline: URIs, the events built from requests, and function results read back.
@Suite struct FunctionTests {
    static let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:hello/invocations"

    static func gateway(type: APIType = .rest, version: String? = nil, proxy: Bool = true, functions: [String] = ["hello"]) throws -> CompiledGateway {
        let yaml = """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths:
              /items/{id}:
                get:
                  x-amazon-apigateway-integration: {type: \(proxy ? "aws_proxy" : "aws"), httpMethod: POST, uri: "\(uri)"\(version.map { ", payloadFormatVersion: \"\($0)\"" } ?? "")}
            """
        guard case .success(let root) = DocumentNode.parse(yaml, file: "t.yaml") else { throw TestFailure("parse") }
        let (api, _) = OpenAPIReader.read(root, id: "api1", name: nil, type: type, stages: [Stage(name: type == .http ? "$default" : "prod", variables: ["v": "1"])])
        var project = ProjectConfig(apis: [try #require(api)])
        project.functions = functions.map { FunctionConfig(name: $0, command: ["true"]) }
        let (gateway, diagnostics) = Compiler.compile(project)
        return try #require(gateway, "\(diagnostics)")
    }

    @Test func integrationURIsNameFunctions() {
        #expect(FunctionPlan.functionARN(fromIntegrationURI: Self.uri) == "arn:aws:lambda:us-east-1:123456789012:function:hello")
        #expect(FunctionPlan.functionName(fromARN: "arn:aws:lambda:us-east-1:123456789012:function:hello:live") == "hello")
        #expect(FunctionPlan.functionName(fromARN: "hello") == "hello")
        #expect(FunctionPlan.functionARN(fromIntegrationURI: "arn:aws:apigateway:us-east-1:s3:path/bucket/key") == nil)
        #expect(FunctionPlan.functionName(fromARN: "arn:aws:iam::1:role/x") == nil)
    }

    @Test func stageVariablesChooseTheFunction() throws {
        let yaml = """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths:
              /a:
                get:
                  x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations"}
            """
        guard case .success(let root) = DocumentNode.parse(yaml, file: "t.yaml") else { throw TestFailure("parse") }
        let stages = [Stage(name: "blue", variables: ["fn": "hello"]), Stage(name: "green", variables: ["fn": "other"])]
        var project = ProjectConfig(apis: [try #require(OpenAPIReader.read(root, id: "api1", name: nil, type: .rest, stages: stages).0)])
        project.functions = ["hello", "other"].map { FunctionConfig(name: $0, command: ["true"]) }
        let gateway = try #require(Compiler.compile(project).0)
        guard case .invoke(let blue, _, _) = decide(gateway, .GET, "/blue/a").0, case .invoke(let green, _, _) = decide(gateway, .GET, "/green/a").0 else {
            Issue.record("expected invocations"); return
        }
        #expect(blue.functionName == "hello" && green.functionName == "other")
        #expect(green.functionARN == "arn:aws:lambda:us-east-1:123456789012:function:other")
    }

    @Test func anUndefinedFunctionIsReportedAndAnswers500() throws {
        let gateway = try Self.gateway(functions: [])
        let (decision, _) = decide(gateway, .GET, "/prod/items/1")
        #expect(decision.error == .internalError)
    }

    @Test func restEventIsPayload1() throws {
        let gateway = try Self.gateway()
        let (decision, _) = decide(gateway, .GET, "/prod/items/a%20b?t=1&t=2", headers: [("Host", "api1.execute-api.localhost"), ("X-A", "1"), ("X-A", "2")])
        guard case .invoke(let plan, let draft?, _) = decision else { Issue.record("expected an invocation"); return }
        #expect(plan.functionName == "hello" && plan.proxy && plan.payloadVersion == "1.0")
        let event = try JSONValue.parse(draft.json(body: ByteBuffer(string: "hi")))
        #expect(event["resource"] == "/items/{id}")
        #expect(event["path"] == "/items/a%20b")
        #expect(event["pathParameters"] == ["id": "a b"])
        #expect(event["headers"]?["X-A"] == "2")
        #expect(event["multiValueHeaders"]?["X-A"] == ["1", "2"])
        #expect(event["multiValueQueryStringParameters"] == ["t": ["1", "2"]])
        #expect(event["stageVariables"] == ["v": "1"])
        #expect(event["body"] == "hi" && event["isBase64Encoded"] == false)
        #expect(event["requestContext"]?["path"] == "/prod/items/a%20b")
        #expect(event["requestContext"]?["domainPrefix"] == "api1")
        #expect(event["requestContext"]?["resourceId"]?.stringValue?.count == 6)
    }

    @Test func httpEventIsPayload2() throws {
        let gateway = try Self.gateway(type: .http)
        let (decision, _) = decide(gateway, .GET, "/items/7?x=1&x=2", headers: [("Cookie", "a=1; b=2"), ("Accept", "a"), ("accept", "b")])
        guard case .invoke(let plan, let draft?, _) = decision else { Issue.record("expected an invocation"); return }
        #expect(plan.payloadVersion == "2.0")
        let event = try JSONValue.parse(draft.json(body: ByteBuffer(bytes: [0xff, 0xfe])))
        #expect(event["version"] == "2.0")
        #expect(event["routeKey"] == "GET /items/{id}")
        #expect(event["rawPath"] == "/items/7" && event["rawQueryString"] == "x=1&x=2")
        #expect(event["cookies"] == ["a=1", "b=2"])
        #expect(event["headers"]?["accept"] == "a,b")
        #expect(event["queryStringParameters"] == ["x": "1,2"])
        #expect(event["isBase64Encoded"] == true && event["body"] == "//4=")
    }

    @Test func customIntegrationsSendTheBody() throws {
        let gateway = try Self.gateway(proxy: false)
        guard case .invoke(let plan, nil, _) = decide(gateway, .GET, "/prod/items/1").0 else { Issue.record("expected a custom invocation"); return }
        #expect(!plan.proxy)
    }

    @Test func proxyResultsAsAWSReadsThem() throws {
        func read(_ text: String, _ version: String = "1.0") -> Result<PreparedResponse, FunctionResponse.Failure> {
            FunctionResponse.proxy(.result(Array(text.utf8)), version: version)
        }
        let ok = try read(#"{"statusCode": 201, "headers": {"a": "1"}, "multiValueHeaders": {"b": ["x", "y"]}, "body": "made"}"#).get()
        #expect(ok.status.code == 201 && String(buffer: ok.body) == "made")
        #expect(ok.headers.filter { $0.0 == "b" }.map(\.1) == ["x", "y"])
        let binary = try read(#"{"statusCode": 200, "isBase64Encoded": true, "body": "AAEC"}"#).get()
        #expect(Array(binary.body.readableBytesView) == [0, 1, 2])
        #expect(throws: FunctionResponse.Failure.self) { try read(#"{"statusCode": "abc"}"#).get() }
        #expect(throws: FunctionResponse.Failure.self) { try read(#"{"body": "no status"}"#).get() }
        #expect(throws: FunctionResponse.Failure.self) { try read("not json").get() }
        // 2.0: anything without statusCode is the body of a 200 JSON response.
        let plain = try read(#"{"hello": "world"}"#, "2.0").get()
        #expect(plain.status == .ok && String(buffer: plain.body) == #"{"hello": "world"}"#)
        let string = try read(#""text""#, "2.0").get()
        #expect(String(buffer: string.body) == "text")
        let cookies = try read(#"{"statusCode": 200, "cookies": ["a=1"]}"#, "2.0").get()
        #expect(cookies.headers.contains { $0.0 == "set-cookie" && $0.1 == "a=1" })
        let huge = FunctionResponse.proxy(.result([UInt8](repeating: 0x20, count: FunctionResponse.maxPayloadBytes + 1)), version: "1.0")
        #expect(throws: FunctionResponse.Failure.self) { try huge.get() }
    }

    @Test func failuresBecomeAWSErrors() {
        func error(_ outcome: FunctionOutcome) -> GatewayError? {
            if case .failure(let failure) = FunctionResponse.proxy(outcome, version: "1.0") { return failure.error }
            return nil
        }
        #expect(error(.timeout) == .integrationTimeout)
        #expect(error(.throttled) == .throttled)
        #expect(error(.error(Array(#"{"errorMessage": "x"}"#.utf8))) == .functionFailure)
        #expect(error(.failure("crashed")) == .functionFailure)
        #expect(GatewayError.functionFailure.shape(for: .rest).status == 502)
        #expect(GatewayError.functionFailure.shape(for: .http).status == 500)
    }

    @Test func base64RoundTrips() {
        for length in 0..<20 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("hello".utf8)) == "aGVsbG8=")
        #expect(Base64.decode("not*base64") == nil)
    }
}
