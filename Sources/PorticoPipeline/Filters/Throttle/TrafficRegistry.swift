import NIOCore
import PorticoModel
import Synchronization

/// The throttle buckets, quota counters and generated key values that must outlive one compiled
/// gateway: a reload or a deployment recompiles everything, but a client's bucket and count stay.
/// Used only while compiling (off the request path), so a lock is fine here.
public final class TrafficRegistry: Sendable {
    private struct State {
        var buckets: [String: SharedTokenBucket] = [:]
        var rateCounters: [String: RateCounter] = [:]
        var quotas: [String: QuotaCounter] = [:]
        var usage: [UsageKey: UsageCounter] = [:]
        var generatedKeys: [String: String] = [:]
        /// Stored counts (from the last run), by plan and key, then day.
        var stored: [UsageKey: [Int: Int]] = [:]
        /// What the last `changedUsage` reported, so only changes are written.
        var reported: [UsageKey: (day: Int, used: Int)] = [:]
    }

    struct UsageKey: Hashable {
        var planID: String
        var keyID: String
    }

    private let state = Mutex(State())
    let clock: @Sendable () -> UInt64
    let wallClock: @Sendable () -> Int64

    /// `clock`: uptime in nanoseconds (the data plane's monotonic clock); `wallClock`: Unix time in
    /// milliseconds, for quota periods. Tests inject theirs.
    public init(
        clock: @escaping @Sendable () -> UInt64 = { NIODeadline.now().uptimeNanoseconds },
        wallClock: @escaping @Sendable () -> Int64 = { WallClock.epochMillis() }
    ) {
        self.clock = clock
        self.wallClock = wallClock
    }

    /// Counts kept from before (the store's usage records): quotas and today's usage start from them.
    public func seed(_ entries: [UsageEntry]) {
        state.withLock { state in
            for entry in entries {
                let key = UsageKey(planID: entry.planID, keyID: entry.keyID)
                state.stored[key, default: [:]][entry.day] = entry.used
                if let latest = state.reported[key], latest.day > entry.day { continue }
                state.reported[key] = (entry.day, entry.used)
            }
        }
    }

    /// Today's counts that changed since the last call (what a recorder writes every second).
    public func changedUsage() -> [UsageEntry] {
        state.withLock { state in
            var changed: [UsageEntry] = []
            for (key, counter) in state.usage {
                let now = counter.snapshot
                guard now.used > 0, state.reported[key].map({ $0.day != now.day || $0.used != now.used }) ?? true else { continue }
                state.reported[key] = now
                changed.append(UsageEntry(planID: key.planID, keyID: key.keyID, day: now.day, used: now.used))
            }
            return changed
        }
    }

    /// The usage counter of a key under a plan, starting from today's stored count.
    func usage(planID: String, keyID: String) -> UsageCounter {
        let key = UsageKey(planID: planID, keyID: keyID)
        let today = Quota(limit: 0, period: .day).periodIndex(epochMillis: wallClock())
        return state.withLock { state in
            if let existing = state.usage[key] { return existing }
            let counter = UsageCounter(day: today, used: state.stored[key]?[today] ?? 0)
            state.usage[key] = counter
            return counter
        }
    }

    /// The bucket known as `identity`, kept when its limits did not change.
    /// A WAF rate-based rule's counter, kept while its window stays the same.
    func rateCounter(_ identity: String, windowSeconds: Int) -> RateCounter {
        state.withLock { state in
            if let existing = state.rateCounters[identity], existing.windowSeconds == windowSeconds { return existing }
            let counter = RateCounter(windowSeconds: windowSeconds)
            state.rateCounters[identity] = counter
            return counter
        }
    }

    func bucket(_ identity: String, _ throttle: Throttling) -> SharedTokenBucket {
        state.withLock { state in
            if let existing = state.buckets[identity], existing.rate == throttle.rateLimit, existing.burst == throttle.burstLimit { return existing }
            let bucket = SharedTokenBucket(rate: throttle.rateLimit, burst: throttle.burstLimit, now: clock())
            state.buckets[identity] = bucket
            return bucket
        }
    }

    /// The quota counter of a key under a plan, kept (with its count) when the quota did not
    /// change; a new one starts from the stored days of the current period.
    func quota(planID: String, keyID: String, _ quota: Quota) -> QuotaCounter {
        let identity = "quota:\(keyID):\(planID)"
        let now = wallClock()
        let period = quota.periodIndex(epochMillis: now)
        return state.withLock { state in
            if let existing = state.quotas[identity], existing.quota == quota { return existing }
            var used = 0
            for (day, count) in state.stored[UsageKey(planID: planID, keyID: keyID)] ?? [:]
            where quota.periodIndex(epochMillis: Int64(day) * 86_400_000) == period {
                used += count
            }
            let counter = QuotaCounter(quota: quota, period: period, used: used)
            state.quotas[identity] = counter
            return counter
        }
    }

    /// A key's value, or the one generated for it the first time (40 characters, as AWS's).
    func value(of key: APIKeyConfig) -> String {
        if let value = key.value { return value }
        return state.withLock { state in
            if let generated = state.generatedKeys[key.id] { return generated }
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            var generator = SystemRandomNumberGenerator()
            let generated = String((0..<40).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
            state.generatedKeys[key.id] = generated
            return generated
        }
    }

    /// The generated values, for the log at start.
    public var generatedKeys: [String: String] { state.withLock { $0.generatedKeys } }
}
