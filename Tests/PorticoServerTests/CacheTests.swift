import Foundation
import NIOPosix
import PorticoTesting
import Testing

/// The REST stage cache through the real server: hits, keys, TTL, invalidation strategies.
@Suite(.serialized) struct CacheTests {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    static func files(upstream: Int, strategy: String = "SUCCEED_WITH_RESPONSE_HEADER", requireAuthorization: Bool = true) -> [String: String] {
        [
            "portico.yaml": """
                listeners: [{host: 127.0.0.1, port: 0}]
                admin: {host: 127.0.0.1, port: 0}
                accessLog: {enabled: false}
                apis:
                  - name: cached
                    id: cached1
                    definition: api.yaml
                    stages:
                      - name: prod
                        cache:
                          capacityMB: 1
                          ttlSeconds: 1
                          requireAuthorization: \(requireAuthorization)
                          unauthorizedStrategy: \(strategy)
                          methods: {"/nocache/GET": {enabled: false}}
                """,
            "api.yaml": """
                openapi: 3.0.1
                info: {title: cached, version: "1"}
                paths:
                  /items/{id}:
                    get:
                      parameters: [{name: id, in: path, required: true}, {name: lang, in: query}]
                      x-amazon-apigateway-integration:
                        type: http_proxy
                        httpMethod: GET
                        uri: "http://127.0.0.1:\(upstream)/echo/{id}"
                        cacheKeyParameters: [method.request.path.id]
                    post:
                      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: "http://127.0.0.1:\(upstream)/echo/post"}
                  /nocache:
                    get:
                      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:\(upstream)/echo/nocache"}
                  /missing:
                    get:
                      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:\(upstream)/status/404"}
                """,
        ]
    }

    @Test func getsAreAnsweredFromTheCacheByKey() async throws {
        let upstream = try await FakeUpstream.start(group: Self.group)
        let gateway: TestGateway
        do { gateway = try await TestGateway.start(files: Self.files(upstream: upstream.port)) } catch {
            Issue.record("start failed: \(error)")
            throw error
        }
        let raw = try gateway.client()
        func upstreamCalls(_ path: String) -> Int { upstream.received.filter { $0.uri.hasPrefix(path) }.count }
        struct Client {
            let raw: RawHTTPClient
            func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: String? = nil) throws -> RawHTTPClient.Response {
                do { return try raw.request(method, target, headers: headers, body: body) } catch {
                    Issue.record("\(method) \(target) failed: \(error)")
                    throw error
                }
            }
        }
        let client = Client(raw: raw)

        let first = try client.request("GET", "/prod/items/1?lang=en")
        #expect(first.status == 200 && first.text.contains("uri=/echo/1"))
        let second = try client.request("GET", "/prod/items/1?lang=fr")
        #expect(second.status == 200 && second.text == first.text, "the query is not in the key: a hit")
        #expect(second.header("content-type") == "text/plain")
        #expect(upstreamCalls("/echo/1") == 1)
        _ = try client.request("GET", "/prod/items/2")
        #expect(upstreamCalls("/echo/2") == 1, "another path parameter value is another entry")
        _ = try client.request("POST", "/prod/items/1", body: "x")
        _ = try client.request("POST", "/prod/items/1", body: "x")
        #expect(upstreamCalls("/echo/post") == 2, "only GET is cached by default")
        _ = try client.request("GET", "/prod/nocache")
        _ = try client.request("GET", "/prod/nocache")
        #expect(upstreamCalls("/echo/nocache") == 2, "caching disabled for the method")
        _ = try client.request("GET", "/prod/missing")
        _ = try client.request("GET", "/prod/missing")
        #expect(upstreamCalls("/status/404") == 2, "errors are not kept")

        // Without authorization, max-age=0 is ignored with a warning (SUCCEED_WITH_RESPONSE_HEADER).
        let refused = try client.request("GET", "/prod/items/1", headers: [("Cache-Control", "max-age=0")])
        #expect(refused.header("Warning")?.hasPrefix("199 ") == true)
        #expect(upstreamCalls("/echo/1") == 1)

        // The TTL (1 s) runs out.
        try await Task.sleep(for: .milliseconds(1_100))
        _ = try client.request("GET", "/prod/items/1")
        #expect(upstreamCalls("/echo/1") == 2, "expired after its TTL")

        // `/metrics` is gathered on Swift's cooperative pool: wait for it off that pool, so this
        // test's blocking read cannot hold one of its (two) threads while other suites hold the other.
        let adminPort = gateway.adminPort!
        let metrics = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: try? RawHTTPClient(port: adminPort).request("GET", "/metrics")) }
        }
        let text = try #require(metrics).text
        #expect(text.contains(#"portico_cache_hit_total{api="cached1",stage="prod",method="GET",resource="/items/{id}"} 2"#), "\(text.split(separator: "\n").filter { $0.contains("cache") })")
        #expect(text.contains(#"portico_cache_miss_total{api="cached1",stage="prod",method="GET",resource="/items/{id}"} 3"#))
        await gateway.stop()
        await upstream.stop()
    }

    @Test func invalidationStrategies() async throws {
        let upstream = try await FakeUpstream.start(group: Self.group)
        let open = try await TestGateway.start(files: Self.files(upstream: upstream.port, requireAuthorization: false))
        let client = try open.client()
        _ = try client.request("GET", "/prod/items/7")
        _ = try client.request("GET", "/prod/items/7", headers: [("Cache-Control", "max-age=0")])
        _ = try client.request("GET", "/prod/items/7")
        #expect(upstream.received.filter { $0.uri == "/echo/7" }.count == 2, "max-age=0 refreshed the entry, which the next GET used")
        await open.stop()

        let strict = try await TestGateway.start(files: Self.files(upstream: upstream.port, strategy: "FAIL_WITH_403"))
        let refused = try strict.client().request("GET", "/prod/items/7", headers: [("Cache-Control", "max-age=0")])
        #expect(refused.status == 403)
        #expect(refused.text == #"{"message": "Unauthorized"}"#)
        await strict.stop()
        await upstream.stop()
    }
}
