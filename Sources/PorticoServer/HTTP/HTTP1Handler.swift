import NIOCore
import NIOHTTP1
import NIOWebSocket
import PorticoModel
import PorticoPipeline

/// An HTTP/1.1 connection handled at the byte level: request heads are parsed in place
/// (`HTTP1Parser`), bodies framed by Content-Length or decoded from chunks, and responses written
/// as bytes — one write per part, one flush per read cycle. Pipelined requests wait as unparsed
/// bytes until the one before them is answered.
///
/// An inbound handler only: it writes from its own place, and pauses reading by switching the
/// channel's `autoRead` off (rare: a slow upstream, a pipelining flood). Intercepting `read`
/// would put it on the outbound path of every read cycle, a pipeline hop per request.
final class HTTP1Handler: ChannelInboundHandler, RemovableChannelHandler, DownstreamWire {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum BodyState {
        case none
        case length(remaining: Int)
        case chunked(ChunkedDecoder)
    }

    private let state: LoopState
    private let limits: Limits
    private var driver: RequestDriver!
    private var context: ChannelHandlerContext?
    /// Received bytes not handled yet (a partial head, or pipelined requests).
    // Hot per-request state: `@exclusivity(unchecked)` drops the runtime exclusivity check of each
    // access (one handler on one loop touches them, never overlapping).
    @exclusivity(unchecked) private var inbound: ByteBuffer?
    @exclusivity(unchecked) private var body = BodyState.none
    /// Reading is paused (`autoRead` off) until the driver or the pipelined backlog allows more.
    private var readsPaused = false
    private var ignoringInput = false
    private var needsFlush = false
    /// The response being written frames its body in chunks.
    private var chunkedResponse = false
    @exclusivity(unchecked) private var output: ByteBuffer
    private var processing = false
    /// When the last bytes arrived (uptime nanoseconds): a request's start, read once per read.
    private var receivedNanos: UInt64 = 0
    /// Field offsets of the request being parsed, reused from one request to the next.
    @exclusivity(unchecked) private var fieldStorage: [HTTP1Fields.Field] = []

    /// Unhandled bytes above which reading pauses (a client pipelining faster than we answer).
    private static let maxBufferedBytes = 256 * 1024

    init(state: LoopState, limits: Limits, info: ConnectionInfo) {
        self.state = state
        self.limits = limits
        self.output = ByteBuffer()
        self.driver = nil
        self.driver = RequestDriver(state: state, info: info, wire: self)
    }

