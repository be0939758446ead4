import Foundation
import Logging
import NIOCore
import NIOPosix
import PorticoDefinitions
import PorticoModel
import PorticoPipeline
import PorticoServer

/// The whole gateway in-process on an ephemeral loopback port, built from a portico.yaml text
/// written to a temporary directory with its OpenAPI documents.
public final class TestGateway: Sendable {
    public let server: GatewayServer
    public let port: Int
    public let adminPort: Int?
    public let directory: String

    /// Writes `files` (name → contents) to a new temporary directory, loads `portico.yaml` from it,
    /// and starts serving. Listener ports in the file are replaced by 0 (ephemeral).
    public static func start(files: [String: String], group: EventLoopGroup? = nil) async throws -> TestGateway {
        let directory = try makeTemporaryDirectory()
        do {
            return try await start(files: files, directory: directory, group: group)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    private static func start(files: [String: String], directory: String, group: EventLoopGroup?) async throws -> TestGateway {
        for (name, contents) in files {
            try contents.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        let (config, gateway, diagnostics) = ConfigReloader.loadAndCompile(path: directory + "/portico.yaml")
        guard var config, let gateway else { throw TestGatewayError.invalid(diagnostics.map(\.description)) }
        config.listeners = config.listeners.map { var listener = $0; listener.port = 0; return listener }
        if config.admin != nil { config.admin!.port = 0 }
        var logger = Logger(label: "portico.test")
        logger.logLevel = .warning
        let server = try GatewayServer(config: config, gateway: gateway, logger: logger, group: group as? MultiThreadedEventLoopGroup)
        try await server.start()
        let port = server.listenerAddresses.withLockedValue { $0.first?.port } ?? 0
        let adminPort = server.adminAddress.withLockedValue { $0?.port }
        return TestGateway(server: server, port: port, adminPort: adminPort, directory: directory)
    }

    private init(server: GatewayServer, port: Int, adminPort: Int?, directory: String) {
        self.server = server
        self.port = port
        self.adminPort = adminPort
        self.directory = directory
    }

    /// Stops serving and removes the gateway's temporary directory.
    public func stop() async {
        await server.shutdown(drain: .seconds(2))
        try? FileManager.default.removeItem(atPath: directory)
    }

    public func client() throws -> RawHTTPClient {
        try RawHTTPClient(port: port)
    }

    public enum TestGatewayError: Error, CustomStringConvertible {
        case invalid([String])
        public var description: String {
            switch self {
            case .invalid(let diagnostics): return "invalid test configuration:\n" + diagnostics.joined(separator: "\n")
            }
        }
    }
}

/// A fresh directory under the system's temporary directory.
public func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/portico-test-XXXXXX".utf8CString)
    guard let pointer = mkdtemp(&template) else { throw TestGateway.TestGatewayError.invalid(["mkdtemp failed"]) }
    return String(cString: pointer)
}
