import NIOConcurrencyHelpers
import PorticoAdmin
import NIOCore
import NIOPosix
import PorticoModel
import PorticoPipeline

/// Everything one event loop owns: the gateway snapshot it serves, its upstream connection pool,
/// request-id generator, cached `Date` header, access log buffer and metrics. Only code running on
/// `loop` touches it, so nothing here is shared between loops and nothing takes a lock.
final class LoopState: @unchecked Sendable {
    let loop: EventLoop
    /// Swapped by a reload (on this loop); an exchange keeps the snapshot it started with.
    var gateway: CompiledGateway
    var accessLogFormat: AccessLogFormat?
    let pool: UpstreamPool
    let timeouts: TimeoutQueue
    /// Touched by this loop only: no runtime exclusivity check per request.
    @exclusivity(unchecked) var ids = RequestIDGenerator()
    let metrics = GatewayMetrics()
    let accessLog: AccessLogBuffer
    /// Open downstream connections, so a drain can close the idle ones.
    @exclusivity(unchecked) var connections: [ObjectIdentifier: RequestDriver] = [:]
    var draining = false
    /// Development mode: management calls share the data-plane port (`portico serve --dev`).
    let management: ManagementAPI?
    /// Runs functions (AWS_PROXY and AWS integrations, Lambda authorizers).
    let functions: (any FunctionInvoker)?
    /// Lambda authorizers' answers by identity, shared by the loops (AWS caches per stage, not per
    /// connection); only authorized routes touch its lock.
    let authorizerCache: NIOLockedValueBox<AuthorizerCache>
    /// Issuers' keys, shared by the loops (read only when a token's verdict is not cached here).
    let tokenKeys: TokenKeyStore
    /// Open WebSocket connections, shared by the loops.
    let webSockets: WebSocketRegistry
    /// Verified tokens and signed requests, this loop's own (emptied with each new snapshot).
    var tokenVerdicts = TokenVerdictCache()
    private(set) var signedRequests = SignedRequestCache()

    /// The stage caches this loop has used, by stage (so finding one takes no lock).
    private var stageCaches: [String: SharedResponseCache] = [:]
    let caches: StageCaches

    private(set) var httpDate: String = ""
    private var dateSecond: Int64 = -1
    /// Real-time minus monotonic nanoseconds, as last measured (at `calibratedAtNanos`).
    private var wallOffsetNanos: Int64 = 0
    private var calibratedAtNanos: UInt64 = .max / 2

    init(
        loop: EventLoop, gateway: CompiledGateway, accessLog: AccessLogSink, tlsClient: TLSClientFactory, management: ManagementAPI?,
        functions: (any FunctionInvoker)?, authorizerCache: NIOLockedValueBox<AuthorizerCache>, caches: StageCaches,
        tokenKeys: TokenKeyStore, webSockets: WebSocketRegistry
    ) {
        self.tokenKeys = tokenKeys
        self.webSockets = webSockets
        self.caches = caches
        self.authorizerCache = authorizerCache
        self.loop = loop
        self.management = management
        self.functions = functions
        self.gateway = gateway
        self.accessLog = AccessLogBuffer(sink: accessLog)
        self.pool = UpstreamPool(loop: loop, tls: tlsClient)
        self.timeouts = TimeoutQueue(loop: loop)
        install(gateway)
    }

    /// The stage cache a cached route uses.
    func stageCache(for route: RouteCache) -> SharedResponseCache {
        if let cache = stageCaches[route.stageIdentity], cache.capacityBytes == route.capacityBytes { return cache }
        let cache = caches.cache(route.stageIdentity, capacityBytes: route.capacityBytes)
        stageCaches[route.stageIdentity] = cache
        return cache
    }

    func install(_ gateway: CompiledGateway) {
        if self.gateway !== gateway {
            metrics.retireRoutes()
            tokenVerdicts.removeAll()
            signedRequests = SignedRequestCache()
        }
        self.gateway = gateway
        accessLogFormat = gateway.accessLog.enabled ? AccessLogFormat(gateway.accessLog.format) : nil
    }

    /// Wall-clock milliseconds since 1970, and the `Date` header refreshed once a second.
    func now() -> Int64 {
        now(uptimeNanos: uptimeNanos)
    }

    /// Wall-clock milliseconds at the monotonic instant `uptimeNanos` (which the caller has read
    /// already): the real-time clock is read once a second to keep the offset between the two
    /// clocks, not once a request.
    func now(uptimeNanos: UInt64) -> Int64 {
        if uptimeNanos &- calibratedAtNanos > 1_000_000_000 {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            let monotonic = self.uptimeNanos
            wallOffsetNanos = Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec) - Int64(monotonic)
            calibratedAtNanos = monotonic
        }
        let wallNanos = Int64(uptimeNanos) + wallOffsetNanos
        let seconds = wallNanos / 1_000_000_000
        if seconds != dateSecond {
            dateSecond = seconds
            httpDate = CivilTime(epochSeconds: seconds).httpDate
        }
        return wallNanos / 1_000_000
    }

    /// Monotonic nanoseconds, for activity stamps.
    var uptimeNanos: UInt64 { NIODeadline.now().uptimeNanoseconds }

    /// Closes idle and stalled connections (see `RequestDriver.sweep`) and expired pooled upstreams.
    func sweepConnections() {
        let limits = gateway.limits
        let now = uptimeNanos
        let idle = UInt64(limits.idleTimeoutSeconds) * 1_000_000_000
        let stalled = UInt64(limits.requestHeadTimeoutSeconds) * 1_000_000_000
        for handler in connections.values { handler.sweep(now: now, idle: idle, stalled: stalled) }
        pool.closeExpired(now: now)
    }

    /// Starts draining: idle keep-alive connections close now, busy ones after their response.
    func beginDrain() {
        draining = true
        for handler in connections.values { handler.drain() }
    }
}

extension LoopState: LoopVerifier {
    /// A token's cached verdict, or its check with the keys known now (`needsKeys` otherwise).
    func verify(_ call: TokenCall) -> TokenCheck.Outcome {
        verify(call, keysRefreshed: false)
    }

    /// `keysRefreshed`: the issuer's keys were just fetched for this token (a missing `kid` is final).
    func verify(_ call: TokenCall, keysRefreshed: Bool) -> TokenCheck.Outcome {
        let nowSeconds = Double(now()) / 1000
        let store = tokenKeys
        return TokenCheck.run(
            call, keys: { store.keys(for: $0, nowSeconds: nowSeconds) }, cache: &tokenVerdicts, nowSeconds: nowSeconds, keysRefreshed: keysRefreshed)
    }
}
