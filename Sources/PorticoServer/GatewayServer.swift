import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PorticoAdmin
import PorticoModel
import PorticoPipeline

/// The composition root of the data plane: binds the listeners, owns one `LoopState` per event loop,
/// swaps compiled snapshots in on reload, and drains on shutdown.
public final class GatewayServer: Sendable {
    public let group: MultiThreadedEventLoopGroup
    private let ownsGroup: Bool
    private let states: LoopStates
    private let config: ProjectConfig
    private let logger: Logger
    private let channels: NIOLockedValueBox<[Channel]>
    private let ready: NIOLockedValueBox<Bool>

    /// Addresses the data-plane listeners bound, in configuration order.
    public let listenerAddresses: NIOLockedValueBox<[SocketAddress]>
    public let adminAddress: NIOLockedValueBox<SocketAddress?>
    /// The AWS-compatible management API, served on the admin listener (and, in development mode,
    /// on the data-plane listeners too).
    let management: ManagementAPI?
    /// Lambda authorizers' answers, emptied when a new snapshot is installed.
    private let authorizerCache: NIOLockedValueBox<AuthorizerCache>
    /// The stage caches, shared by the loops; FlushStageCache empties one.
    public let stageCaches = StageCaches()
    /// JWT and Cognito issuers' keys, shared by the loops.
    let tokenKeys = TokenKeyStore()
    /// Open WebSocket connections.
    let webSockets = WebSocketRegistry()

    /// Custom domains' certificates, chosen by SNI during TLS handshakes; replaced on install.
    private let sniCertificates: NIOLockedValueBox<[String: SNICertificate]>

    struct SNICertificate: Sendable {
        var pem: CustomDomain.Certificate
        var chain: [NIOSSLCertificateSource]
        var key: NIOSSLPrivateKeySource
    }

    /// Custom domains with mutual TLS: their truststores' CA certificates, by host name, and the
    /// TLS contexts built from them per listener (cleared when the domains change).
    private let truststores = NIOLockedValueBox<[String: [NIOSSLCertificate]]>([:])
    private let mutualContexts = NIOLockedValueBox<[String: NIOSSLContext]>([:])

    /// `managementOnDataPlane`: development mode, where one port serves management calls and APIs.
    public init(
        config: ProjectConfig, gateway: CompiledGateway, logger: Logger, group: MultiThreadedEventLoopGroup? = nil,
        management: ManagementAPI? = nil, managementOnDataPlane: Bool = false, functions: (any FunctionInvoker)? = nil
    ) throws {
        self.group = group ?? MultiThreadedEventLoopGroup(numberOfThreads: config.limits.eventLoops ?? System.coreCount)
        self.ownsGroup = group == nil
        self.config = config
        self.logger = logger
        self.management = management
        self.sniCertificates = NIOLockedValueBox([:])
        let sink = try AccessLogSink(destination: config.accessLog.destination)
        let tls = TLSClientFactory()
        let authorizerCache = NIOLockedValueBox(AuthorizerCache())
        self.authorizerCache = authorizerCache
        let stageCaches = self.stageCaches
        let tokenKeys = self.tokenKeys
        let webSockets = self.webSockets
        var map: [ObjectIdentifier: LoopState] = [:]
        for (index, loop) in self.group.makeIterator().enumerated() {
            // Each loop serves its own replica of the gateway (see `CompiledGateway.replica`).
            map[ObjectIdentifier(loop)] = LoopState(
                loop: loop, gateway: index == 0 ? gateway : gateway.replica(), accessLog: sink, tlsClient: tls, management: managementOnDataPlane ? management : nil,
                functions: functions, authorizerCache: authorizerCache, caches: stageCaches, tokenKeys: tokenKeys, webSockets: webSockets)
        }
        self.states = LoopStates(map)
        self.channels = NIOLockedValueBox([])
        self.ready = NIOLockedValueBox(false)
        self.listenerAddresses = NIOLockedValueBox([])
        self.adminAddress = NIOLockedValueBox<SocketAddress?>(nil)
        updateCertificates(from: gateway)
    }

