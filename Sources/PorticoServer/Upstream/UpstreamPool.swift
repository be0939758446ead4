import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PorticoPipeline

/// Keep-alive connections to upstreams, one pool per event loop: connections are opened on the
/// loop of the downstream connection that needs them, so a request never hops threads.
final class UpstreamPool {
    let loop: EventLoop
    private let tls: TLSClientFactory
    /// Idle connections per upstream. A short array searched linearly: a loop talks to few
    /// upstreams, and a dictionary's in-place mutation allocates its accessor frame each time.
    private var idle: [(address: UpstreamAddress, connections: [UpstreamConnection])] = []
    /// Idle connections kept per upstream; more are closed when released.
    var maxIdlePerUpstream = 256
    var connectTimeout: TimeAmount = .seconds(10)
    /// Idle connections older than this are closed by the loop's sweep.
    var maxIdleNanos: UInt64 = 30 * 1_000_000_000

    init(loop: EventLoop, tls: TLSClientFactory) {
        self.loop = loop
        self.tls = tls
    }

    /// An idle connection to `address`, if one is open.
    func takeIdle(_ address: UpstreamAddress) -> UpstreamConnection? {
        guard let index = idle.firstIndex(where: { $0.address == address }) else { return nil }
        while let connection = idle[index].connections.popLast() {
            if connection.isActive { return connection }
        }
        return nil
    }

    /// Opens a new connection to `address` on this loop.
    func connect(_ address: UpstreamAddress) -> EventLoopFuture<UpstreamConnection> {
        let tls = address.tls ? self.tls : nil
        return ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(tls.handler(serverHostname: address.host)) }
                    try sync.addHandler(UpstreamHandler())
                }
            }
            .connect(host: address.host, port: address.port)
            .assumeIsolated()
            .flatMapThrowing { channel in
                let handler = try channel.pipeline.syncOperations.handler(type: UpstreamHandler.self)
                return UpstreamConnection(channel: channel, handler: handler, address: address, pool: self)
            }
            .nonisolated()
    }

    /// Returns a connection after a complete exchange; it stays open for the next request. `now`:
    /// uptime nanoseconds, idle from then (the caller read the clock when the response arrived).
    func release(_ connection: UpstreamConnection, now: UInt64) {
        connection.handler.owner = nil
        guard connection.isActive else { return }
        connection.idleSince = now
        guard let index = idle.firstIndex(where: { $0.address == connection.address }) else {
            idle.append((connection.address, [connection]))
            return
        }
        guard idle[index].connections.count < maxIdlePerUpstream else {
            connection.channel.close(promise: nil)
            return
        }
        idle[index].connections.append(connection)
    }

    /// Forgets a connection that closed while idle.
    func remove(_ connection: UpstreamConnection) {
        guard let index = idle.firstIndex(where: { $0.address == connection.address }) else { return }
        idle[index].connections.removeAll { $0 === connection }
    }

    /// Closes connections idle for longer than `maxIdleNanos` (the oldest sit at the front).
    func closeExpired(now: UInt64) {
        for index in idle.indices {
            while let oldest = idle[index].connections.first, now &- oldest.idleSince > maxIdleNanos {
                idle[index].connections.removeFirst()
                oldest.channel.close(promise: nil)
            }
        }
    }

    func closeAll() {
        for entry in idle { for connection in entry.connections { connection.channel.close(promise: nil) } }
        idle.removeAll()
    }
}

/// One upstream connection: its channel and the handler that reports its events.
final class UpstreamConnection {
    /// Writes a request head (and starts expecting its response).
    func send(head: ByteBuffer, method: HTTPMethod) {
        handler.expectResponse(to: method)
        handler.write(head)
    }

    func sendBody(_ data: ByteBuffer, chunked: Bool) {
        guard data.readableBytes > 0 else { return }
        if chunked {
            var header = channel.allocator.buffer(capacity: 12)
            HTTP1Writer.writeChunkHeader(size: data.readableBytes, into: &header)
            handler.write(header)
            handler.write(data)
            handler.write(ByteBuffer(staticString: HTTP1Writer.crlf))
        } else {
            handler.write(data)
        }
    }

    func sendEnd(chunked: Bool) {
        if chunked { handler.write(ByteBuffer(staticString: HTTP1Writer.lastChunk)) }
    }

    func resumeReading() { handler.resumeReading() }

    /// Whether the channel is still open, as its handler saw it.
    var isActive: Bool { handler.isActive }

    func flush() { handler.flush() }

    let channel: Channel
    let handler: UpstreamHandler
    let address: UpstreamAddress
    let pool: UpstreamPool?
    /// When the connection was last returned to the pool (uptime nanoseconds).
    var idleSince: UInt64 = 0

    init(channel: Channel, handler: UpstreamHandler, address: UpstreamAddress, pool: UpstreamPool) {
        self.channel = channel
        self.handler = handler
        self.address = address
        self.pool = pool
        handler.connection = self
    }
}

/// Makes client-side TLS handlers for `https://` upstreams from one shared context.
final class TLSClientFactory: Sendable {
    private let context: NIOSSLContext?

    init() {
        context = try? NIOSSLContext(configuration: .makeClientConfiguration())
    }

    func handler(serverHostname: String) throws -> NIOSSLClientHandler {
        guard let context else { throw NIOSSLError.failedToLoadCertificate }
        let isAddress = serverHostname.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" }
        return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : serverHostname)
    }
}
