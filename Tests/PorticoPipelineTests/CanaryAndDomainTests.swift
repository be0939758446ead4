import NIOCore
import NIOHTTP1
import PorticoDefinitions
import PorticoModel
import Testing

@testable import PorticoPipeline

/// Canary releases and custom domains, resolved the way API Gateway resolves them.
@Suite struct CanaryAndDomainTests {
    static func mockOperation(_ body: String) -> APIOperation {
        let location = SourceLocation(file: "t")
        return APIOperation(path: "/", method: "GET", integration: Integration(
            kind: .mock, requestTemplates: ["application/json": "{\"statusCode\": 200}"],
            responses: [IntegrationResponse(selectionPattern: "default", statusCode: "200", responseTemplates: ["application/json": body])],
            location: location), location: location)
    }

    static func gateway(canaryPercent: Double, domains: [CustomDomain] = []) throws -> CompiledGateway {
        let stage = Stage(name: "prod", deployment: [mockOperation("stable")], canary: Canary(percentTraffic: canaryPercent, deployment: [mockOperation("canary")], variables: ["v": "2"]))
        let api = APIDefinition(id: "api1", name: "a", type: .rest, stages: [stage], location: SourceLocation(file: "t"))
        var project = ProjectConfig(apis: [api])
        project.customDomains = domains
        let (gateway, diagnostics) = Compiler.compile(project)
        return try #require(gateway, "\(diagnostics)")
    }

    static func body(_ decision: Pipeline.Decision) -> String? {
        decision.prepared.map { String(buffer: $0.body) }
    }

    @Test func canaryTakesItsShareOfRequests() throws {
        let none = try Self.gateway(canaryPercent: 0)
        let (decision, routed) = decide(none, .GET, "/prod/")
        #expect(Self.body(decision) == "stable")
        #expect(routed.isCanary == false)
        let all = try Self.gateway(canaryPercent: 100)
        let (canaryDecision, canaryRouted) = decide(all, .GET, "/prod/")
        #expect(Self.body(canaryDecision) == "canary")
        #expect(canaryRouted.isCanary == true)
        let half = try Self.gateway(canaryPercent: 30)
        var canaries = 0
        for _ in 0..<2000 where decide(half, .GET, "/prod/").1.isCanary == true { canaries += 1 }
        #expect((480...720).contains(canaries), "\(canaries) of 2000 went to a 30% canary")
    }

    @Test func canaryIsInTheAccessLog() throws {
        var routed = Pipeline.Routed(apiType: .rest)
        routed.isCanary = true
        let entry = AccessLogEntry(
            requestID: "r", extendedRequestID: "e", sourceIP: "1", requestTimeEpochMillis: 0, httpMethod: "GET", path: "/",
            protocolName: "HTTP/1.1", routed: routed, status: 200, responseLength: 0, integrationLatencyMillis: -1,
            responseLatencyMillis: 1, errorMessage: "", userAgent: "-")
        #expect(AccessLogFormat("json").format(entry).hasSuffix(",\"isCanaryRequest\":true}"))
        #expect(AccessLogFormat("$context.isCanaryRequest").format(entry) == "true")
    }

    @Test func customDomainsResolveBasePathMappings() throws {
        let domains = [
            CustomDomain(name: "api.example.test", mappings: [
                .init(basePath: "", apiID: "api1", stage: "prod"),
                .init(basePath: "v1/orders", apiID: "api1", stage: "prod"),
                .init(basePath: "any", apiID: "api1", stage: nil),
            ]),
        ]
        let gateway = try Self.gateway(canaryPercent: 0, domains: domains)
        let host = [("Host", "API.example.test:8443")]
        #expect(Self.body(decide(gateway, .GET, "/", headers: host).0) == "stable")
        #expect(Self.body(decide(gateway, .GET, "/v1/orders", headers: host).0) == "stable")
        // Without a stage in the mapping, the next segment names it.
        #expect(Self.body(decide(gateway, .GET, "/any/prod/", headers: host).0) == "stable")
        #expect(decide(gateway, .GET, "/any/nostage/", headers: host).0.error == .missingAuthenticationToken)
        // A base path matches whole segments only: /v1/ordersX falls to the empty mapping's routes.
        #expect(decide(gateway, .GET, "/v1/ordersX", headers: host).0.error == .missingAuthenticationToken)
        // Other hosts resolve as before.
        #expect(Self.body(decide(gateway, .GET, "/prod/").0) == "stable")
    }
}
