import Logging
import NIOConcurrencyHelpers
import PorticoModel
import PorticoPipeline

/// Where the served definitions come from: the project file and the management API's deployments.
/// Either side changing recompiles both into one snapshot; the file's APIs come first, so a stage
/// name they use wins at `/{stage}`. A managed API that does not compile is left out (and logged)
/// rather than taking the file's APIs down with it.
public final class GatewaySources: Sendable {
    private struct Sources {
        var project: ProjectConfig
        var managed = DeployedDefinitions()
    }

    private let sources: NIOLockedValueBox<Sources>
    private let logger: Logger
    /// Throttle buckets, quota counts and generated API keys, kept across every recompilation.
    public let traffic = TrafficRegistry()

    public init(project: ProjectConfig, logger: Logger) {
        self.sources = NIOLockedValueBox(Sources(project: project))
        self.logger = logger
    }

    public var project: ProjectConfig { sources.withLockedValue { $0.project } }

    /// Compiles `project` with the current managed APIs; on success it becomes the project.
    public func replaceProject(_ project: ProjectConfig) -> (CompiledGateway?, [Diagnostic]) {
        let managed = sources.withLockedValue { $0.managed }
        let (gateway, diagnostics) = Self.compile(project: project, managed: managed, logger: logger, traffic: traffic)
        if gateway != nil { sources.withLockedValue { $0.project = project } }
        return (gateway, diagnostics)
    }

    /// Compiles the project with `managed` in place of what the management API deployed before.
    public func replaceManaged(_ managed: DeployedDefinitions) -> CompiledGateway? {
        let project = sources.withLockedValue { sources in
            sources.managed = managed
            return sources.project
        }
        return Self.compile(project: project, managed: managed, logger: logger, traffic: traffic).0
    }

    public func compile() -> (CompiledGateway?, [Diagnostic]) {
        let (project, managed) = sources.withLockedValue { ($0.project, $0.managed) }
        return Self.compile(project: project, managed: managed, logger: logger, traffic: traffic)
    }

    static func compile(project: ProjectConfig, managed: DeployedDefinitions, logger: Logger, traffic: TrafficRegistry) -> (CompiledGateway?, [Diagnostic]) {
        var combined = project
        combined.customDomains += managed.domains
        combined.apiKeys += managed.apiKeys
        combined.usagePlans += managed.usagePlans
        var accepted: [APIDefinition] = []
        for api in managed.apis {
            var alone = project
            alone.apis = [api]
            let (gateway, diagnostics) = Compiler.compile(alone)
            if gateway == nil {
                for diagnostic in diagnostics where diagnostic.severity == .error {
                    logger.error("deployment of API \(api.id) not served: \(diagnostic.message)")
                }
                continue
            }
            accepted.append(api)
        }
        combined.apis += accepted
        return Compiler.compile(combined, traffic: traffic)
    }
}
