import Foundation
import NIOHTTP1
import PorticoDefinitions
import PorticoModel
import Testing

@testable import PorticoPipeline

/// WAF-style rules: IP sets, rate-based rules over a window, size constraints, SQL injection and XSS.
@Suite struct WAFTests {
    static func gateway(_ rules: [WAFRule], defaultAction: WAFConfig.Action = .allow) throws -> CompiledGateway {
        var stage = Stage(name: "prod")
        stage.waf = WAFConfig(rules: rules, defaultAction: defaultAction)
        return try compileAPI("""
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths:
              /items:
                x-amazon-apigateway-any-method:
                  x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
            """, stages: [stage])
    }

    /// Decides a request from `ip` at `second`, with its body when it has one.
    static func verdict(
        _ gateway: CompiledGateway, _ method: HTTPMethod = .GET, _ uri: String = "/prod/items", ip: String = "10.1.2.3",
        headers: [(String, String)] = [], body: String? = nil, second: Int64 = 1_000_000
    ) -> (Pipeline.Decision, Pipeline.Routed) {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body { head.headers.add(name: "content-length", value: String(body.utf8.count)) }
        let (path, query) = Pipeline.splitTarget(uri)
        var routed = Pipeline.Routed(apiType: .rest)
        var generator = RequestIDGenerator()
        func run(_ collected: [UInt8]?) -> Pipeline.Decision {
            Pipeline.decide(
                head: head, path: path, query: query, requestID: generator.make(), sourceIP: ip, forwarded: ForwardedInfo(proto: "http", port: 80),
                gateway: gateway, routed: &routed, epochMillis: second * 1000, collectedBody: collected)
        }
        var decision = run(nil)
        if case .collectBody = decision { decision = run(Array((body ?? "").utf8)) }
        return (decision, routed)
    }

    static func blocked(_ result: (Pipeline.Decision, Pipeline.Routed)) -> String? {
        if case .fail(.wafFiltered) = result.0 { return result.1.wafBlockedBy }
        return nil
    }

    @Test func ipSetsAllowAndBlock() throws {
        let gateway = try Self.gateway([
            WAFRule(name: "partners", action: .allow, statement: .ipSet(addresses: ["192.0.2.0/24"], negated: false)),
            WAFRule(name: "office-only", action: .block, statement: .ipSet(addresses: ["10.0.0.0/8", "2001:db8::/32"], negated: true)),
        ])
        #expect(Self.blocked(Self.verdict(gateway, ip: "10.9.9.9")) == nil)
        #expect(Self.blocked(Self.verdict(gateway, ip: "2001:db8::1")) == nil)
        #expect(Self.blocked(Self.verdict(gateway, ip: "192.0.2.7")) == nil)
        #expect(Self.blocked(Self.verdict(gateway, ip: "203.0.113.5")) == "office-only")
        let response = GatewayError.wafFiltered.response(for: .rest, limits: Limits())
        #expect(response.status == .forbidden && String(buffer: response.body) == #"{"message": "Forbidden"}"#)
        // A default action of block refuses what no rule allowed.
        let closed = try Self.gateway([WAFRule(name: "partners", action: .allow, statement: .ipSet(addresses: ["192.0.2.0/24"], negated: false))], defaultAction: .block)
        #expect(Self.blocked(Self.verdict(closed, ip: "192.0.2.1")) == nil)
        #expect(Self.blocked(Self.verdict(closed, ip: "10.0.0.1")) == "default action")
    }

