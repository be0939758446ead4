import Logging
import NIOCore
import PorticoModel
import PorticoPipeline

/// The functions of portico.yaml, each with its own instances: the data plane's `FunctionInvoker`.
public final class FunctionPool: FunctionInvoker {
    private let runtimes: [String: FunctionRuntime]

    public init(functions: [FunctionConfig], group: EventLoopGroup, logger: Logger, region: String = "us-east-1") {
        var runtimes: [String: FunctionRuntime] = [:]
        for function in functions {
            runtimes[function.name] = FunctionRuntime(config: function, group: group, logger: logger, region: region)
        }
        self.runtimes = runtimes
    }

    /// Starts each function's warm instances.
    public func start() async {
        for runtime in runtimes.values { await runtime.startWarmInstances() }
    }

    public func invoke(_ function: String, functionARN: String, payload: [UInt8], timeoutMillis: Int) async -> FunctionOutcome {
        guard let runtime = runtimes[function] else { return .failure("no function named \(function)") }
        return await runtime.invoke(payload: payload, functionARN: functionARN, timeoutMillis: timeoutMillis)
    }

    /// Stops every instance (SIGTERM, then SIGKILL after `grace` seconds).
    public func shutdown(grace: Double = 2) async {
        for runtime in runtimes.values { await runtime.shutdown(grace: grace) }
    }
}