    var isHTTP2: Bool { false }
    /// Kept from writability events: asking the channel costs an existential call per read.
    private var writable = true
    var isWritable: Bool { context != nil && writable }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        writable = context.channel.isWritable
        output = context.channel.allocator.buffer(capacity: 1024)
        driver.register()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        driver.unregister()
        self.context = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !ignoringInput else { return }
        var input = unwrapInboundIn(data)
        if inbound == nil {
            inbound = input
        } else {
            inbound!.writeBuffer(&input)
        }
        receivedNanos = state.uptimeNanos
        driver.lastActivityNanos = receivedNanos
        processInbound()
    }

    /// Handles as much of `inbound` as the current exchange allows.
    private func processInbound() {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while !ignoringInput, var buffer = inbound, buffer.readableBytes > 0 {
            switch body {
            case .none:
                guard driver.isIdle else { return }  // pipelined: wait for the current response
                let parsed: (head: HTTP1RequestHead, consumed: Int)?
                do {
                    parsed = try HTTP1Parser.parseRequestHead(
                        buffer, limit: max(limits.maxHeaderBytes * 2, 16_384), reusing: &fieldStorage)
                } catch {
                    malformed(error)
                    return
                }
                guard let (head, consumed) = parsed else { return }
                buffer.moveReaderIndex(forwardBy: consumed)
                inbound = buffer
                if head.isChunked {
                    body = .chunked(ChunkedDecoder())
                } else if let length = head.contentLength, length > 0 {
                    body = .length(remaining: length)
                }
                driver.requestHead(
                    head, keepAlive: head.keepAlive, version: head.version, expectsContinue: head.expectsContinue, receivedNanos: receivedNanos)
                if case .none = body { driver.requestEnd() }
            case .length(let remaining):
                let take = min(remaining, buffer.readableBytes)
                let slice = buffer.readSlice(length: take)!
                inbound = buffer
                body = remaining == take ? .none : .length(remaining: remaining - take)
                driver.requestBody(slice)
                if remaining == take { driver.requestEnd() }
            case .chunked(var decoder):
                let done: Bool
                do {
                    done = try decoder.decode(&buffer) { driver.requestBody($0) }
                } catch {
                    malformed(error)
                    return
                }
                inbound = buffer
                body = done ? .none : .chunked(decoder)
                if done { driver.requestEnd() }
            }
        }
        if inbound?.readableBytes == 0 { inbound = nil }
    }

    private func malformed(_ error: HTTP1ParseError) {
        ignoringInput = true
        inbound = nil
        driver.requestMalformed(error)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        driver.readComplete()
        flush()
        // Before the channel asks for the next read: pause it if this exchange cannot take more.
        if shouldPauseReading { setReadsPaused(true) }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver.inactive()
        inbound = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        driver.writabilityChanged(writable: writable)
        context.fireChannelWritabilityChanged()
    }

    private var shouldPauseReading: Bool {
        ignoringInput || driver.shouldPauseReading || (inbound?.readableBytes ?? 0) > Self.maxBufferedBytes
    }

    private func setReadsPaused(_ paused: Bool) {
        guard paused != readsPaused, let context else { return }
        readsPaused = paused
        context.setReadsPaused(paused)
    }

    func resumeReading() {
        guard readsPaused, !shouldPauseReading else { return }
        setReadsPaused(false)
    }

    func exchangeFinished() {
        if inbound != nil { processInbound() }
        if !driver.isIdle { return }
        resumeReading()
    }

    // MARK: Outbound

    func startHead(_ status: HTTPResponseStatus) {
        reuseOutput()
        HTTP1Writer.writeStatusLine(status, into: &output)
    }

    /// Before writing into `output` afresh: its earlier bytes were handed to the channel and, once
    /// flushed, released by it, so dropping them lets the buffer be written from its start again
    /// (a write copies it first only if the channel still holds it). Without this a long chunked
    /// response would keep appending to one buffer.
    private func reuseOutput() {
        if output.readerIndex > 0 { output.discardReadBytes() }
    }

    func addField(_ name: StaticString, _ value: String) {
        HTTP1Writer.writeField(name, value, into: &output)
    }

    func addField(_ name: String, _ value: String) {
        HTTP1Writer.writeField(name, value, into: &output)
    }

    func addField(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, remapped: Bool) {
        if remapped { output.writeStaticString("x-amzn-Remapped-") }
        HTTP1Writer.writeField(name, value, into: &output)
    }

    func addRequestID(_ id: RequestID, rest: Bool) {
        id.writeResponseFields(rest: rest, into: &output)
    }

    func endHead(contentLength: Int?, bodyFollows: Bool, keepAlive: Bool) {
        chunkedResponse = false
        if let contentLength {
            HTTP1Writer.writeField("content-length", decimal: contentLength, into: &output)
        } else if bodyFollows {
            chunkedResponse = true
            output.writeStaticString("transfer-encoding: chunked\r\n")
        }
        if !keepAlive { output.writeStaticString("connection: close\r\n") }
        output.writeStaticString("\r\n")
    }

    func writeBody(_ data: ByteBuffer) {
        guard data.readableBytes > 0 else { return }
        if chunkedResponse {
            reuseOutput()
            HTTP1Writer.writeChunkHeader(size: data.readableBytes, into: &output)
            writeOutput()
            context?.write(wrapOutboundOut(data), promise: nil)
            output.writeStaticString("\r\n")
        } else if data.readableBytes <= 1024 && output.readableBytes > 0 {
            // Small bodies join the head in one buffer: one write.
            var data = data
            output.writeBuffer(&data)
        } else {
            writeOutput()
            context?.write(wrapOutboundOut(data), promise: nil)
        }
        needsFlush = true
    }

    func writeEnd(close: Bool) {
        if chunkedResponse {
            reuseOutput()
            output.writeStaticString("0\r\n\r\n")
            chunkedResponse = false
        }
        writeOutput()
        needsFlush = true
        if close, let context {
            ignoringInput = true
            needsFlush = false
            context.writeAndFlush(wrapOutboundOut(ByteBuffer())).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    func writeContinue() {
        reuseOutput()
        output.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
        writeOutput()
        needsFlush = true
    }

    /// Hands the bytes gathered in `output` to the channel. The buffer is kept and cleared when
    /// the next response starts, after the flush (clearing it now would allocate: the channel
    /// holds it until then).
    private func writeOutput() {
        guard output.readableBytes > 0, let context else { return }
        context.write(wrapOutboundOut(output), promise: nil)
        output.moveReaderIndex(to: output.writerIndex)
    }

    func flush() {
        writeOutput()
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    func upgradeToWebSocket(accept: String, session: WebSocketSession, maxFrameBytes: Int) {
        guard let context else { return }
        ignoringInput = true
        HTTP1Writer.writeStatusLine(.switchingProtocols, into: &output)
        output.writeStaticString("upgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ")
        output.writeString(accept)
        output.writeStaticString("\r\n\r\n")
        context.write(NIOAny(output), promise: nil)
        context.flush()
        output.clear()
        // Frames the client sent right after its request follow the new handlers.
        let early = inbound
        inbound = nil
        do {
            try context.pipeline.syncOperations.addHandlers(
                [ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxFrameBytes)), WebSocketFrameEncoder(), WebSocketProtocolErrorHandler(), session],
                position: .after(self))
        } catch {
            context.close(promise: nil)
            return
        }
        if let early, early.readableBytes > 0 { context.fireChannelRead(NIOAny(early)) }
        // This handler may have paused reading while it ignored input: once it is gone, reading resumes.
        let channel = context.channel
        let removed = context.eventLoop.makePromise(of: Void.self)
        removed.futureResult.assumeIsolated().whenComplete { _ in
            _ = try? channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
            channel.read()
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: removed)
    }

    func close() {
        context?.close(promise: nil)
    }
}
