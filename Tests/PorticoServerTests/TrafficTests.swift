import Foundation
import PorticoTesting
import Testing

/// API keys, usage plans and throttling through the real server.
@Suite(.serialized) struct TrafficTests {
    static let gold = "gold-key-0123456789abcdef"
    static let spare = "spare-key-0123456789abcde"

    static let files: [String: String] = [
        "portico.yaml": """
            listeners: [{host: 127.0.0.1, port: 0}]
            admin: {host: 127.0.0.1, port: 0}
            accessLog: {enabled: false}
            rateLimitHeaders: true
            apiKeys:
              - {name: gold, value: \(gold)}
              - {name: spare, value: \(spare)}
            usagePlans:
              - name: gold
                apiStages: [{api: metered, stage: prod}]
                throttle: {rateLimit: 50, burstLimit: 10}
                keys: [gold]
              - name: tiny
                apiStages: [{api: metered, stage: prod}]
                quota: {limit: 3, period: DAY}
                keys: [spare]
            apis:
              - {name: metered, id: metered1, type: REST, definition: api.yaml, stages: [{name: prod}]}
            """,
        "api.yaml": """
            openapi: 3.0.1
            info: {title: metered, version: "1"}
            paths:
              /things:
                get:
                  security: [{api_key: []}]
                  x-amazon-apigateway-integration:
                    type: mock
                    requestTemplates: {application/json: '{"statusCode": 200}'}
                    responses: {default: {statusCode: "200", responseTemplates: {application/json: '{"key": "$context.identity.apiKeyId"}'}}}
            components:
              securitySchemes:
                api_key: {type: apiKey, name: x-api-key, in: header}
            """,
    ]

    @Test func keysQuotasAndAWSAnswers() async throws {
        let gateway = try await TestGateway.start(files: Self.files)
        let client = try gateway.client()
        let missing = try client.request("GET", "/prod/things")
        #expect(missing.status == 403)
        #expect(missing.text == #"{"message": "Forbidden"}"#)
        #expect(missing.header("x-amzn-ErrorType") == "ForbiddenException")
        #expect(try client.request("GET", "/prod/things", headers: [("x-api-key", "wrong-key-0123456789abcdef")]).status == 403)
        let spare = [("x-api-key", Self.spare)]
        let first = try client.request("GET", "/prod/things", headers: spare)
        #expect(first.status == 200)
        #expect(first.text == #"{"key": "spare"}"#, "$context.identity.apiKeyId: \(first.text)")
        for _ in 0..<2 { #expect(try client.request("GET", "/prod/things", headers: spare).status == 200) }
        #expect(first.header("RateLimit-Policy") == #""quota";q=3;w=86400"#)
        #expect(first.header("RateLimit")?.hasPrefix(#""quota";r=2;t="#) == true, "\(first.header("RateLimit") ?? "-")")
        let over = try client.request("GET", "/prod/things", headers: spare)
        #expect(over.header("RateLimit")?.hasPrefix(#""quota";r=0;t="#) == true)
        #expect(over.status == 429)
        #expect(over.text == #"{"message": "Limit Exceeded"}"#)
        #expect(over.header("x-amzn-ErrorType") == "LimitExceededException")
        await gateway.stop()
    }

    /// A bounded load well above the plan's 50 requests/s for about 1.5 s: the admitted count is
    /// the burst plus the rate times the time between the first and the last request, within ±5 %.
    @Test func throttlingAdmitsTheRateAndBurst() async throws {
        let gateway = try await TestGateway.start(files: Self.files)
        let client = try gateway.client()
        let key = [("x-api-key", Self.gold)]
        var admitted = 0, throttled = 0
        let start = Date()
        var last = start
        while Date().timeIntervalSince(start) < 1.5 {
            last = Date()
            let response = try client.request("GET", "/prod/things", headers: key)
            if admitted == 0, response.status == 200 {
                #expect(response.header("RateLimit-Policy") == #""throttle";q=10;w=1"#)
            }
            if response.status == 200 { admitted += 1 } else if response.status == 429 {
                throttled += 1
                #expect(response.text == #"{"message": "Too Many Requests"}"#)
            } else {
                Issue.record("unexpected status \(response.status)")
            }
        }
        await gateway.stop()
        let expected = 10 + 50 * last.timeIntervalSince(start)
        #expect(throttled > admitted, "the load must exceed the rate for the test to mean anything (\(admitted) admitted, \(throttled) throttled)")
        #expect(abs(Double(admitted) - expected) <= expected * 0.05, "admitted \(admitted), expected \(expected)")
    }
}