    /// Parses the custom domains' certificates once per change (not per handshake).
    private func updateCertificates(from gateway: CompiledGateway) {
        let previous = sniCertificates.withLockedValue { $0 }
        var next: [String: SNICertificate] = [:]
        for (name, pem) in gateway.domainCertificates {
            if let known = previous[name], known.pem == pem {
                next[name] = known
                continue
            }
            do {
                let chain = try NIOSSLCertificate.fromPEMBytes(Array(pem.chainPEM.utf8)).map { NIOSSLCertificateSource.certificate($0) }
                let key = try NIOSSLPrivateKey(bytes: Array(pem.privateKeyPEM.utf8), format: .pem)
                next[name] = SNICertificate(pem: pem, chain: chain, key: .privateKey(key))
            } catch {
                logger.error("the certificate of domain \(name) cannot be used: \(error)")
            }
        }
        sniCertificates.withLockedValue { $0 = next }
        var stores: [String: [NIOSSLCertificate]] = [:]
        for (name, pem) in gateway.domainTruststores {
            // A truststore that does not parse admits nobody (an empty list), not everybody.
            stores[name] = (try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))) ?? []
            if stores[name]!.isEmpty { logger.error("the truststore of domain \(name) holds no usable CA certificate: no client can connect to it") }
        }
        if stores != truststores.withLockedValue({ $0 }) {
            truststores.withLockedValue { $0 = stores }
            mutualContexts.withLockedValue { $0.removeAll() }
        }
    }

    /// The TLS context for a custom domain with mutual TLS, on a listener: the domain's certificate
    /// (or the listener's), and client certificates required to chain to the domain's truststore.
    func mutualTLSContext(for name: String, listener: TLSConfig, http2: Bool) -> NIOSSLContext? {
        guard let roots = truststores.withLockedValue({ $0[name] }) else { return nil }
        let key = "\(listener.certificateFile)|\(http2)|\(name)"
        if let known = mutualContexts.withLockedValue({ $0[key] }) { return known }
        do {
            var configuration: TLSConfiguration
            if let domain = sniCertificates.withLockedValue({ $0[name] }) {
                configuration = TLSConfiguration.makeServerConfiguration(certificateChain: domain.chain, privateKey: domain.key)
            } else {
                let chain = try NIOSSLCertificate.fromPEMFile(listener.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
                configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: listener.keyFile, format: .pem)))
            }
            Self.requireClientCertificates(&configuration, roots: .certificates(roots))
            configuration.applicationProtocols = http2 ? ["h2", "http/1.1"] : ["http/1.1"]
            let context = try NIOSSLContext(configuration: configuration)
            mutualContexts.withLockedValue { $0[key] = context }
            return context
        } catch {
            logger.error("mutual TLS for domain \(name) cannot be set up: \(error)")
            return nil
        }
    }

    /// Client certificates required, verified against `roots` (no host name: clients have none).
    /// BoringSSL checks the chain, the validity dates and that the certificate may authenticate a client.
    static func requireClientCertificates(_ configuration: inout TLSConfiguration, roots: NIOSSLTrustRoots) {
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = roots
        configuration.sendCANameList = true
    }

    var hasMutualTLSDomains: Bool { !truststores.withLockedValue { $0.isEmpty } }

    /// Binds every listener; returns when all accept connections.
    public func start() async throws {
        for state in states.all {
            state.loop.scheduleRepeatedTask(initialDelay: .milliseconds(200), delay: .milliseconds(200)) { _ in
                state.accessLog.flush()
            }
            state.loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
                state.sweepConnections()
            }
        }
        var bound: [SocketAddress] = []
        for listener in config.listeners {
            let tlsContext = try listener.tls.map { try Self.makeServerTLSContext($0, http2: listener.http2, sni: sniCertificates) }
            let channel = try await bind(listener, tls: tlsContext)
            channels.withLockedValue { $0.append(channel) }
            if let address = channel.localAddress { bound.append(address) }
            logger.info("listening", metadata: ["portico.listener": "\(channel.localAddress.map { "\($0)" } ?? "?")", "portico.tls": "\(tlsContext != nil)"])
        }
        listenerAddresses.withLockedValue { $0 = bound }
        if let admin = config.admin {
            let channel = try await bindAdmin(admin)
            channels.withLockedValue { $0.append(channel) }
            adminAddress.withLockedValue { $0 = channel.localAddress }
            logger.info("admin listening", metadata: ["portico.listener": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        }
        ready.withLockedValue { $0 = true }
    }

    private func bind(_ listener: ListenerConfig, tls: NIOSSLContext?) async throws -> Channel {
        let states = self.states
        let limits = config.limits
        let http2 = listener.http2
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let state = states.state(for: channel.eventLoop)
                    // Custom domains with mutual TLS get their context by SNI.
                    var mutualTLS: (@Sendable (String) -> NIOSSLContext?)?
                    if tls != nil, let settings = listener.tls, hasMutualTLSDomains {
                        mutualTLS = { [self] name in mutualTLSContext(for: name, listener: settings, http2: http2) }
                    }
                    try ChannelSetup.configure(channel, state: state, limits: limits, tls: tls, http2: http2, mutualTLS: mutualTLS)
                }
            }
            .bind(host: listener.host, port: listener.port)
            .get()
    }

    private func bindAdmin(_ admin: AdminConfig) async throws -> Channel {
        let server = self
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(AdminHandler(server: server))
                }
            }
            .bind(host: admin.host, port: admin.port)
            .get()
    }

    /// The listener's certificate by default; a custom domain's when the client names it (SNI).
    static func makeServerTLSContext(_ tls: TLSConfig, http2: Bool, sni: NIOLockedValueBox<[String: SNICertificate]>? = nil) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: tls.keyFile, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.applicationProtocols = http2 ? ["h2", "http/1.1"] : ["http/1.1"]
        if let truststore = tls.truststoreFile { requireClientCertificates(&configuration, roots: .file(truststore)) }
        if let sni {
            configuration.sslContextCallback = { values, promise in
                guard let name = values.serverHostname?.lowercased(), let certificate = sni.withLockedValue({ $0[name] }) else {
                    promise.succeed(.noChanges)
                    return
                }
                var override = NIOSSLContextConfigurationOverride()
                override.certificateChain = certificate.chain
                override.privateKey = certificate.key
                promise.succeed(override)
            }
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Swaps in a new snapshot on every loop; requests in flight finish on the one they started with.
    public func install(_ gateway: CompiledGateway) async {
        updateCertificates(from: gateway)
        authorizerCache.withLockedValue { $0.removeAll() }
        var futures: [EventLoopFuture<Void>] = []
        for (index, state) in states.all.enumerated() {
            let replica = index == 0 ? gateway : gateway.replica()
            futures.append(state.loop.submit { state.install(replica) })
        }
        for future in futures { try? await future.get() }
    }

    /// Whether the gateway accepts traffic (false before start and while draining).
    public var isReady: Bool { ready.withLockedValue { $0 } }

    /// Merged metrics of all loops, in Prometheus text format.
    public func metricsText() async -> String {
        var merged: [GatewayMetrics.Labels: GatewayMetrics.Cell] = [:]
        var waf: [GatewayMetrics.WAFKey: Int] = [:]
        for state in states.all {
            let (cells, matches) = (try? await state.loop.submit { (state.metrics.cells, state.metrics.wafMatches) }.get()) ?? ([:], [:])
            for (labels, cell) in cells { merged[labels, default: GatewayMetrics.Cell()].merge(cell) }
            for (key, count) in matches { waf[key, default: 0] += count }
        }
        return GatewayMetrics.render(merged) + GatewayMetrics.renderWAF(waf)
    }

    /// Stops accepting, lets requests in flight finish for up to `drain`, then closes everything.
    public func shutdown(drain: TimeAmount) async {
        ready.withLockedValue { $0 = false }
        let listening = channels.withLockedValue { channels in
            defer { channels.removeAll() }
            return channels
        }
        for channel in listening { try? await channel.close() }
        for state in states.all { try? await state.loop.submit { state.beginDrain() }.get() }
        let deadline = NIODeadline.now() + drain
        while NIODeadline.now() < deadline {
            var open = 0
            for state in states.all { open += (try? await state.loop.submit { state.connections.count }.get()) ?? 0 }
            if open == 0 { break }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        for state in states.all {
            try? await state.loop.submit {
                for driver in state.connections.values { driver.wire.close() }
                state.pool.closeAll()
                state.accessLog.flush()
            }.get()
        }
        if ownsGroup { try? await group.shutdownGracefully() }
    }
}

/// The per-loop states, looked up by the loop a new channel lives on.
final class LoopStates: Sendable {
    private let map: [ObjectIdentifier: LoopState]
    let all: [LoopState]

    init(_ map: [ObjectIdentifier: LoopState]) {
        self.map = map
        self.all = Array(map.values)
    }

    func state(for loop: EventLoop) -> LoopState {
        map[ObjectIdentifier(loop)]!
    }
}
