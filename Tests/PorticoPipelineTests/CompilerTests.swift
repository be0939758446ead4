import PorticoModel
import Testing

@testable import PorticoPipeline

@Suite struct CompilerTests {
    @Test func parsesIntegrationURIs() throws {
        let parsed = try #require(Compiler.parseURI("http://backend:8081/v1/{id}/x{y}z?a=1"))
        #expect(parsed.address == UpstreamAddress(tls: false, host: "backend", port: 8081))
        #expect(parsed.address.hostHeader == "backend:8081")
        #expect(parsed.path == [.literal("/v1/"), .parameter("id"), .literal("/x"), .parameter("y"), .literal("z")])
        #expect(parsed.query == "a=1")
        #expect(Compiler.parseURI("https://example.com")?.address == UpstreamAddress(tls: true, host: "example.com", port: 443))
        #expect(Compiler.parseURI("http://[::1]:9000/a")?.address.hostHeader == "[::1]:9000")
        #expect(Compiler.parseURI("ftp://x") == nil)
        #expect(Compiler.parseURI("http://host:notaport/") == nil)
    }

    @Test func substitutesStageVariables() {
        let (text, missing) = Compiler.substituteStageVariables(
            "http://${stageVariables.host}/${stageVariables.version}/${stageVariables.nope}", variables: ["host": "h:1", "version": "v2"])
        #expect(text == "http://h:1/v2/")
        #expect(missing == ["nope"])
    }

    @Test func missingStageVariableMakesTheRouteUnavailableInThatStageOnly() throws {
        let yaml = singleRouteAPI(integration: proxy("http://${stageVariables.host}/a"))
        let gateway = try compileAPI(yaml, stages: [Stage(name: "prod", variables: ["host": "127.0.0.1:1"]), Stage(name: "dev")])
        #expect(decide(gateway, .GET, "/prod/a").0.upstreamHead != nil)
        #expect(decide(gateway, .GET, "/dev/a").0.error == .internalError)
    }

    @Test func duplicateRoutesAreErrors() {
        let api = APIDefinition(
            id: "a", name: "a", type: .rest,
            operations: [
                APIOperation(path: "/x", method: "GET", integration: Integration(kind: .mock, location: SourceLocation(file: "f")), location: SourceLocation(file: "f", line: 3)),
                APIOperation(path: "/x", method: "GET", integration: Integration(kind: .mock, location: SourceLocation(file: "f")), location: SourceLocation(file: "f", line: 7)),
            ],
            stages: [Stage(name: "prod")], location: SourceLocation(file: "f"))
        let (gateway, diagnostics) = Compiler.compile(ProjectConfig(apis: [api]))
        #expect(gateway == nil)
        #expect(diagnostics.contains { $0.message == "the route 'GET /x' is defined twice" && $0.location.line == 7 })
    }

    @Test func uriParametersMustExist() throws {
        let yaml = singleRouteAPI(integration: proxy("http://h/{missing}"))
        #expect(throws: TestFailure.self) { try compileAPI(yaml) }
    }

    @Test func invalidSelectionPatternIsAnError() throws {
        let yaml = singleRouteAPI(integration: #"{type: http, httpMethod: GET, uri: "http://h/a", responses: {"([": {statusCode: "200"}}}"#)
        #expect(throws: TestFailure.self) { try compileAPI(yaml) }
    }
}
