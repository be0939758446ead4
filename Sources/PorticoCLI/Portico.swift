import ArgumentParser
import Foundation
import Logging
import PorticoDefinitions
import PorticoFunctions
import PorticoModel
import NIOCore
import NIOPosix
import PorticoPipeline
import PorticoAdmin
import PorticoServer
import PorticoStorage
import PorticoStorageSQLite

@main
struct Portico: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portico",
        abstract: "A self-hosted API gateway that serves AWS API Gateway definitions.",
        subcommands: [Serve.self, Validate.self, Routes.self, Render.self, Import.self, Export.self, Deploy.self],
        defaultSubcommand: Serve.self
    )
}

/// Prints diagnostics as `file:line:column (#pointer): severity: message`.
func printDiagnostics(_ diagnostics: [Diagnostic]) {
    for diagnostic in diagnostics {
        FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile a project without serving it and report every problem.",
        discussion: "Exits 1 when there are errors; with --strict also when something is unsupported."
    )

    @Argument(help: "The project file (portico.yaml or .json).")
    var config: String

    @Flag(help: "Fail on unsupported features too.")
    var strict = false

    func run() throws {
        let (_, gateway, diagnostics) = ConfigReloader.loadAndCompile(path: config)
        printDiagnostics(diagnostics)
        let errors = diagnostics.filter { $0.severity == .error }.count
        let unsupported = diagnostics.filter { $0.severity == .unsupported }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        print("\(config): \(errors) error(s), \(unsupported) unsupported, \(warnings) warning(s)")
        if gateway == nil || errors > 0 || (strict && unsupported > 0) { throw ExitCode(1) }
    }
}

struct Routes: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the compiled route table.")

    @Argument(help: "The project file (portico.yaml or .json).")
    var config: String

    func run() throws {
        let (_, gateway, diagnostics) = ConfigReloader.loadAndCompile(path: config)
        guard let gateway else {
            printDiagnostics(diagnostics)
            throw ExitCode(1)
        }
        for api in gateway.apis {
            print("\(api.type.rawValue) API \(api.name) (id \(api.id))")
            for stage in api.stageList {
                let prefix = stage.name == "$default" ? "" : "/\(stage.name)"
                print("  stage \(stage.name): http://\(api.id).execute-api.localhost\(prefix)/")
                for route in stage.routeList {
                    let path = route.resourcePath.isEmpty ? "/*" : route.resourcePath
                    let method = route.resourcePath.isEmpty ? "$default" : route.method
                    print("    \(method.padding(toLength: 8, withPad: " ", startingAt: 0)) \(prefix)\(path)  →  \(route.integration.summary)")
                }
            }
        }
    }
}

extension IntegrationPlan {
    var summary: String {
        switch self {
        case .mock: return "MOCK"
        case .http(let plan):
            let scheme = plan.upstream.tls ? "https" : "http"
            let path = plan.pathPieces.map { piece -> String in
                switch piece {
                case .literal(let text): return text
                case .parameter(let name): return "{\(name)}"
                }
            }.joined()
            return "\(plan.isProxy ? "HTTP_PROXY" : "HTTP") \(plan.method?.rawValue ?? "ANY") \(scheme)://\(plan.upstream.hostHeader)\(path)"
        case .function(let plan): return "\(plan.proxy ? "AWS_PROXY" : "AWS") function \(plan.functionName) (payload \(plan.payloadVersion))"
        case .unavailable(let error, let reason): return "unavailable (\(error.rawValue)): \(reason)"
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the APIs of a project file, and the management API on its admin listener.",
        discussion: """
            --dev starts a gateway for development that needs no file: the AWS-compatible management \
            API, the APIs it deploys (at /restapis/{apiId}/{stage}/_user_request_/… and by Host \
            {apiId}.execute-api.localhost) and POST /moto-api/reset share one loopback port, so AWS \
            tools need one --endpoint-url. Calls need no signature there; state is kept in memory \
            unless --state names a SQLite file.
            """
    )

    @Argument(help: "The project file (portico.yaml or .json). Default portico.yaml; optional with --dev.")
    var config: String?

    @Flag(help: "Development mode: management API and data plane on one port.")
    var dev = false

    @Option(help: "Port of the development-mode listener (default 4566).")
    var port: Int = 4566

    @Option(help: "SQLite file for the management API's state in development mode (default: in memory).")
    var state: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "portico")
        let path = config ?? (dev ? nil : "portico.yaml")
        var project = ProjectConfig(listeners: [], accessLog: AccessLogConfig(enabled: false))
        if let path {
            let (loaded, compiled, diagnostics) = ConfigReloader.loadAndCompile(path: path)
            for diagnostic in diagnostics {
                switch diagnostic.severity {
                case .error: logger.error("\(diagnostic)")
                case .unsupported, .warning: logger.warning("\(diagnostic)")
                }
            }
            guard let loaded, compiled != nil else {
                logger.critical("the configuration has errors; nothing is served")
                throw ExitCode(1)
            }
            project = loaded
        }
        if dev {
            project.listeners.append(ListenerConfig(host: "127.0.0.1", port: port))
        }

