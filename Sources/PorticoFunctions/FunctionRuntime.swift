import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PorticoModel
import PorticoPipeline

/// One function's instances and the invocations waiting for them. An instance is a process that
/// speaks the Lambda Runtime API to its own loopback listener (`AWS_LAMBDA_RUNTIME_API`), so every
/// call it makes is known to be its own. Invocations go to an idle instance, else wait in a bounded
/// queue while a new instance starts (up to `maxConcurrency`); beyond the queue they are throttled.
/// An instance that passes the timeout is killed; one that exits is replaced on the next demand.
actor FunctionRuntime {
    let config: FunctionConfig
    let group: EventLoopGroup
    let logger: Logger
    let region: String

    /// What `invocation/next` hands an instance.
    struct Work: Sendable {
        var id: String
        var payload: [UInt8]
        var functionARN: String
        var deadlineMillis: Int64
    }

    final class Instance {
        enum State { case starting, waiting, busy(String), stopping }
        let id: Int
        var state: State = .starting
        var pid: pid_t = 0
        var listener: Channel?
        /// The runtime's long-polling `next` call, while it waits for work.
        var waiter: CheckedContinuation<Work?, Never>?
        /// For tagging the instance's output with the request it is handling (read by the log thread).
        let currentRequest = NIOLockedValueBox<String?>(nil)
        let startedNanos = DispatchTime.now().uptimeNanoseconds
        init(id: Int) { self.id = id }
    }

    final class Invocation {
        let id: String
        let payload: [UInt8]
        let functionARN: String
        let deadlineMillis: Int64
        let startedNanos = DispatchTime.now().uptimeNanoseconds
        var continuation: CheckedContinuation<FunctionOutcome, Never>?
        var instance: Int?
        init(id: String, payload: [UInt8], functionARN: String, deadlineMillis: Int64) {
            self.id = id
            self.payload = payload
            self.functionARN = functionARN
            self.deadlineMillis = deadlineMillis
        }

        var work: Work { Work(id: id, payload: payload, functionARN: functionARN, deadlineMillis: deadlineMillis) }
    }

    private var instances: [Int: Instance] = [:]
    private var nextInstanceID = 1
    private var queue: [Invocation] = []
    private var inFlight: [String: Invocation] = [:]
    private var shuttingDown = false

    init(config: FunctionConfig, group: EventLoopGroup, logger: Logger, region: String) {
        self.config = config
        self.group = group
        var logger = logger
        logger[metadataKey: "portico.function"] = "\(config.name)"
        self.logger = logger
        self.region = region
    }

    // MARK: Invocations

    func invoke(payload: [UInt8], functionARN: String, timeoutMillis: Int) async -> FunctionOutcome {
        let timeout = min(Int(config.timeoutSeconds * 1000), timeoutMillis)
        let invocation = Invocation(
            id: UUID().uuidString.lowercased(), payload: payload, functionARN: functionARN,
            deadlineMillis: Self.epochMillis() + Int64(timeout)
        )
        let id = invocation.id
        return await withCheckedContinuation { continuation in
            invocation.continuation = continuation
            inFlight[id] = invocation
            dispatch(invocation)
            Task { [weak self] in
                try? await Task.sleep(nanoseconds: UInt64(timeout) * 1_000_000)
                await self?.expire(id: id)
            }
        }
    }

    private func dispatch(_ invocation: Invocation) {
        if shuttingDown { return finish(invocation, .failure("Portico is shutting down")) }
        if let instance = instances.values.first(where: { $0.waiter != nil }) {
            hand(invocation, to: instance)
            return
        }
        guard queue.count < config.queueLimit else {
            return finish(invocation, .throttled)
        }
        queue.append(invocation)
        let starting = instances.values.filter { if case .starting = $0.state { return true } else { return false } }.count
        if starting < queue.count, instances.count < config.maxConcurrency {
            startInstance()
        }
    }

    private func hand(_ invocation: Invocation, to instance: Instance) {
        let waiter = instance.waiter
        instance.waiter = nil
        instance.state = .busy(invocation.id)
        instance.currentRequest.withLockedValue { $0 = invocation.id }
        invocation.instance = instance.id
        logger.info("START RequestId: \(invocation.id) Version: $LATEST", metadata: ["portico.instance": "\(instance.id)"])
        waiter?.resume(returning: invocation.work)
    }

    /// Resolves an invocation once; later outcomes (a response after a timeout) are dropped.
    private func finish(_ invocation: Invocation, _ outcome: FunctionOutcome) {
        guard let continuation = invocation.continuation else { return }
        invocation.continuation = nil
        inFlight[invocation.id] = nil
        queue.removeAll { $0 === invocation }
        if invocation.instance != nil {
            let millis = Double(DispatchTime.now().uptimeNanoseconds - invocation.startedNanos) / 1_000_000
            logger.info("END RequestId: \(invocation.id)")
            logger.info("REPORT RequestId: \(invocation.id) Duration: \(String(format: "%.2f", millis)) ms Memory Size: \(config.memoryMB) MB")
        }
        continuation.resume(returning: outcome)
    }

    private func expire(id: String) {
        guard let invocation = inFlight[id], invocation.continuation != nil else { return }
        logger.error("Task timed out after \(String(format: "%.2f", config.timeoutSeconds)) seconds", metadata: ["portico.request.id": "\(invocation.id)"])
        if let id = invocation.instance, let instance = instances[id] {
            // The instance is stuck in this invocation: stop it; the next demand starts a new one.
            instance.state = .stopping
            if instance.pid > 0 { kill(instance.pid, SIGKILL) }
        }
        finish(invocation, .timeout)
    }

    // MARK: The Runtime API (called by each instance's listener)

    /// `GET /runtime/invocation/next`: the next invocation for this instance, when there is one.
    func next(instanceID: Int) async -> Work? {
        guard let instance = instances[instanceID] else { return nil }
        if case .stopping = instance.state { return nil }
        if case .starting = instance.state {
            logger.info("instance ready", metadata: ["portico.instance": "\(instanceID)", "portico.init.ms": "\((DispatchTime.now().uptimeNanoseconds - instance.startedNanos) / 1_000_000)"])
        }
        instance.state = .waiting
        instance.currentRequest.withLockedValue { $0 = nil }
        while let invocation = queue.first {
            queue.removeFirst()
            guard invocation.continuation != nil else { continue }
            instance.waiter = nil
            instance.state = .busy(invocation.id)
            instance.currentRequest.withLockedValue { $0 = invocation.id }
            invocation.instance = instance.id
            logger.info("START RequestId: \(invocation.id) Version: $LATEST", metadata: ["portico.instance": "\(instance.id)"])
            return invocation.work
        }
        return await withCheckedContinuation { continuation in
            instance.waiter = continuation
        }
    }

    /// `POST /runtime/invocation/{id}/response` and `…/error`.
    func complete(instanceID: Int, requestID: String, outcome: FunctionOutcome) -> Bool {
        guard let invocation = inFlight[requestID], invocation.instance == instanceID else { return false }
        finish(invocation, outcome)
        return true
    }

    /// `POST /runtime/init/error`: the instance could not start its handler.
    func initFailed(instanceID: Int, document: [UInt8]) {
        let text = String(decoding: document.prefix(1000), as: UTF8.self)
        logger.error("init error: \(text)", metadata: ["portico.instance": "\(instanceID)"])
        if let instance = instances[instanceID] {
            instance.state = .stopping
            if instance.pid > 0 { kill(instance.pid, SIGKILL) }
        }
        if let first = queue.first { finish(first, .failure("the function failed to initialize: \(text)")) }
    }

    // MARK: Instances

    func startWarmInstances() {
        for _ in 0..<config.warmInstances where instances.count < config.maxConcurrency { startInstance() }
    }

    private func startInstance() {
        let instance = Instance(id: nextInstanceID)
        nextInstanceID += 1
        instances[instance.id] = instance
        Task { await self.launch(instance) }
    }

    private func launch(_ instance: Instance) async {
        do {
            let channel = try await RuntimeAPIServer.bind(group: group, runtime: self, instanceID: instance.id)
            instance.listener = channel
            guard case .starting = instance.state, !shuttingDown, let port = channel.localAddress?.port else {
                channel.close(promise: nil)
                return
            }
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw ChildProcess.StartError(description: "cannot create a pipe") }
            let environment = self.environment(port: port, instance: instance.id)
            let pid: pid_t
            do {
                pid = try ChildProcess.spawn(config.command, directory: config.workingDirectory, environment: environment, output: fds[1])
            } catch {
                close(fds[0])
                close(fds[1])
                throw error
            }
            close(fds[1])
            instance.pid = pid
            logger.info("instance started", metadata: ["portico.instance": "\(instance.id)", "portico.pid": "\(pid)", "portico.runtime.api": "127.0.0.1:\(port)"])
            OutputReader.start(fd: fds[0], logger: logger, instance: instance.id, currentRequest: instance.currentRequest)
            let instanceID = instance.id
            let thread = Thread { [weak self] in
                let status = ChildProcess.wait(pid)
                Task { await self?.exited(instanceID: instanceID, status: status) }
            }
            thread.start()
        } catch {
            logger.error("instance could not start: \(error)", metadata: ["portico.instance": "\(instance.id)"])
            removeInstance(instance.id)
            if let first = queue.first { finish(first, .failure("the function could not start: \(error)")) }
        }
    }

    private func exited(instanceID: Int, status: Int32) {
        guard let instance = instances[instanceID] else { return }
        let reason = status >= 128 ? "killed by signal \(status - 128)" : "exited with status \(status)"
        switch instance.state {
        case .busy(let requestID):
            logger.error("instance \(reason) while handling a request", metadata: ["portico.instance": "\(instanceID)", "portico.request.id": "\(requestID)"])
            if let invocation = inFlight[requestID] { finish(invocation, .failure("the function's process \(reason) (Runtime.ExitError)")) }
        case .starting:
            logger.error("instance \(reason) before it asked for work", metadata: ["portico.instance": "\(instanceID)"])
            if let first = queue.first { finish(first, .failure("the function's process \(reason) during init (Runtime.ExitError)")) }
        case .waiting, .stopping:
            logger.info("instance \(reason)", metadata: ["portico.instance": "\(instanceID)"])
        }
        instance.waiter?.resume(returning: nil)
        instance.waiter = nil
        removeInstance(instanceID)
        // Whoever still waits gets a new instance.
        if !queue.isEmpty, !shuttingDown, instances.count < config.maxConcurrency { startInstance() }
    }

    private func removeInstance(_ id: Int) {
        instances[id]?.listener?.close(promise: nil)
        instances[id] = nil
    }

    func shutdown(grace: Double) async {
        shuttingDown = true
        for invocation in queue { finish(invocation, .failure("Portico is shutting down")) }
        let running = instances.values.filter { $0.pid > 0 }
        for instance in running {
            instance.state = .stopping
            kill(instance.pid, SIGTERM)
        }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline, running.contains(where: { instances[$0.id] != nil }) {
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        for instance in running where instances[instance.id] != nil { kill(instance.pid, SIGKILL) }
        for instance in instances.values {
            instance.waiter?.resume(returning: nil)
            instance.waiter = nil
            instance.listener?.close(promise: nil)
        }
    }

    /// The standard Lambda environment, over Portico's own and the function's settings.
    private func environment(port: Int, instance: Int) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        let day = CivilTime(epochSeconds: Self.epochMillis() / 1000)
        let date = "\(day.year)/\(day.month < 10 ? "0" : "")\(day.month)/\(day.day < 10 ? "0" : "")\(day.day)"
        let lambda: [String: String] = [
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:\(port)",
            "AWS_LAMBDA_FUNCTION_NAME": config.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": String(config.memoryMB),
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/\(config.name)",
            "AWS_LAMBDA_LOG_STREAM_NAME": "\(date)/[$LATEST]portico\(instance)",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EXECUTION_ENV": "AWS_Lambda_portico",
            "_HANDLER": config.handler ?? config.command.last ?? "",
            "LAMBDA_TASK_ROOT": config.workingDirectory ?? FileManager.default.currentDirectoryPath,
            "TZ": ":UTC",
        ]
        environment.merge(lambda) { _, new in new }
        environment.merge(config.environment) { _, new in new }
        return environment
    }

    static func epochMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// Reads an instance's stdout and stderr (one pipe) on a thread of its own, one log line per line,
/// tagged with the request the instance is handling.
enum OutputReader {
    static func start(fd: Int32, logger: Logger, instance: Int, currentRequest: NIOLockedValueBox<String?>) {
        @Sendable func emit(_ line: [UInt8]) {
            let request = currentRequest.withLockedValue { $0 } ?? "-"
            // Runtimes write a multi-line record (a traceback) with `\r` between its lines.
            let text = String(decoding: line.map { $0 == UInt8(ascii: "\r") ? UInt8(ascii: "\n") : $0 }, as: UTF8.self)
            logger.info("\(text)", metadata: ["portico.instance": "\(instance)", "portico.request.id": "\(request)"])
        }
        let thread = Thread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                pending += buffer[0..<count]
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    emit(Array(pending[..<newline]))
                    pending.removeSubrange(...newline)
                }
                if pending.count > 64 * 1024 {
                    emit(pending)
                    pending.removeAll()
                }
            }
            if !pending.isEmpty { emit(pending) }
            close(fd)
        }
        thread.start()
    }
}
