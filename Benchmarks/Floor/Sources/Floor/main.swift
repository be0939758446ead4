import NIOCore
import NIOPosix

// `Floor LISTEN_PORT UPSTREAM_PORT`: every client connection gets its own upstream connection on the
// same event loop, and bytes go across as they arrive, one write and one flush per read cycle. No
// HTTP parsing, no routing, no request objects: the least any SwiftNIO proxy can spend.

final class Forwarder: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    /// The other side; set once its connection is up (the loop is the same, so no lock).
    var peer: Channel?
    private var early: [ByteBuffer] = []
    private var needsFlush = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let peer else { early.append(buffer); return }
        peer.write(buffer, promise: nil)
        needsFlush = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard needsFlush, let peer else { return }
        needsFlush = false
        peer.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer?.close(promise: nil)
        peer = nil
    }

    /// Sends what arrived before the peer was connected.
    func connected(to peer: Channel) {
        self.peer = peer
        for buffer in early { peer.write(buffer, promise: nil) }
        if !early.isEmpty { peer.flush() }
        early = []
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let listenPort = Int(arguments[1]), let upstreamPort = Int(arguments[2]) else {
    print("usage: Floor LISTEN_PORT UPSTREAM_PORT")
    exit(2)
}
let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { client in
        let fromClient = Forwarder()
        let fromUpstream = Forwarder()
        fromUpstream.peer = client
        return ClientBootstrap(group: client.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { $0.pipeline.addHandler(fromUpstream) }
            .connect(host: "127.0.0.1", port: upstreamPort)
            .flatMap { upstream in
                fromClient.connected(to: upstream)
                return client.pipeline.addHandler(fromClient)
            }
    }
    .bind(host: "127.0.0.1", port: listenPort)
    .wait()
try server.closeFuture.wait()
