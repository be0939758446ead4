import Foundation
import PorticoModel
@testable import PorticoPipeline
import Testing

@Suite struct TokenBucketTests {
    static let second: UInt64 = 1_000_000_000

    @Test func aFullBucketGivesItsBurstThenRefillsAtTheRate() {
        var bucket = TokenBucket(rate: 10, burst: 5, now: 0)
        for _ in 0..<5 { do { let taken = bucket.take(now: 0); #expect(taken) } }
        do { let taken = bucket.take(now: 0); #expect(!taken, "the burst is spent") }
        do { let taken = bucket.take(now: Self.second / 10 - 1); #expect(!taken, "a token takes 1/rate seconds") }
        do { let taken = bucket.take(now: Self.second / 10); #expect(taken) }
        do { let taken = bucket.take(now: Self.second / 10); #expect(!taken) }
        // A long pause refills only up to the burst.
        #expect(bucket.remaining(now: 100 * Self.second) == 5)
        for _ in 0..<5 { do { let taken = bucket.take(now: 100 * Self.second); #expect(taken) } }
        do { let taken = bucket.take(now: 100 * Self.second); #expect(!taken) }
    }

    @Test func edgeCases() {
        var closed = TokenBucket(rate: 100, burst: 0, now: 0)
        do { let taken = closed.take(now: 10 * Self.second); #expect(!taken, "burst 0 admits nothing, as on AWS") }
        var frozen = TokenBucket(rate: 0, burst: 2, now: 0)
        do { let first = frozen.take(now: 0), second = frozen.take(now: 0); #expect(first && second) }
        do { let taken = frozen.take(now: 1_000 * Self.second); #expect(!taken, "rate 0 never refills") }
        var slow = TokenBucket(rate: 0.5, burst: 1, now: 0)
        do { let taken = slow.take(now: 0); #expect(taken) }
        do { let taken = slow.take(now: Self.second); #expect(!taken) }
        do { let taken = slow.take(now: 2 * Self.second); #expect(taken, "fractional rates refill over several seconds") }
        var backwards = TokenBucket(rate: 1, burst: 1, now: 10 * Self.second)
        do { let taken = backwards.take(now: 10 * Self.second); #expect(taken) }
        do { let taken = backwards.take(now: 5 * Self.second); #expect(!taken, "a clock that goes back refills nothing") }
        do { let taken = backwards.take(now: 11 * Self.second); #expect(taken) }
    }

    /// Every schedule of requests over a small grid: the admitted count never exceeds
    /// burst + rate × elapsed, and a request is refused only when the bucket is below one token.
    @Test func neverAdmitsMoreThanBurstPlusRate() {
        for rate in [1.0, 3.0, 10.0] {
            for burst in [0, 1, 4] {
                var bucket = TokenBucket(rate: rate, burst: burst, now: 0)
                var admitted = 0
                var now: UInt64 = 0
                for step in 0..<400 {
                    now += UInt64((step * 7919) % 97) * Self.second / 200
                    let before = bucket.remaining(now: now)
                    let taken = bucket.take(now: now)
                    #expect(taken == (before >= 1))
                    if taken { admitted += 1 }
                    #expect(Double(admitted) <= Double(burst) + rate * Double(now) / 1e9 + 1e-9)
                }
            }
        }
    }

    @Test func aSharedBucketAdmitsExactlyItsBurstAcrossThreads() async {
        let bucket = SharedTokenBucket(rate: 0, burst: 1_000, now: 0)
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<600).reduce(0) { count, _ in count + (bucket.take(now: 0) ? 1 : 0) } }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 1_000)
        #expect(bucket.remaining(now: 0) == 0)
    }
}

@Suite struct QuotaTests {
    static func millis(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0) -> Int64 {
        var components = DateComponents()
        components.year = year; components.month = month; components.day = day; components.hour = hour
        components.timeZone = TimeZone(identifier: "UTC")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return Int64(calendar.date(from: components)!.timeIntervalSince1970 * 1000)
    }

    @Test func periodsAreUTCDaysWeeksAndMonths() {
        let day = Quota(limit: 1, period: .day)
        #expect(day.periodIndex(epochMillis: Self.millis(2026, 11, 22, 23)) == day.periodIndex(epochMillis: Self.millis(2026, 11, 22, 0)))
        #expect(day.periodIndex(epochMillis: Self.millis(2026, 11, 23)) == day.periodIndex(epochMillis: Self.millis(2026, 11, 22)) + 1)
        // 2026-11-22 is a Sunday: a week with offset 0 starts on it, one with offset 1 on Monday.
        let sunday = Quota(limit: 1, offset: 0, period: .week)
        #expect(sunday.periodIndex(epochMillis: Self.millis(2026, 11, 21, 23)) + 1 == sunday.periodIndex(epochMillis: Self.millis(2026, 11, 22)))
        #expect(sunday.periodIndex(epochMillis: Self.millis(2026, 11, 28, 23)) == sunday.periodIndex(epochMillis: Self.millis(2026, 11, 22)))
        let monday = Quota(limit: 1, offset: 1, period: .week)
        #expect(monday.periodIndex(epochMillis: Self.millis(2026, 11, 22)) + 1 == monday.periodIndex(epochMillis: Self.millis(2026, 11, 23)))
        let month = Quota(limit: 1, period: .month)
        #expect(month.periodIndex(epochMillis: Self.millis(2026, 11, 30, 23)) + 1 == month.periodIndex(epochMillis: Self.millis(2026, 12, 1)))
        #expect(month.periodIndex(epochMillis: Self.millis(2026, 12, 31)) + 1 == month.periodIndex(epochMillis: Self.millis(2027, 1, 1)))
        let fromThe15th = Quota(limit: 1, offset: 14, period: .month)
        #expect(fromThe15th.periodIndex(epochMillis: Self.millis(2026, 11, 14)) + 1 == fromThe15th.periodIndex(epochMillis: Self.millis(2026, 11, 15)))
        #expect(fromThe15th.periodIndex(epochMillis: Self.millis(2026, 12, 14)) == fromThe15th.periodIndex(epochMillis: Self.millis(2026, 11, 15)))
    }

    @Test func aCounterStopsAtTheLimitAndStartsAgainNextPeriod() {
        let counter = QuotaCounter(quota: Quota(limit: 3, period: .day))
        let today = Self.millis(2026, 11, 22, 10)
        for _ in 0..<3 { #expect(counter.take(epochMillis: today)) }
        #expect(!counter.take(epochMillis: today))
        #expect(counter.used(epochMillis: today) == 3 && counter.remaining(epochMillis: today) == 0)
        let tomorrow = Self.millis(2026, 11, 23, 0)
        #expect(counter.remaining(epochMillis: tomorrow) == 3)
        #expect(counter.take(epochMillis: tomorrow))
        #expect(counter.used(epochMillis: tomorrow) == 1)
        #expect(!QuotaCounter(quota: Quota(limit: 0, period: .month)).take(epochMillis: today), "a zero quota admits nothing")
    }

    @Test func countsAcrossThreadsAreExact() async {
        let counter = QuotaCounter(quota: Quota(limit: 5_000, period: .day))
        let now = Self.millis(2026, 11, 22, 12)
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { (0..<2_000).reduce(0) { count, _ in count + (counter.take(epochMillis: now) ? 1 : 0) } } }
            return await group.reduce(0, +)
        }
        #expect(admitted == 5_000)
    }

    @Test func storedCountsSeedQuotasAndTodaysUsage() {
        // Sunday 2026-11-22, 12:00 UTC; a week quota starting on Sundays.
        let now = Self.millis(2026, 11, 22, 12)
        let today = Int(now / 86_400_000)
        let registry = TrafficRegistry(clock: { 0 }, wallClock: { now })
        registry.seed([
            UsageEntry(planID: "p", keyID: "k", day: today, used: 4),
            UsageEntry(planID: "p", keyID: "k", day: today - 1, used: 100),  // Saturday: last week
            UsageEntry(planID: "p", keyID: "other", day: today, used: 7),
        ])
        let weekly = registry.quota(planID: "p", keyID: "k", Quota(limit: 10, period: .week))
        #expect(weekly.used(epochMillis: now) == 4)
        let daily = registry.quota(planID: "p", keyID: "other", Quota(limit: 10, period: .day))
        #expect(daily.used(epochMillis: now) == 7)
        let usage = registry.usage(planID: "p", keyID: "k")
        #expect(usage.snapshot.day == today && usage.snapshot.used == 4)
        #expect(registry.changedUsage().isEmpty, "nothing new to store")
        usage.add(epochMillis: now)
        #expect(registry.changedUsage() == [UsageEntry(planID: "p", keyID: "k", day: today, used: 5)])
        #expect(registry.changedUsage().isEmpty)
    }
}
