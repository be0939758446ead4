import Foundation
import PorticoTesting
import Testing

/// Mutual TLS with certificates the test makes itself: a listener that requires client
/// certificates from its truststore; untrusted, expired and wrong-purpose certificates refused at
/// the handshake; the accepted certificate in `$context.identity.clientCert`.
@Suite(.serialized) struct MutualTLSTests {
    static let hasCurl = FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")

    /// curl's body and status, or its exit status when the connection failed.
    static func curl(_ port: Int, _ path: String, certificate: String?, key: String?, host: String? = nil) async throws -> (status: Int32, output: String) {
        var arguments = ["-sk", "-m", "5", "-w", "\n%{http_code}"]
        if let certificate, let key { arguments += ["--cert", certificate, "--key", key] }
        var url = "https://127.0.0.1:\(port)\(path)"
        if let host {
            arguments += ["--resolve", "\(host):\(port):127.0.0.1"]
            url = "https://\(host):\(port)\(path)"
        }
        let finalArguments = arguments + [url]
        return try await runProgram("/usr/bin/curl", finalArguments, includeErrors: false)
    }

    @Test(.enabled(if: hasCurl), .timeLimit(.minutes(1))) func listenerRequiresTrustedClientCertificates() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let authority = try TestCertificateAuthority(name: "Portico Test CA")
        let stranger = try TestCertificateAuthority(name: "Someone Else's CA")
        func write(_ name: String, _ pair: (certificate: String, key: String)) throws -> (String, String) {
            try pair.certificate.write(toFile: "\(directory)/\(name).pem", atomically: true, encoding: .utf8)
            try pair.key.write(toFile: "\(directory)/\(name).key", atomically: true, encoding: .utf8)
            return ("\(directory)/\(name).pem", "\(directory)/\(name).key")
        }
        try authority.pem.write(toFile: "\(directory)/truststore.pem", atomically: true, encoding: .utf8)
        _ = try write("server", try authority.issue("localhost", purpose: .server))
        let good = try write("good", try authority.issue("alice.client", purpose: .client))
        let untrusted = try write("untrusted", try stranger.issue("mallory.client", purpose: .client))
        let expired = try write("expired", try authority.issue("old.client", purpose: .client, validFrom: Date().addingTimeInterval(-86_400 * 3), until: Date().addingTimeInterval(-86_400)))
        let serverOnly = try write("server-purpose", try authority.issue("not.a.client", purpose: .server))
        let gateway = try await TestGateway.start(files: [
            "portico.yaml": """
                listeners: [{port: 0, tls: {certificate: \(directory)/server.pem, key: \(directory)/server.key, truststore: \(directory)/truststore.pem}}]
                accessLog: {enabled: false}
                apis: [{name: a, definition: api.yaml, stages: [{name: prod}]}]
                """,
            "api.yaml": """
                openapi: 3.0.1
                info: {title: a, version: "1"}
                paths:
                  /whoami:
                    get:
                      x-amazon-apigateway-integration:
                        type: mock
                        requestTemplates: {application/json: '{"statusCode": 200}'}
                        responses:
                          default:
                            statusCode: "200"
                            responseTemplates: {application/json: '$context.identity.clientCert.subjectDN | $context.identity.clientCert.issuerDN | $context.identity.clientCert.validity.notAfter'}
                """,
        ])
        defer { Task { await gateway.stop() } }
        let accepted = try await Self.curl(gateway.port, "/prod/whoami", certificate: good.0, key: good.1)
        #expect(accepted.status == 0)
        let lines = accepted.output.split(separator: "\n")
        #expect(lines.last == "200", "\(accepted.output)")
        #expect(lines.first?.contains("CN=alice.client") == true, "\(accepted.output)")
        #expect(lines.first?.contains("| O=Portico Tests,CN=Portico Test CA |") == true || lines.first?.contains("CN=Portico Test CA") == true, "\(accepted.output)")
        #expect(lines.first?.hasSuffix(" GMT") == true, "\(accepted.output)")
        // Refused during the handshake: no HTTP status at all.
        for (name, pair) in [("no certificate", (String?.none, String?.none)), ("untrusted", (untrusted.0, untrusted.1)), ("expired", (expired.0, expired.1)), ("wrong purpose", (serverOnly.0, serverOnly.1))] {
            let refused = try await Self.curl(gateway.port, "/prod/whoami", certificate: pair.0, key: pair.1)
            #expect(!refused.output.hasSuffix("200"), "\(name): \(refused.output)")
            #expect(refused.status != 0 || refused.output.hasSuffix("000"), "\(name): \(refused)")
        }
    }
}
