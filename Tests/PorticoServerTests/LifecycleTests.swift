import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PorticoServer
import PorticoTesting
import Testing

@Suite(.serialized) struct LifecycleTests {
    static func files(message: String) -> [String: String] {
        [
            "portico.yaml": """
                listeners: [{host: 127.0.0.1, port: 0}]
                accessLog: {enabled: false}
                apis:
                  - {name: a, id: api1, type: REST, definition: api.yaml, stages: [{name: prod}]}
                """,
            "api.yaml": mockAPIDocument(body: message),
        ]
    }

    @Test func reloadUnderLoadFailsNoRequest() async throws {
        let gateway = try await TestGateway.start(files: Self.files(message: "v1"))
        let reloader = ConfigReloader(path: gateway.directory + "/portico.yaml", logger: Logger(label: "test"))
        let port = gateway.port
        // The load runs until the reloads are done (bounded), however slow a busy machine makes them.
        let done = NIOLockedValueBox(false)
        let load = Task.detached { () -> (ok: Int, failed: Int, sawV2: Bool, errors: [String]) in
            var ok = 0
            var failed = 0
            var sawV2 = false
            var errors: [String] = []
            let deadline = Date().addingTimeInterval(30.0)
            while Date() < deadline, !done.withLockedValue({ $0 }) {
                let client: RawHTTPClient
                do { client = try RawHTTPClient(port: port) } catch {
                    failed += 1
                    errors.append("connect: \(error)")
                    continue
                }
                for index in 0..<20 {
                    do {
                        let response = try client.request("GET", "/prod/hello")
                        if response.status == 200 { ok += 1 } else { failed += 1; errors.append("status \(response.status)") }
                        if response.text == "v2" { sawV2 = true }
                    } catch {
                        failed += 1
                        errors.append("request \(index) on its connection: \(error)")
                        break
                    }
                }
            }
            return (ok, failed, sawV2, errors)
        }
        for round in 0..<8 {
            try await Task.sleep(nanoseconds: 150_000_000)
            let message = round % 2 == 0 ? "v2" : "v1"
            try Self.files(message: message)["api.yaml"]!.write(toFile: gateway.directory + "/api.yaml", atomically: true, encoding: .utf8)
            #expect(await reloader.reload(into: gateway.server))
        }
        // A broken file is rejected and the previous definitions keep serving.
        try "openapi: [broken".write(toFile: gateway.directory + "/api.yaml", atomically: true, encoding: .utf8)
        #expect(await reloader.reload(into: gateway.server) == false)
        try await Task.sleep(nanoseconds: 200_000_000)
        done.withLockedValue { $0 = true }
        let result = await load.value
        #expect(result.failed == 0, "\(result.errors)")
        #expect(result.ok > 100)
        #expect(result.sawV2)
        #expect(try gateway.client().request("GET", "/prod/hello").status == 200)
        await gateway.stop()
    }

    @Test func gracefulShutdownFinishesRequestsInFlight() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let upstream = try await FakeUpstream.start(group: group)
        var files = Self.files(message: "v1")
        files["api.yaml"]! += """

              /slow:
                get:
                  x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:\(upstream.port)/delay/500"}
            """
        let gateway = try await TestGateway.start(files: files)
        let port = gateway.port
        let inFlight = Task.detached { () -> Int in
            guard let client = try? RawHTTPClient(port: port) else { return -1 }
            return (try? client.request("GET", "/prod/slow"))?.status ?? -2
        }
        try await Task.sleep(nanoseconds: 150_000_000)
        let started = Date()
        await gateway.server.shutdown(drain: .seconds(5))
        #expect(await inFlight.value == 200)
        #expect(Date().timeIntervalSince(started) < 3)
        // No longer accepting.
        #expect(throws: (any Error).self) { _ = try RawHTTPClient(port: port).request("GET", "/prod/hello") }
        await upstream.stop()
        try await group.shutdownGracefully()
        try? FileManager.default.removeItem(atPath: gateway.directory)
    }
}
