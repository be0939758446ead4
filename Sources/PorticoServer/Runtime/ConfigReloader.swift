import Foundation
import Logging
import PorticoDefinitions
import PorticoModel
import PorticoPipeline

/// Loads and compiles a project file, and reloads it on demand (SIGHUP) or when one of its files
/// changes: the new definitions are compiled first; a broken file keeps the old ones serving.
public final class ConfigReloader: @unchecked Sendable {
    public let path: String
    private let logger: Logger
    private let lock = NSLock()
    private var fingerprints: [String: Date] = [:]

    public init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
    }


    public static func loadAndCompile(path: String) -> (config: ProjectConfig?, gateway: CompiledGateway?, diagnostics: [Diagnostic]) {
        let (config, readDiagnostics) = ProjectReader.load(path: path)
        guard let config else { return (nil, nil, readDiagnostics) }
        let (gateway, compileDiagnostics) = Compiler.compile(config)
        var diagnostics = readDiagnostics + compileDiagnostics
        let format = AccessLogFormat(config.accessLog.format)
        for variable in format.unknownVariables {
            diagnostics.append(Diagnostic(.warning, "the access log format uses $context.\(variable), which Portico does not provide; it prints '-'", at: SourceLocation(file: path, pointer: "/accessLog/format")))
        }
        return (config, gateway, diagnostics)
    }

    /// Remembers the modification times of `files`, so `changed()` can tell when to reload.
    public func watch(_ files: [String]) {
        lock.withLock { fingerprints = Dictionary(files.map { ($0, Self.modificationDate($0)) }, uniquingKeysWith: { first, _ in first }) }
    }

    /// Whether any watched file changed since `watch`.
    public func changed() -> Bool {
        lock.withLock { fingerprints.contains { Self.modificationDate($0.key) != $0.value } }
    }

    /// Compiles the file again (with the management API's deployments, from `sources`) and installs
    /// it on `server` if it compiles; logs why not otherwise.
    @discardableResult
    public func reload(into server: GatewayServer, sources: GatewaySources? = nil) async -> Bool {
        let (config, fileGateway, fileDiagnostics) = Self.loadAndCompile(path: path)
        if let config { watch(config.sourceFiles) }
        var gateway = fileGateway
        var diagnostics = fileDiagnostics
        if let config, fileGateway != nil, let sources {
            (gateway, diagnostics) = sources.replaceProject(config)
        }
        guard let gateway else {
            for diagnostic in diagnostics where diagnostic.severity == .error {
                logger.error("reload rejected: \(diagnostic)")
            }
            logger.error("reload rejected: the previous definitions keep serving")
            return false
        }
        await server.install(gateway)
        logger.info("reloaded", metadata: ["portico.config": "\(path)", "portico.apis": "\(gateway.apis.count)"])
        return true
    }

    static func modificationDate(_ path: String) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
    }
}
