import Foundation
import NIOPosix
import PorticoTesting
import Testing

/// HTTP/2 and TLS, checked with curl (a real client written by others) when it is installed.
@Suite(.serialized) struct TransportTests {
    static let hasCurl = FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")
    static let hasOpenSSL = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")

    static let api = mockAPIDocument(body: #"{"hello": "world"}"#)

    static func run(_ arguments: [String]) throws -> String {
        try runProgram(arguments[0], Array(arguments.dropFirst()), includeErrors: false).output
    }

    @Test(.enabled(if: hasCurl)) func h2cWithPriorKnowledge() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let upstream = try await FakeUpstream.start(group: group)
        let gateway = try await TestGateway.start(files: [
            "portico.yaml": "listeners: [{port: 0}]\naccessLog: {enabled: false}\napis: [{name: a, definition: api.yaml, stages: [{name: prod}]}]",
            "api.yaml": Self.api + """

                  /up/{proxy+}:
                    x-amazon-apigateway-any-method:
                      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "http://127.0.0.1:\(upstream.port)/{proxy}"}
                """,
        ])
        let port = gateway.port
        let output = try await Task.detached {
            try Self.run(["/usr/bin/curl", "-s", "-m", "5", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", "http://127.0.0.1:\(port)/prod/hello"])
        }.value
        #expect(output == "{\"hello\": \"world\"}\n2 200")
        // HTTP/2 requests reach HTTP/1.1 upstreams, bodies included.
        let proxied = try await Task.detached {
            try Self.run(["/usr/bin/curl", "-s", "-m", "5", "--http2-prior-knowledge", "--data-binary", "abc", "http://127.0.0.1:\(port)/prod/up/echo/h2"])
        }.value
        #expect(proxied.contains("method=POST"))
        #expect(proxied.contains("uri=/echo/h2"))
        #expect(proxied.contains("body-bytes=3"))
        // HTTP/1.1 still works on the same listener.
        #expect(try gateway.client().request("GET", "/prod/hello").status == 200)
        await gateway.stop()
        await upstream.stop()
        try await group.shutdownGracefully()
    }

    @Test(.enabled(if: hasCurl && hasOpenSSL)) func tlsWithALPN() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try Self.run([
            "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/key.pem",
            "-out", directory + "/cert.pem", "-days", "1", "-subj", "/CN=localhost",
        ])
        let gateway = try await TestGateway.start(files: [
            "portico.yaml": """
                listeners: [{port: 0, tls: {certificate: \(directory)/cert.pem, key: \(directory)/key.pem}}]
                accessLog: {enabled: false}
                apis: [{name: a, definition: api.yaml, stages: [{name: prod}]}]
                """,
            "api.yaml": Self.api,
        ])
        let port = gateway.port
        let (h2, h1) = try await Task.detached {
            (
                try Self.run(["/usr/bin/curl", "-sk", "-m", "5", "--http2", "-w", "\n%{http_version} %{http_code}", "https://127.0.0.1:\(port)/prod/hello"]),
                try Self.run(["/usr/bin/curl", "-sk", "-m", "5", "--http1.1", "-w", "\n%{http_version} %{http_code}", "https://127.0.0.1:\(port)/prod/hello"])
            )
        }.value
        #expect(h2 == "{\"hello\": \"world\"}\n2 200")
        #expect(h1 == "{\"hello\": \"world\"}\n1.1 200")
        await gateway.stop()
    }
}