        // The management API: on the admin listener, or on the development port.
        var management: ManagementAPI?
        if dev || project.admin != nil {
            let stateFile = dev ? state : project.admin?.stateFile
            let store: any ConfigStore
            do {
                if let stateFile {
                    try FileManager.default.createDirectory(atPath: (stateFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    store = try SQLiteConfigStore(path: stateFile)
                } else {
                    store = InMemoryConfigStore()
                }
                management = try ManagementAPI(store: store, settings: ManagementAPI.Settings(
                    allowsReset: dev, credentials: dev ? [:] : project.admin?.credentials ?? [:]))
            } catch {
                logger.critical("cannot open the management state \(stateFile ?? "in memory"): \(error)")
                throw ExitCode(1)
            }
            logger.info("management API", metadata: ["portico.state": "\(stateFile ?? "in memory")"])
        }

        let sources = GatewaySources(project: project, logger: logger)
        if let management {
            // Quotas and usage continue from the stored counts.
            sources.traffic.seed(await management.usageRecords())
            await management.setFileAPIs(project.apis)

            _ = sources.replaceManaged(await management.deployed())
        }
        let (compiled, diagnostics) = sources.compile()
        guard let gateway = compiled else {
            for diagnostic in diagnostics where diagnostic.severity == .error { logger.error("\(diagnostic)") }
            throw ExitCode(1)
        }
        for (key, value) in sources.traffic.generatedKeys.sorted(by: { $0.key < $1.key }) {
            logger.notice("generated API key", metadata: ["portico.apiKey": "\(key)", "portico.value": "\(value)"])
        }

        let sidecars = Sidecars(logger: logger)
        do {
            try sidecars.start(project.sidecars)
        } catch {
            sidecars.stop()
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        // Functions run on the same event loops as the data plane.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: project.limits.eventLoops ?? System.coreCount)
        let pool = project.functions.isEmpty ? nil : FunctionPool(functions: project.functions, group: group, logger: logger)
        await pool?.start()
        let remote = project.remoteLambda.map { RemoteLambda(config: $0, logger: logger) }
        let functions: (any FunctionInvoker)? = pool == nil && remote == nil ? nil
            : FunctionRouter(local: pool, localNames: Set(project.functions.map(\.name)), remote: remote)
        await management?.setTestInvoker(PipelineTestInvoker(limits: project.limits, functions: functions, functionNames: project.functions.map(\.name), remoteLambda: remote != nil))
        let server: GatewayServer
        do {
            server = try GatewayServer(
                config: project, gateway: gateway, logger: logger, group: group, management: management,
                managementOnDataPlane: dev, functions: functions)
            try await server.start()
        } catch {
            await pool?.shutdown()
            sidecars.stop()
            throw error
        }
        await management?.setOnDeploy { deployed in
            if let gateway = sources.replaceManaged(deployed) { await server.install(gateway) }
        }
        let caches = server.stageCaches
        await management?.setOnFlushCache { stage in caches.flush(stage) }
        let reloader = path.map { ConfigReloader(path: $0, logger: logger) }
        reloader?.watch(project.sourceFiles)
        let signals = SignalWatcher()
        for api in gateway.apis {
            for stage in api.stageList {
                logger.info("serving", metadata: ["portico.api": "\(api.name)", "portico.api.id": "\(api.id)", "portico.stage": "\(stage.name)", "portico.routes": "\(stage.routeList.count)"])
            }
        }
        // Wait for a signal; reload on SIGHUP or when a definition file changes. Usage counts are
        // stored on every pass (at least once a second), so a crash loses at most a second of them.
        while true {
            let event = await signals.next(timeout: 1.0)
            await management?.recordUsage(sources.traffic.changedUsage())
            switch event {
            case .reload:
                logger.info("SIGHUP: reloading")
                if await reloader?.reload(into: server, sources: sources) == true {
                    await management?.setFileAPIs(sources.project.apis)
                }
            case .stop(let name):
                logger.info("\(name): draining", metadata: ["portico.drain.seconds": "\(project.limits.drainSeconds)"])
                await server.shutdown(drain: .seconds(Int64(project.limits.drainSeconds)))
                await management?.recordUsage(sources.traffic.changedUsage())
                await pool?.shutdown()
                sidecars.stop()
                try? await group.shutdownGracefully()
                logger.info("stopped")
                return
            case nil:
                if let reloader, reloader.changed() {
                    logger.info("a definition file changed: reloading")
                    if await reloader.reload(into: server, sources: sources) {
                        await management?.setFileAPIs(sources.project.apis)
                    }
                }
            }
        }
    }
}