    @Test func rateBasedRulesCountPerIPOverTheWindow() throws {
        let gateway = try Self.gateway([WAFRule(name: "flood", action: .block, statement: .rateBased(limit: 10, windowSeconds: 300))])
        for index in 0..<10 { #expect(Self.blocked(Self.verdict(gateway, second: 1_000_000 + Int64(index))) == nil) }
        #expect(Self.blocked(Self.verdict(gateway, second: 1_000_010)) == "flood")
        // Another client is not affected; the first one is let in again once its requests age out.
        #expect(Self.blocked(Self.verdict(gateway, ip: "10.7.7.7", second: 1_000_010)) == nil)
        #expect(Self.blocked(Self.verdict(gateway, second: 1_000_200)) == "flood")
        #expect(Self.blocked(Self.verdict(gateway, second: 1_000_400)) == nil)
    }

    /// Each event loop serves its own replica of the gateway: a client's requests count together
    /// whichever loop (replica) takes them.
    @Test func replicasShareRateCounters() throws {
        let gateway = try Self.gateway([WAFRule(name: "flood", action: .block, statement: .rateBased(limit: 10, windowSeconds: 300))])
        let replica = gateway.replica()
        #expect(replica !== gateway)
        #expect(replica.accountThrottle != nil && replica.accountThrottle === gateway.accountThrottle)
        for index in 0..<10 {
            #expect(Self.blocked(Self.verdict(index.isMultiple(of: 2) ? gateway : replica, second: 1_000_000 + Int64(index))) == nil)
        }
        #expect(Self.blocked(Self.verdict(replica, second: 1_000_010)) == "flood")
        #expect(Self.blocked(Self.verdict(gateway, second: 1_000_011)) == "flood")
    }

    @Test func sizeConstraintsAndCountRules() throws {
        let gateway = try Self.gateway([
            WAFRule(name: "long-query", action: .count, statement: .sizeConstraint(field: .query, comparison: "GT", size: 20)),
            WAFRule(name: "big-body", action: .block, statement: .sizeConstraint(field: .body, comparison: "GT", size: 16)),
        ])
        let counted = Self.verdict(gateway, .GET, "/prod/items?q=aaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        #expect(Self.blocked(counted) == nil && counted.1.wafCounted == ["long-query"])
        #expect(Self.blocked(Self.verdict(gateway, .POST, body: "small")) == nil)
        #expect(Self.blocked(Self.verdict(gateway, .POST, body: String(repeating: "x", count: 17))) == "big-body")
    }

    @Test(arguments: [
        "/prod/items?id=1%27%20OR%20%271%27%3D%271", "/prod/items?id=1%20UNION%20SELECT%20password%20FROM%20users",
        "/prod/items?q=x%27%3B%20DROP%20TABLE%20users--", "/prod/items?id=1%20AND%20SLEEP(5)", "/prod/items?name=admin%27--",
    ])
    func sqlInjectionInTheQuery(_ uri: String) throws {
        let gateway = try Self.gateway([WAFRule(name: "sqli", action: .block, statement: .sqlInjection(fields: [.query], transformations: [.urlDecode]))])
        #expect(Self.blocked(Self.verdict(gateway, .GET, uri)) == "sqli")
    }

    @Test(arguments: [
        "/prod/items?q=hello%20world", "/prod/items?name=O%27Brien", "/prod/items?sort=price&order=desc", "/prod/items?q=select%20a%20size",
        "/prod/items?note=drop%20me%20a%20line", "/prod/items?email=a%40b.example",
    ])
    func ordinaryQueriesPass(_ uri: String) throws {
        let gateway = try Self.gateway([
            WAFRule(name: "sqli", action: .block, statement: .sqlInjection(fields: [.query], transformations: [.urlDecode])),
            WAFRule(name: "xss", action: .block, statement: .crossSiteScripting(fields: [.query], transformations: [.urlDecode, .htmlEntityDecode])),
        ])
        #expect(Self.blocked(Self.verdict(gateway, .GET, uri)) == nil)
    }

    @Test func crossSiteScriptingWithDecoding() throws {
        let gateway = try Self.gateway([
            WAFRule(name: "xss", action: .block, statement: .crossSiteScripting(fields: [.query, .body, .header("referer")], transformations: [.urlDecode, .htmlEntityDecode])),
        ])
        #expect(Self.blocked(Self.verdict(gateway, .GET, "/prod/items?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")) == "xss")
        // HTML entities hide the tag until decoded.
        #expect(Self.blocked(Self.verdict(gateway, .GET, "/prod/items?q=%26lt%3Bimg%20src%3Dx%20onerror%3Dalert(1)%26gt%3B")) == "xss")
        #expect(Self.blocked(Self.verdict(gateway, .POST, body: #"{"bio": "<svg onload=alert(1)>"}"#)) == "xss")
        #expect(Self.blocked(Self.verdict(gateway, headers: [("Referer", "javascript:alert(document.cookie)")])) == "xss")
        #expect(Self.blocked(Self.verdict(gateway, .POST, body: #"{"bio": "I like <b>bold</b> text & 3 > 2"}"#)) == nil)
        // Without URL decoding the encoded form is not seen.
        let raw = try Self.gateway([WAFRule(name: "xss", action: .block, statement: .crossSiteScripting(fields: [.query], transformations: []))])
        #expect(Self.blocked(Self.verdict(raw, .GET, "/prod/items?q=%3Cscript%3E")) == nil)
    }

    @Test func projectFilesDeclareRules() throws {
        let directory = NSTemporaryDirectory() + "portico-waf-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            apis:
              - name: a
                type: REST
                openapi: {openapi: 3.0.1, info: {title: a, version: "1"}, paths: {}}
                stages:
                  - name: prod
                    waf:
                      defaultAction: allow
                      rules:
                        - {name: office, action: block, ipSet: {addresses: [10.0.0.0/8], negate: true}}
                        - {name: flood, action: block, rateBased: {limit: 100}}
                        - {name: big, action: count, sizeConstraint: {field: body, comparison: GT, size: 8192}}
                        - {name: sqli, action: block, sqliMatch: {fields: [query, body, headers], transformations: [URL_DECODE]}}
                        - {name: bad, action: block, xssMatch: {fields: [nowhere]}}
                        - {name: two, action: block, ipSet: {addresses: [1.2.3.4]}, rateBased: {limit: 100}}
            """.write(toFile: directory + "/portico.yaml", atomically: true, encoding: .utf8)
        let (_, diagnostics) = ProjectReader.load(path: directory + "/portico.yaml")
        #expect(diagnostics.contains { $0.message.contains("'nowhere' is not a field") })
        #expect(diagnostics.contains { $0.message.contains("needs exactly one of") })
        #expect(diagnostics.filter { $0.severity == .error }.count == 2, "\(diagnostics)")
    }
}
