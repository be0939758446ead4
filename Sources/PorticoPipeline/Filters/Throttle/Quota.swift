import Synchronization

/// A usage plan's quota: `limit` requests per UTC day, week or month. `offset` is the day a period
/// starts (WEEK: 0 = Sunday … 6 = Saturday; MONTH: the period starts on day `offset + 1`).
public struct Quota: Sendable, Hashable {
    public enum Period: String, Sendable, Hashable { case day = "DAY", week = "WEEK", month = "MONTH" }

    public let limit: Int
    public let offset: Int
    public let period: Period

    public init(limit: Int, offset: Int = 0, period: Period) {
        self.limit = max(limit, 0)
        self.offset = offset
        self.period = period
    }

    /// Seconds from `epochMillis` to the start of the next period.
    public func secondsToNextPeriod(epochMillis: Int64) -> Int {
        let current = periodIndex(epochMillis: epochMillis)
        // Periods start at midnight UTC: find the next midnight in another period.
        var midnight = (epochMillis / 86_400_000 + 1) * 86_400_000
        while periodIndex(epochMillis: midnight) == current { midnight += 86_400_000 }
        return Int((midnight - epochMillis + 999) / 1000)
    }

    /// The period's length in seconds (a month counts as 30 days, for `RateLimit-Policy`).
    public var windowSeconds: Int {
        switch period {
        case .day: 86_400
        case .week: 7 * 86_400
        case .month: 30 * 86_400
        }
    }

    /// The period an instant falls in, numbered from the Unix epoch.
    public func periodIndex(epochMillis: Int64) -> Int {
        let days = Int(epochMillis >= 0 ? epochMillis / 86_400_000 : (epochMillis - 86_399_999) / 86_400_000)
        switch period {
        case .day:
            return days
        case .week:
            // 1970-01-01 was a Thursday (weekday 4 counting from Sunday).
            let shifted = days + 4 - offset
            return shifted >= 0 ? shifted / 7 : (shifted - 6) / 7
        case .month:
            let civil = CivilTime(epochSeconds: epochMillis / 1000)
            return civil.year * 12 + civil.month - 1 - (civil.day <= offset ? 1 : 0)
        }
    }
}

/// One key's use of a quota, shared by every event loop: the period and the count in one atomic
/// word (period index in the high 24 bits, count in the low 40), so counting needs no lock.
public final class QuotaCounter: Sendable {
    public let quota: Quota
    private let state: Atomic<UInt64>
    private static let countBits: UInt64 = 40
    private static let countMask: UInt64 = (1 << countBits) - 1

    public init(quota: Quota, period: Int = 0, used: Int = 0) {
        self.quota = quota
        state = Atomic(Self.pack(period: period, used: used))
    }

    static func pack(period: Int, used: Int) -> UInt64 {
        (UInt64(truncatingIfNeeded: period) & 0xFF_FFFF) << countBits | (UInt64(max(used, 0)) & countMask)
    }

    /// Counts a request at `epochMillis` unless the period's limit is reached (then false).
    public func take(epochMillis: Int64) -> Bool {
        let period = UInt64(truncatingIfNeeded: quota.periodIndex(epochMillis: epochMillis)) & 0xFF_FFFF
        var current = state.load(ordering: .relaxed)
        while true {
            let used = current >> Self.countBits == period ? current & Self.countMask : 0
            guard used < UInt64(quota.limit) else { return false }
            let next = period << Self.countBits | (used + 1)
            let (exchanged, original) = state.compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Requests counted in the period of `epochMillis`.
    public func used(epochMillis: Int64) -> Int {
        let period = UInt64(truncatingIfNeeded: quota.periodIndex(epochMillis: epochMillis)) & 0xFF_FFFF
        let current = state.load(ordering: .relaxed)
        return current >> Self.countBits == period ? Int(current & Self.countMask) : 0
    }

    public func remaining(epochMillis: Int64) -> Int { max(quota.limit - used(epochMillis: epochMillis), 0) }
}

/// A key's requests under a plan today (UTC), shared by every event loop: the day and the count
/// in one atomic word, as `QuotaCounter` keeps them.
public final class UsageCounter: Sendable {
    private let state: Atomic<UInt64>

    public init(day: Int = 0, used: Int = 0) {
        state = Atomic(QuotaCounter.pack(period: day, used: used))
    }

    public func add(epochMillis: Int64) {
        let day = UInt64(truncatingIfNeeded: Quota(limit: 0, period: .day).periodIndex(epochMillis: epochMillis)) & 0xFF_FFFF
        var current = state.load(ordering: .relaxed)
        while true {
            let used = current >> 40 == day ? current & ((1 << 40) - 1) : 0
            let (exchanged, original) = state.compareExchange(expected: current, desired: day << 40 | (used + 1), ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// The day counted and its count.
    public var snapshot: (day: Int, used: Int) {
        let current = state.load(ordering: .relaxed)
        return (Int(current >> 40), Int(current & ((1 << 40) - 1)))
    }
}
