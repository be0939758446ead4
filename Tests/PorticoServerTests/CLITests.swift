import Foundation
import NIOPosix
import PorticoTesting
import Testing

/// The `portico` executable itself, run as a user runs it: validate, routes, serve with streaming
/// under a memory bound, SIGHUP reload and SIGTERM drain.
@Suite(.serialized) struct CLITests {
    /// `swift test` builds the executable beside the test bundle.
    static let binary: String? = {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("portico").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }()

    static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples").path

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProgram(binary!, arguments)
    }

    @Test(.enabled(if: binary != nil)) func validateReportsEveryProblemWithItsPlace() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            apis:
              - name: a
                definition: api.yaml
                stages: [{name: prod}]
            """.write(toFile: directory + "/portico.yaml", atomically: true, encoding: .utf8)
        try """
            openapi: 3.0.1
            info: {title: a, version: "1"}
            paths:
              /a:
                get:
                  x-amazon-apigateway-integration: {type: http_proxy, uri: "http://h/a", timeoutInMillis: 10}
              /b/{x+}/c:
                get:
                  x-amazon-apigateway-integration: {type: mock}
            """.write(toFile: directory + "/api.yaml", atomically: true, encoding: .utf8)
        let (status, output) = try Self.run(["validate", directory + "/portico.yaml"])
        #expect(status == 1)
        #expect(output.contains("\(directory)/api.yaml:6:95 (#/paths/~1a/get/x-amazon-apigateway-integration/timeoutInMillis): error: timeoutInMillis must be between 50 and 29000"))
        #expect(output.contains("api.yaml:8:5 (#/paths/~1b~1{x+}~1c): error: the greedy parameter"))
        #expect(output.contains("2 error(s)"))
    }

    @Test(.enabled(if: binary != nil)) func exampleValidatesAndListsRoutes() throws {
        let validate = try Self.run(["validate", Self.examples + "/petstore/portico.yaml"])
        #expect(validate.status == 0, "\(validate.output)")
        let routes = try Self.run(["routes", Self.examples + "/petstore/portico.yaml"])
        #expect(routes.status == 0)
        #expect(routes.output.contains("GET      /prod/pets/{petId}  →  HTTP_PROXY GET http://127.0.0.1:9001/pets/{petId}"))
        #expect(routes.output.contains("$default /*  →  HTTP_PROXY ANY http://127.0.0.1:9001/echo"))
    }

    @Test(.enabled(if: binary != nil)) func servesStreamsWithBoundedMemoryReloadsAndDrains() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let upstream = try await FakeUpstream.start(group: group)
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = freePort()
        try """
            listeners: [{host: 127.0.0.1, port: \(port)}]
            accessLog: {enabled: true, format: "$context.requestId $context.status", destination: \(directory)/access.log}
            limits: {maxPayloadBytes: 67108864, drainSeconds: 5}
            apis:
              - {name: a, definition: api.yaml, stages: [{name: prod}]}
            """.write(toFile: directory + "/portico.yaml", atomically: true, encoding: .utf8)
        let api = { (version: String) in
            """
            openapi: 3.0.1
            info: {title: a, version: "1"}
            paths:
              /version:
                get:
                  x-amazon-apigateway-integration:
                    type: mock
                    requestTemplates: {application/json: '{"statusCode": 200}'}
                    responses: {default: {statusCode: "200", responseTemplates: {application/json: '\(version)'}}}
              /up/{proxy+}:
                x-amazon-apigateway-any-method:
                  x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "http://127.0.0.1:\(upstream.port)/{proxy}"}
            """
        }
        try api("v1").write(toFile: directory + "/api.yaml", atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary!)
        process.arguments = ["serve", directory + "/portico.yaml", "--log-level", "warning"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var client: RawHTTPClient?
        for _ in 0..<100 where client == nil {
            client = try? RawHTTPClient(port: port)
            if client == nil { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        let connection = try #require(client)
        #expect(try connection.request("GET", "/prod/version").text == "v1")
        let before = Self.peakResidentMegabytes(pid: process.processIdentifier)

        // 50 MB up and 50 MB down through the proxy.
        let size = 50 * 1024 * 1024
        try connection.send("POST /prod/up/sink HTTP/1.1\r\nHost: a\r\nContent-Length: \(size)\r\n\r\n")
        let chunk = [UInt8](repeating: UInt8(ascii: "z"), count: 1 << 20)
        for _ in 0..<50 { try connection.send(chunk) }
        #expect(try connection.readResponse().text == "\(size)")
        try connection.send("GET /prod/up/stream/\(size) HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try connection.readResponseCountingBody().bytes == size)
        let growth = Self.peakResidentMegabytes(pid: process.processIdentifier) - before
        #expect(growth < 16, "peak resident memory grew by \(growth) MB for 100 MB streamed")

        // SIGHUP reloads the changed definition.
        try api("v2").write(toFile: directory + "/api.yaml", atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        var version = ""
        for _ in 0..<50 where version != "v2" {
            try await Task.sleep(nanoseconds: 100_000_000)
            version = (try? RawHTTPClient(port: port).request("GET", "/prod/version").text) ?? ""
        }
        #expect(version == "v2")

        // A changed file reloads by itself (polled once a second).
        try api("v3").write(toFile: directory + "/api.yaml", atomically: true, encoding: .utf8)
        for _ in 0..<50 where version != "v3" {
            try await Task.sleep(nanoseconds: 100_000_000)
            version = (try? RawHTTPClient(port: port).request("GET", "/prod/version").text) ?? ""
        }
        #expect(version == "v3")

        // SIGTERM: a request in flight still completes, then the process exits 0.
        let slow = Task.detached { try? RawHTTPClient(port: port).request("GET", "/prod/up/delay/400").status }
        try await Task.sleep(nanoseconds: 150_000_000)
        kill(process.processIdentifier, SIGTERM)
        #expect(await slow.value == 200)
        for _ in 0..<100 where process.isRunning { try await Task.sleep(nanoseconds: 50_000_000) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        let log = (try? String(contentsOfFile: directory + "/access.log", encoding: .utf8)) ?? ""
        #expect(log.split(separator: "\n").contains { $0.hasSuffix(" 200") && $0.count == 40 })
        await upstream.stop()
        try await group.shutdownGracefully()
    }

    @Test(.enabled(if: binary != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func sidecarsStartFirstAndStopWithPortico() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = freePort()
        var sidecarPort = freePort()
        while sidecarPort == port { sidecarPort = freePort() }
        try """
            listeners: [{host: 127.0.0.1, port: \(port)}]
            accessLog: {enabled: false}
            sidecars:
              - {name: files, command: [python3, -m, http.server, "\(sidecarPort)", --bind, 127.0.0.1], readyPort: \(sidecarPort)}
            apis:
              - {name: a, definition: api.yaml, stages: [{name: prod, variables: {up: "127.0.0.1:\(sidecarPort)"}}]}
            """.write(toFile: directory + "/portico.yaml", atomically: true, encoding: .utf8)
        try """
            openapi: 3.0.1
            info: {title: a, version: "1"}
            paths:
              /files/{proxy+}:
                get:
                  x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.up}/{proxy}"}
            """.write(toFile: directory + "/api.yaml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary!)
        process.arguments = ["serve", directory + "/portico.yaml", "--log-level", "warning"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var response: RawHTTPClient.Response?
        for _ in 0..<100 where response == nil {
            response = try? RawHTTPClient(port: port).request("GET", "/prod/files/api.yaml")
            if response == nil { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        // The sidecar serves the project's directory (its working directory).
        #expect(response?.status == 200)
        #expect(response?.text.contains("openapi: 3.0.1") == true)
        let started = Date()
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 where process.isRunning { try await Task.sleep(nanoseconds: 50_000_000) }
        #expect(!process.isRunning)
        #expect(Date().timeIntervalSince(started) < 3)
        // The sidecar is gone with it.
        #expect(throws: (any Error).self) { _ = try RawHTTPClient(port: sidecarPort) }
    }

    static func peakResidentMegabytes(pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
        return 0
    }
}
