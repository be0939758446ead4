import NIOCore

/// Integration timeouts of one event loop without a scheduled task per request: exchanges with
/// the same timeout expire in the order they started, so each distinct timeout keeps a FIFO list
/// (intrusive, through `Exchange.timeoutNext/Previous`), and one task is armed for the earliest
/// deadline. Finishing an exchange unlinks it in O(1); the armed task, when it fires early for an
/// exchange that already finished, re-arms for the next one.
final class TimeoutQueue {
    private struct Lane {
        var head: Exchange?
        var tail: Exchange?
    }

    private let loop: EventLoop
    private var lanes: [Int64: Lane] = [:]
    private var armed: Scheduled<Void>?
    private var armedDeadline: UInt64 = .max

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Starts `exchange`'s clock; `expired` is called on it if it is still queued at the deadline.
    func add(_ exchange: Exchange, timeoutNanos: Int64, owner: RequestDriver) {
        let now = NIODeadline.now().uptimeNanoseconds
        exchange.deadlineNanos = now + UInt64(timeoutNanos)
        exchange.timeoutOwner = owner
        exchange.timeoutLane = timeoutNanos
        var lane = lanes[timeoutNanos] ?? Lane()
        exchange.timeoutPrevious = lane.tail
        exchange.timeoutNext = nil
        if let tail = lane.tail { tail.timeoutNext = exchange } else { lane.head = exchange }
        lane.tail = exchange
        lanes[timeoutNanos] = lane
        if exchange.deadlineNanos < armedDeadline { arm(exchange.deadlineNanos) }
    }

    /// Stops `exchange`'s clock (its response started, or it ended).
    func remove(_ exchange: Exchange) {
        guard let key = exchange.timeoutLane, var lane = lanes[key] else { return }
        let previous = exchange.timeoutPrevious
        let next = exchange.timeoutNext
        if let previous { previous.timeoutNext = next } else { lane.head = next }
        if let next { next.timeoutPrevious = previous } else { lane.tail = previous }
        exchange.timeoutPrevious = nil
        exchange.timeoutNext = nil
        exchange.timeoutLane = nil
        exchange.timeoutOwner = nil
        lanes[key] = lane
    }

    private func arm(_ deadline: UInt64) {
        armed?.cancel()
        armedDeadline = deadline
        let now = NIODeadline.now().uptimeNanoseconds
        let delay = deadline > now ? Int64(deadline - now) : 0
        armed = loop.assumeIsolated().scheduleTask(in: .nanoseconds(delay)) { [self] in
            self.armed = nil
            self.armedDeadline = .max
            self.fire()
        }
    }

    private func fire() {
        let now = NIODeadline.now().uptimeNanoseconds
        var expired: [(Exchange, RequestDriver)] = []
        var earliest = UInt64.max
        for key in lanes.keys {
            while let head = lanes[key]?.head, head.deadlineNanos <= now {
                let owner = head.timeoutOwner
                remove(head)
                if let owner { expired.append((head, owner)) }
            }
            if let head = lanes[key]?.head { earliest = min(earliest, head.deadlineNanos) }
        }
        for key in lanes.keys where lanes[key]?.head == nil { lanes[key] = nil }
        if earliest != .max { arm(earliest) }
        for (exchange, owner) in expired { owner.integrationTimedOut(exchange) }
    }
}
