import NIOCore
import NIOWebSocket
import Synchronization
import PorticoModel
import PorticoPipeline

/// One open WebSocket connection, on its event loop: assembles messages from frames (within AWS's
/// 128 KB per message; frames over 32 KB are refused by the decoder with close code 1009), answers
/// pings, sends each message to its route's integration (and, for two-way routes, the answer back),
/// enforces the idle and lifetime limits, and sends exactly one `$disconnect`.
final class WebSocketSession: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let id: String
    private let webSocket: CompiledWebSocket
    private let variables: [String: String]
    private var connection: WebSocketEvent.Connection
    private let state: LoopState
    private let registry: WebSocketRegistry
    private var context: ChannelHandlerContext?
    private var fragments: ByteBuffer?
    private var fragmentsBinary = false
    private var lastActiveNanos: UInt64 = 0
    private var disconnected = false
    private var closeSent = false
    /// What the client's close frame said (1006, abnormal, when it just vanished).
    private var closeCode = 1006
    private var closeReason = ""
    private var timers: [Scheduled<Void>] = []
    /// When the client last sent a message (epoch milliseconds), for `@connections` GET on any loop.
    let lastActiveMillis = Atomic<Int64>(0)

    init(id: String, webSocket: CompiledWebSocket, variables: [String: String], connection: WebSocketEvent.Connection, state: LoopState, registry: WebSocketRegistry) {
        self.id = id
        self.variables = variables
        self.webSocket = webSocket
        self.connection = connection
        self.state = state
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        lastActiveNanos = state.uptimeNanos
        lastActiveMillis.store(connection.connectedAtMillis, ordering: .relaxed)
        registry.add(id, .init(
            session: self, loop: context.eventLoop, apiID: connection.apiID, stage: connection.stage,
            connectedAtMillis: connection.connectedAtMillis, sourceIP: connection.sourceIP, userAgent: connection.userAgent))
        let limits = webSocket.limits
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timers.append(context.eventLoop.scheduleTask(in: .seconds(Int64(limits.maxConnectionSeconds))) {
            bound.value.close(code: 1001, reason: "Going away")
        })
        scheduleIdleCheck(in: .seconds(Int64(limits.idleTimeoutSeconds)))
    }

    /// Idle: no message from the client for the idle timeout (AWS: 10 minutes).
    private func scheduleIdleCheck(in delay: TimeAmount) {
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timers.append(context.eventLoop.scheduleTask(in: delay) {
            let session = bound.value
            let idle = Int64(session.webSocket.limits.idleTimeoutSeconds) * 1_000_000_000
            let quiet = Int64(session.state.uptimeNanos - session.lastActiveNanos)
            if quiet >= idle { session.close(code: 1001, reason: "Going away") } else { session.scheduleIdleCheck(in: .nanoseconds(idle - quiet)) }
        })
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil else { return protocolError("a new message began before the last one ended") }
            if frame.fin {
                received(frame.unmaskedData, binary: frame.opcode == .binary)
            } else {
                fragments = frame.unmaskedData
                fragmentsBinary = frame.opcode == .binary
            }
        case .continuation:
            guard var buffer = fragments else { return protocolError("a continuation frame without a message") }
            var data = frame.unmaskedData
            buffer.writeBuffer(&data)
            if buffer.readableBytes > webSocket.limits.maxMessageBytes {
                fragments = nil
                return close(code: 1009, reason: "Message too big")
            }
            if frame.fin {
                fragments = nil
                received(buffer, binary: fragmentsBinary)
            } else {
                fragments = buffer
            }
        case .ping:
            lastActiveNanos = state.uptimeNanos
            write(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData), flush: true)
        case .connectionClose:
            var data = frame.unmaskedData
            closeCode = data.readInteger(as: UInt16.self).map(Int.init) ?? 1005
            closeReason = data.readString(length: data.readableBytes) ?? ""
            close(code: closeCode == 1005 ? 1000 : closeCode, reason: "")
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        disconnect()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    // MARK: Messages

    private func received(_ buffer: ByteBuffer, binary: Bool) {
        lastActiveNanos = state.uptimeNanos
        let now = state.now()
        lastActiveMillis.store(now, ordering: .relaxed)
        guard buffer.readableBytes <= webSocket.limits.maxMessageBytes else { return close(code: 1009, reason: "Message too big") }
        let message = Array(buffer.readableBytesView)
        let requestID = state.ids.make().shortID
        guard let route = webSocket.route(for: message) else {
            return sendError("Forbidden", requestID: requestID)
        }
        let event = WebSocketEvent.make(
            .message(body: message, binary: binary, messageID: ConnectionID.make()), routeKey: route.key, connection: connection,
            requestID: requestID, nowMillis: now)
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let seed = MappingSeed.webSocket(connection, routeKey: route.key, eventType: "MESSAGE", requestID: requestID, stageVariables: variables)
        WebSocketIntegrations.run(route.target, event: event, message: message, seed: seed, functions: state.functions, loop: context.eventLoop).whenSuccess { result in
            let session = bound.value
            switch result {
            case .success(let answer):
                if route.returnsResponse, !answer.body.isEmpty { session.send(answer.body) }
            case .failure:
                session.sendError("Internal server error", requestID: requestID)
            }
        }
    }

    /// AWS's error message to the client, with the connection and request ids.
    private func sendError(_ message: String, requestID: String) {
        let document: JSONValue = ["message": .string(message), "connectionId": .string(id), "requestId": .string(requestID)]
        send(Array(document.serialized.utf8))
    }

    /// Sends a message (text when it is UTF-8, binary otherwise): two-way answers and `@connections` POSTs.
    func send(_ bytes: [UInt8]) {
        guard let context, !closeSent else { return }
        let text = String(validating: bytes, as: UTF8.self) != nil
        write(WebSocketFrame(fin: true, opcode: text ? .text : .binary, data: context.channel.allocator.buffer(bytes: bytes)), flush: true)
    }

    private func write(_ frame: WebSocketFrame, flush: Bool) {
        guard let context else { return }
        context.write(wrapOutboundOut(frame), promise: nil)
        if flush { context.flush() }
    }

    private func protocolError(_ reason: String) {
        close(code: 1002, reason: reason)
    }

    /// Sends a close frame and closes the connection (`@connections` DELETE, limits, the client's close).
    func close(code: Int, reason: String) {
        guard let context else { return }
        if !closeSent {
            closeSent = true
            var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
            data.writeInteger(UInt16(code))
            data.writeString(reason)
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)), promise: nil)
        }
        if closeCode == 1006 { closeCode = code; closeReason = reason }
        context.close(promise: nil)
    }

    /// Exactly once, however the connection ends: the `$disconnect` route, and out of the registry.
    private func disconnect() {
        guard !disconnected else { return }
        disconnected = true
        for timer in timers { timer.cancel() }
        timers.removeAll()
        registry.remove(id)
        guard let route = webSocket.routes["$disconnect"], let loop = context?.eventLoop else { return }
        let event = WebSocketEvent.make(
            .disconnect(statusCode: closeCode, reason: closeReason), routeKey: "$disconnect", connection: connection,
            requestID: state.ids.make().shortID, nowMillis: state.now())
        let seed = MappingSeed.webSocket(connection, routeKey: "$disconnect", eventType: "DISCONNECT", requestID: state.ids.make().shortID, stageVariables: variables)
        _ = WebSocketIntegrations.run(route.target, event: event, message: [], seed: seed, functions: state.functions, loop: loop)
    }
}
