import Foundation
import Logging
import PorticoFunctions
import PorticoModel

/// Processes started beside the gateway (e.g. the example's demo backend): started before the
/// listeners open, stopped when Portico exits.
public final class Sidecars: @unchecked Sendable {
    private var processes: [(SidecarConfig, pid_t)] = []
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Starts every sidecar and waits (up to 10 s each) for its `readyPort` to accept connections.
    public func start(_ sidecars: [SidecarConfig]) throws {
        for sidecar in sidecars {
            if let port = sidecar.readyPort, Self.canConnect(port: port) {
                throw SidecarError.portInUse(sidecar.name, port)
            }
            var environment = ProcessInfo.processInfo.environment
            for (key, value) in sidecar.environment { environment[key] = value }
            let pid = try Self.spawn(sidecar.command, directory: sidecar.workingDirectory, environment: environment)
            processes.append((sidecar, pid))
            logger.info("sidecar started", metadata: ["portico.sidecar": "\(sidecar.name)", "portico.pid": "\(pid)"])
            if let port = sidecar.readyPort {
                let deadline = Date().addingTimeInterval(10)
                while !Self.canConnect(port: port) {
                    if let status = Self.exitStatus(pid) { throw SidecarError.exited(sidecar.name, status) }
                    guard Date() < deadline else { throw SidecarError.notReady(sidecar.name, port) }
                    usleep(50_000)
                }
            }
        }
    }

    static func spawn(_ command: [String], directory: String?, environment: [String: String]) throws -> pid_t {
        do {
            return try ChildProcess.spawn(command, directory: directory, environment: environment)
        } catch {
            throw SidecarError.cannotStart(command.joined(separator: " "), -1)
        }
    }

    /// Sends SIGTERM, waits up to 5 s, then SIGKILL, reaping with `waitpid`. (Foundation's
    /// `Process.waitUntilExit` was seen spinning forever here on a child that had exited.)
    public func stop() {
        var running: [(SidecarConfig, pid_t)] = []
        for (sidecar, pid) in processes {
            guard Self.exitStatus(pid) == nil else { continue }
            kill(pid, SIGTERM)
            running.append((sidecar, pid))
        }
        let deadline = Date().addingTimeInterval(5)
        for (sidecar, pid) in running {
            var status = Self.exitStatus(pid)
            while status == nil && Date() < deadline {
                usleep(20_000)
                status = Self.exitStatus(pid)
            }
            if status == nil {
                kill(pid, SIGKILL)
                _ = waitpid(pid, nil, 0)
                logger.warning("sidecar killed after 5 s", metadata: ["portico.sidecar": "\(sidecar.name)"])
            } else {
                logger.info("sidecar stopped", metadata: ["portico.sidecar": "\(sidecar.name)"])
            }
        }
        processes.removeAll()
    }

    static func exitStatus(_ pid: pid_t) -> Int32? { ChildProcess.exitStatus(pid) }

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
        case exited(String, Int32)
        case portInUse(String, Int)
        case cannotStart(String, Int32)
        public var description: String {
            switch self {
            case .notReady(let name, let port): return "sidecar \(name) did not accept connections on port \(port) within 10 s"
            case .exited(let name, let status): return "sidecar \(name) exited with status \(status) while starting"
            case .cannotStart(let command, let code): return "cannot start '\(command)': error \(code)"
            case .portInUse(let name, let port):
                return "sidecar \(name): port \(port) is already in use (is another instance running?)"
            }
        }
    }
}
