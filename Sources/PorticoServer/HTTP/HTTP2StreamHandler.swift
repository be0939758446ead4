import NIOCore
import NIOHTTP1
import PorticoPipeline

/// One HTTP/2 stream, seen through NIO's HTTP/1 codec for HTTP/2 frames as typed parts.
final class HTTP2StreamHandler: ChannelDuplexHandler, DownstreamWire {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var driver: RequestDriver!
    private var context: ChannelHandlerContext?
    private var head: HTTPResponseHead?
    private var needsFlush = false

    init(state: LoopState, info: ConnectionInfo) {
        self.driver = nil
        self.driver = RequestDriver(state: state, info: info, wire: self)
    }

    var isHTTP2: Bool { true }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        driver.register()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        driver.unregister()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            driver.requestHead(
                head, keepAlive: true, version: head.version,
                expectsContinue: head.headers.first(name: "expect")?.lowercased() == "100-continue")
        case .body(let buffer):
            driver.requestBody(buffer)
        case .end:
            driver.requestEnd()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        driver.readComplete()
        flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver.inactive()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        driver.writabilityChanged(writable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        // HTTP/2 flow control bounds what a stream buffers; pause only for a slow upstream.
        if driver.shouldPauseReading { readHeld = true } else { context.read() }
    }

    private var readHeld = false

    func resumeReading() {
        guard readHeld, let context else { return }
        readHeld = false
        context.read()
    }

    func exchangeFinished() {}

    func startHead(_ status: HTTPResponseStatus) {
        head = HTTPResponseHead(version: .http1_1, status: status)
    }

    func addField(_ name: StaticString, _ value: String) {
        head?.headers.add(name: name.description, value: value)
    }

    func addField(_ name: String, _ value: String) {
        head?.headers.add(name: name, value: value)
    }

    func addField(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, remapped: Bool) {
        let text = String(decoding: name, as: UTF8.self)
        head?.headers.add(name: remapped ? "x-amzn-Remapped-" + text : text, value: String(decoding: value, as: UTF8.self))
    }

    func addRequestID(_ id: RequestID, rest: Bool) {
        if rest {
            head?.headers.add(name: "x-amzn-RequestId", value: id.uuid)
            head?.headers.add(name: "x-amz-apigw-id", value: id.shortID)
        } else {
            head?.headers.add(name: "apigw-requestid", value: id.shortID)
        }
    }

    func endHead(contentLength: Int?, bodyFollows: Bool, keepAlive: Bool) {
        guard var head, let context else { return }
        self.head = nil
        if let contentLength { head.headers.add(name: "content-length", value: String(contentLength)) }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        needsFlush = true
    }

    func writeBody(_ data: ByteBuffer) {
        context?.write(wrapOutboundOut(.body(.byteBuffer(data))), promise: nil)
        needsFlush = true
    }

    func writeEnd(close: Bool) {
        context?.write(wrapOutboundOut(.end(nil)), promise: nil)
        needsFlush = true
    }

    func writeContinue() {
        context?.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
        needsFlush = true
    }

    func flush() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    /// WebSocket over HTTP/2 (RFC 8441) is not offered: the driver answers such requests itself.
    func upgradeToWebSocket(accept: String, session: WebSocketSession, maxFrameBytes: Int) { close() }

    func close() {
        context?.close(promise: nil)
    }
}
