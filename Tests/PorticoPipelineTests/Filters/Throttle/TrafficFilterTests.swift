import NIOHTTP1
import PorticoDefinitions
import PorticoModel
@testable import PorticoPipeline
import Testing

/// API keys, usage plans and throttles as `Pipeline.decide` applies them.
@Suite struct TrafficFilterTests {
    static let yaml = """
        openapi: 3.0.1
        info: {title: t, version: "1"}
        paths:
          /pets:
            get:
              security: [{api_key: []}]
              x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
            post:
              security: [{api_key: []}]
              x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
          /open:
            get:
              x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
        components:
          securitySchemes:
            api_key: {type: apiKey, name: x-api-key, in: header}
        """
    static let gold = "gold-key-0123456789abcdef"
    static let bronze = "bronze-key-0123456789abcd"
    static let off = "disabled-key-0123456789ab"
    static let stray = "stray-key-0123456789abcde"

    func gateway(stage: Stage = Stage(name: "prod"), account: Throttling? = nil, keySource: String? = nil) throws -> CompiledGateway {
        var text = Self.yaml
        if let keySource { text += "\nx-amazon-apigateway-api-key-source: \(keySource)\n" }
        guard case .success(let root) = DocumentNode.parse(text, file: "t.yaml") else { throw TestFailure("parse") }
        let (api, _) = OpenAPIReader.read(root, id: "api1", name: "pets", type: .rest, stages: [stage])
        var config = ProjectConfig(apis: [try #require(api)])
        if let account { config.limits.accountThrottle = account }
        config.apiKeys = [
            APIKeyConfig(name: "gold", value: Self.gold), APIKeyConfig(name: "bronze", value: Self.bronze),
            APIKeyConfig(name: "off", value: Self.off, enabled: false), APIKeyConfig(name: "stray", value: Self.stray),
        ]
        config.usagePlans = [
            UsagePlanConfig(
                name: "gold", apiStages: [.init(api: "pets", stage: "prod", methodThrottles: ["/pets/POST": Throttling(rateLimit: 1, burstLimit: 1)])],
                throttle: Throttling(rateLimit: 100, burstLimit: 3), keys: ["gold", "off"]),
            UsagePlanConfig(
                name: "bronze", apiStages: [.init(api: "api1", stage: "prod")],
                quota: .init(limit: 2, period: .day), keys: ["bronze"]),
        ]
        let (gateway, diagnostics) = Compiler.compile(config, traffic: TrafficRegistry(clock: { 0 }))
        guard let gateway else { throw TestFailure("\(diagnostics)") }
        return gateway
    }

    func call(_ gateway: CompiledGateway, _ method: HTTPMethod = .GET, _ path: String = "/prod/pets", key: String? = nil, at now: UInt64 = 0) -> GatewayError? {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        if let key { head.headers.add(name: "x-api-key", value: key) }
        var routed = Pipeline.Routed(apiType: .rest)
        let (target, query) = Pipeline.splitTarget(path)
        var ids = RequestIDGenerator()
        let decision = Pipeline.decide(
            head: head, path: target, query: query, requestID: ids.make(), sourceIP: "10.0.0.1", forwarded: ForwardedInfo(proto: "http", port: 80),
            gateway: gateway, routed: &routed, epochMillis: 1_795_000_000_000, nowNanos: now)
        return decision.error
    }

    @Test func keysAreCheckedAsAWSChecksThem() throws {
        let gateway = try gateway()
        #expect(call(gateway, key: nil) == .invalidAPIKey, "no key")
        #expect(call(gateway, key: "not-a-key-at-all-000000") == .invalidAPIKey, "unknown key")
        #expect(call(gateway, key: Self.off) == .invalidAPIKey, "disabled key")
        #expect(call(gateway, key: Self.stray) == .invalidAPIKey, "a key in no plan of the stage")
        #expect(call(gateway, key: Self.gold) == nil)
        #expect(call(gateway, .GET, "/prod/open") == nil, "a method without apiKeyRequired needs none")
        let response = GatewayError.invalidAPIKey.response(for: .rest, limits: Limits())
        #expect(response.status == .forbidden && String(buffer: response.body) == #"{"message": "Forbidden"}"#)
    }

    @Test func planThrottlesAreEachKeysOwn() throws {
        let gateway = try gateway()
        for _ in 0..<3 { #expect(call(gateway, key: Self.gold) == nil) }
        #expect(call(gateway, key: Self.gold) == .throttled, "the plan's burst of 3 is spent")
        #expect(call(gateway, key: Self.bronze) == nil, "another key has its own bucket")
        #expect(call(gateway, key: Self.gold, at: 10_000_000) == nil, "100 rps refill one token in 10 ms")
        // The per-method throttle of the plan replaces the plan's for POST /pets.
        #expect(call(gateway, .POST, key: Self.gold) == nil)
        #expect(call(gateway, .POST, key: Self.gold) == .throttled)
        let response = GatewayError.throttled.response(for: .rest, limits: Limits())
        #expect(response.status == .tooManyRequests && String(buffer: response.body) == #"{"message": "Too Many Requests"}"#)
    }

    @Test func quotasCountPerKey() throws {
        let gateway = try gateway()
        #expect(call(gateway, key: Self.bronze) == nil)
        #expect(call(gateway, key: Self.bronze) == nil)
        #expect(call(gateway, key: Self.bronze) == .quotaExceeded)
        let response = GatewayError.quotaExceeded.response(for: .rest, limits: Limits())
        #expect(response.status == .tooManyRequests && String(buffer: response.body) == #"{"message": "Limit Exceeded"}"#)
    }

    @Test func stageAndAccountThrottles() throws {
        var stage = Stage(name: "prod", throttling: Throttling(rateLimit: 1, burstLimit: 2))
        stage.methodThrottling = ["/open/GET": Throttling(rateLimit: 1, burstLimit: 1)]
        let gateway = try gateway(stage: stage)
        #expect(call(gateway, .GET, "/prod/open") == nil)
        #expect(call(gateway, .GET, "/prod/open") == .throttled, "the method's own setting")
        #expect(call(gateway, key: Self.bronze) == nil)
        #expect(call(gateway, key: Self.bronze) == nil)
        #expect(call(gateway, .POST, key: Self.gold) == nil, "each method has its own stage bucket")
        let account = try self.gateway(account: Throttling(rateLimit: 0, burstLimit: 2))
        #expect(call(account, .GET, "/prod/open") == nil)
        #expect(call(account, .GET, "/prod/open") == nil)
        #expect(call(account, .GET, "/prod/open") == .throttled, "the account's limit covers every API")
    }

    @Test func bucketsAndCountsSurviveARecompile() throws {
        let registry = TrafficRegistry(clock: { 0 })
        func compile() throws -> CompiledGateway {
            var config = ProjectConfig(apis: [])
            guard case .success(let root) = DocumentNode.parse(Self.yaml, file: "t.yaml"), let api = OpenAPIReader.read(root, id: "api1", name: "pets", type: .rest, stages: [Stage(name: "prod")]).0 else { throw TestFailure("read") }
            config.apis = [api]
            config.apiKeys = [APIKeyConfig(name: "bronze", value: Self.bronze)]
            config.usagePlans = [UsagePlanConfig(name: "bronze", apiStages: [.init(api: "api1", stage: "prod")], quota: .init(limit: 2, period: .day), keys: ["bronze"])]
            return try #require(Compiler.compile(config, traffic: registry).0)
        }
        #expect(call(try compile(), key: Self.bronze) == nil)
        #expect(call(try compile(), key: Self.bronze) == nil)
        #expect(call(try compile(), key: Self.bronze) == .quotaExceeded, "a reload keeps the count")
    }
}
