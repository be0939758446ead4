import Foundation
import Logging
import PorticoModel

/// Processes started beside the gateway (e.g. the example's demo backend): started before the
/// listeners open, stopped when Portico exits.
public final class Sidecars: @unchecked Sendable {
    private var processes: [(SidecarConfig, Process)] = []
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Starts every sidecar and waits (up to 10 s each) for its `readyPort` to accept connections.
    public func start(_ sidecars: [SidecarConfig]) throws {
        for sidecar in sidecars {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = sidecar.command
            if let directory = sidecar.workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            var environment = ProcessInfo.processInfo.environment
            for (key, value) in sidecar.environment { environment[key] = value }
            process.environment = environment
            try process.run()
            processes.append((sidecar, process))
            logger.info("sidecar started", metadata: ["portico.sidecar": "\(sidecar.name)", "portico.pid": "\(process.processIdentifier)"])
            if let port = sidecar.readyPort, !Self.waitForPort(port, seconds: 10) {
                throw SidecarError.notReady(sidecar.name, port)
            }
        }
    }

    public func stop() {
        for (sidecar, process) in processes where process.isRunning {
            process.terminate()
            logger.info("sidecar stopped", metadata: ["portico.sidecar": "\(sidecar.name)"])
        }
        for (_, process) in processes { process.waitUntilExit() }
        processes.removeAll()
    }

    static func waitForPort(_ port: Int, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if canConnect(port: port) { return true }
            usleep(50_000)
        }
        return false
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    public enum SidecarError: Error, CustomStringConvertible {
        case notReady(String, Int)
        public var description: String {
            switch self {
            case .notReady(let name, let port): return "sidecar \(name) did not accept connections on port \(port) within 10 s"
            }
        }
    }
}
