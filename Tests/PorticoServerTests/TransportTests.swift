import Foundation
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
        let gateway = try await TestGateway.start(files: [
            "portico.yaml": "listeners: [{port: 0}]\naccessLog: {enabled: false}\napis: [{name: a, definition: api.yaml, stages: [{name: prod}]}]",
            "api.yaml": Self.api,
        ])
        let port = gateway.port
        let output = try await Task.detached {
            try Self.run(["/usr/bin/curl", "-s", "-m", "5", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", "http://127.0.0.1:\(port)/prod/hello"])
        }.value
        #expect(output == "{\"hello\": \"world\"}\n2 200")
        // HTTP/1.1 still works on the same listener.
        #expect(try gateway.client().request("GET", "/prod/hello").status == 200)
        await gateway.stop()
    }

    @Test(.enabled(if: hasCurl && hasOpenSSL)) func tlsWithALPN() async throws {
        let directory = try makeTemporaryDirectory()
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
