import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL
import NIOTLS
import PorticoModel
import PorticoPipeline

/// Builds the channel pipeline of a downstream connection: TLS if configured, then HTTP/1.1 or
/// HTTP/2 (ALPN `h2` over TLS; the client preface for h2c with prior knowledge).
enum ChannelSetup {
    /// `mutualTLS`: the context for a client's SNI name when that custom domain requires client
    /// certificates (nil: the listener's own context).
    static func configure(
        _ channel: Channel, state: LoopState, limits: Limits, tls: NIOSSLContext?, http2: Bool,
        mutualTLS: (@Sendable (String) -> NIOSSLContext?)? = nil
    ) throws {
        let sync = channel.pipeline.syncOperations
        let port = channel.localAddress?.port ?? 0
        let sourceIP = channel.remoteAddress?.ipAddress ?? "127.0.0.1"
        let peer = tls == nil ? nil : PeerCertificateBox()
        let info = ConnectionInfo(
            sourceIP: sourceIP, forwarded: ForwardedInfo(proto: tls == nil ? "http" : "https", port: port), protocolName: "HTTP/1.1", peer: peer)
        guard let tls else {
            if http2 {
                try sync.addHandler(PrefaceSniffer(state: state, limits: limits, info: info))
            } else {
                try configureHTTP1(channel, state: state, limits: limits, info: info)
            }
            return
        }
        if let mutualTLS {
            // Read the SNI name first: a domain with mutual TLS has its own context.
            try sync.addHandler(ByteToMessageHandler(SNIHandler { result in
                channel.eventLoop.makeCompletedFuture {
                    var context = tls
                    if case .hostname(let name) = result, let domain = mutualTLS(name.lowercased()) { context = domain }
                    try configureTLS(channel, context: context, state: state, limits: limits, http2: http2, info: info, peer: peer!)
                }
            }))
            return
        }
        try configureTLS(channel, context: tls, state: state, limits: limits, http2: http2, info: info, peer: peer!)
    }

    static func configureTLS(
        _ channel: Channel, context tls: NIOSSLContext, state: LoopState, limits: Limits, http2: Bool, info: ConnectionInfo, peer: PeerCertificateBox
    ) throws {
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(NIOSSLServerHandler(context: tls))
        try sync.addHandler(ClientCertificateReader(box: peer))
        if http2 {
            try sync.addHandler(ApplicationProtocolNegotiationHandler { result, channel in
                channel.eventLoop.makeCompletedFuture {
                    switch result {
                    case .negotiated("h2"):
                        try configureHTTP2(channel, state: state, limits: limits, info: info)
                    default:
                        try configureHTTP1(channel, state: state, limits: limits, info: info)
                    }
                }
            })
            return
        }
        try configureHTTP1(channel, state: state, limits: limits, info: info)
    }

    static func configureHTTP1(_ channel: Channel, state: LoopState, limits: Limits, info: ConnectionInfo) throws {
        // Idle and stalled connections are closed by the loop's sweep, not an IdleStateHandler,
        // which would re-arm a timer on every read.
        try channel.pipeline.syncOperations.addHandler(HTTP1Handler(state: state, limits: limits, info: info))
    }

    static func configureHTTP2(_ channel: Channel, state: LoopState, limits: Limits, info http1Info: ConnectionInfo) throws {
        var h2 = http1Info
        h2.protocolName = "HTTP/2.0"
        let info = h2
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings.append(HTTP2Setting(parameter: .maxHeaderListSize, value: max(limits.maxHeaderBytes * 2, 16_384)))
        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .server, connectionConfiguration: connection, streamConfiguration: .init()
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let sync = stream.pipeline.syncOperations
                try sync.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try sync.addHandler(HTTP2StreamHandler(state: state, info: info))
            }
        }
        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(Int64(limits.idleTimeoutSeconds))))
        try channel.pipeline.syncOperations.addHandler(CloseOnIdleHandler())
    }
}

/// On a plain listener with HTTP/2 enabled: looks at the first bytes, and sets the connection up
/// for h2c (prior knowledge, `PRI * HTTP/2.0` preface) or HTTP/1.1, then removes itself.
final class PrefaceSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let state: LoopState
    private let limits: Limits
    private let info: ConnectionInfo
    private var buffered: ByteBuffer?

    init(state: LoopState, limits: Limits, info: ConnectionInfo) {
        self.state = state
        self.limits = limits
        self.info = info
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if var earlier = buffered {
            earlier.writeBuffer(&buffer)
            buffer = earlier
        }
        let available = min(buffer.readableBytes, Self.preface.count)
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: available) ?? []
        let isPrefix = bytes.elementsEqual(Self.preface.prefix(available))
        if isPrefix && available < Self.preface.count {
            buffered = buffer
            return
        }
        buffered = nil
        do {
            if isPrefix {
                try ChannelSetup.configureHTTP2(context.channel, state: state, limits: limits, info: info)
            } else {
                try ChannelSetup.configureHTTP1(context.channel, state: state, limits: limits, info: info)
            }
        } catch {
            context.close(promise: nil)
            return
        }
        // The handlers just added follow this one: hand them what was read, then step aside.
        context.fireChannelRead(wrapInboundOut(buffer))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Closes an HTTP/2 connection on which nothing was read for the idle timeout.
final class CloseOnIdleHandler: ChannelInboundHandler {
    typealias InboundIn = Any

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
