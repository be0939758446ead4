/// Runs functions for the data plane. The pipeline declares it; the server wires the local pool
/// (PorticoFunctions) that runs functions through the Lambda Runtime API.
public protocol FunctionInvoker: Sendable {
    /// Invokes `function` with `payload` and waits for its outcome, at most `timeoutMillis` (the
    /// integration's timeout; the function's own timeout may be shorter).
    func invoke(_ function: String, functionARN: String, payload: [UInt8], timeoutMillis: Int) async -> FunctionOutcome
}
