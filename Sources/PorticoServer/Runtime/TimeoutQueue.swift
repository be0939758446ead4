import NIOCore

/// Integration timeouts of one event loop without a scheduled task per request: exchanges with
/// the same timeout expire in the order they started, so each distinct timeout keeps a FIFO list
/// (intrusive, through `Exchange.timeoutNext/Previous`), and one task is armed for the earliest
/// deadline. Finishing an exchange unlinks it in O(1); the armed task, when it fires early for an
/// exchange that already finished, re-arms for the next one.
final class TimeoutQueue {
    /// The exchanges of one timeout, oldest first. A class: an exchange points at its lane, and
    /// a route's few distinct timeouts are found by a short scan, not a dictionary lookup.
    final class Lane {
        let timeoutNanos: Int64
        var head: Unmanaged<Exchange>?
        var tail: Unmanaged<Exchange>?

        init(timeoutNanos: Int64) {
            self.timeoutNanos = timeoutNanos
        }

        func append(_ exchange: Exchange) {
            let link = Unmanaged.passUnretained(exchange)
            exchange.timeoutPrevious = tail
            exchange.timeoutNext = nil
            if let tail { tail._withUnsafeGuaranteedRef { $0.timeoutNext = link } } else { head = link }
            tail = link
        }

        func unlink(_ exchange: Exchange) {
            let previous = exchange.timeoutPrevious
            let next = exchange.timeoutNext
            if let previous { previous._withUnsafeGuaranteedRef { $0.timeoutNext = next } } else { head = next }
            if let next { next._withUnsafeGuaranteedRef { $0.timeoutPrevious = previous } } else { tail = previous }
            exchange.timeoutPrevious = nil
            exchange.timeoutNext = nil
        }
    }

    private let loop: EventLoop
    private var lanes: [Lane] = []
    private var armed: Scheduled<Void>?
    private var armedDeadline: UInt64 = .max

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Starts `exchange`'s clock at `now`; `expired` is called on it if it is still queued at the deadline.
    func add(_ exchange: Exchange, timeoutNanos: Int64, owner: RequestDriver, now: UInt64) {
        exchange.deadlineNanos = now + UInt64(timeoutNanos)
        exchange.timeoutOwner = owner
        let lane = lane(for: timeoutNanos)
        exchange.timeoutLane = lane
        lane.append(exchange)
        if exchange.deadlineNanos < armedDeadline { arm(exchange.deadlineNanos) }
    }

    private func lane(for timeoutNanos: Int64) -> Lane {
        for lane in lanes where lane.timeoutNanos == timeoutNanos { return lane }
        let lane = Lane(timeoutNanos: timeoutNanos)
        lanes.append(lane)
        return lane
    }

    /// Stops `exchange`'s clock (its response started, or it ended).
    func remove(_ exchange: Exchange) {
        guard let lane = exchange.timeoutLane else { return }
        lane.unlink(exchange)
        exchange.timeoutLane = nil
        exchange.timeoutOwner = nil
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
        for lane in lanes {
            while let head = lane.head?.takeUnretainedValue(), head.deadlineNanos <= now {
                let owner = head.timeoutOwner
                remove(head)
                if let owner { expired.append((head, owner)) }
            }
            if let head = lane.head { earliest = min(earliest, head._withUnsafeGuaranteedRef { $0.deadlineNanos }) }
        }
        // Lanes of timeouts no longer in flight go (a reload may have changed every route's timeout).
        lanes.removeAll { $0.head == nil }
        if earliest != .max { arm(earliest) }
        for (exchange, owner) in expired { owner.integrationTimedOut(exchange) }
    }
}
