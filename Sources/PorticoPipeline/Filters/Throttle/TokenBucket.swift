import Synchronization

/// AWS's throttle: a bucket of `burst` tokens refilled at `rate` per second; a request takes one
/// or is throttled. A value type with the clock passed in, so every case is testable.
public struct TokenBucket: Sendable, Hashable {
    public let rate: Double
    public let burst: Double
    /// Tokens in the bucket as of `updated`.
    public private(set) var tokens: Double
    /// Uptime in nanoseconds of the last refill.
    public private(set) var updated: UInt64

    /// A full bucket at `now`.
    public init(rate: Double, burst: Int, now: UInt64) {
        self.rate = max(rate, 0)
        self.burst = Double(max(burst, 0))
        self.tokens = Double(max(burst, 0))
        self.updated = now
    }

    init(rate: Double, burst: Double, tokens: Double, updated: UInt64) {
        self.rate = rate
        self.burst = burst
        self.tokens = tokens
        self.updated = updated
    }

    /// Refills for the time since the last call (a clock that goes back refills nothing), then
    /// takes a token if there is one.
    public mutating func take(now: UInt64) -> Bool {
        if now > updated {
            tokens = min(burst, tokens + Double(now - updated) * rate / 1e9)
            updated = now
        }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whole tokens left at `now` (for `RateLimit-Remaining`).
    public func remaining(now: UInt64) -> Int {
        Int(level(now: now))
    }

    /// Tokens in the bucket at `now`, fractions included.
    public func level(now: UInt64) -> Double {
        now > updated ? min(burst, tokens + Double(now - updated) * rate / 1e9) : tokens
    }

    /// Whole seconds until the next token is in (0 when one is).
    public func secondsToNextToken(now: UInt64) -> Int {
        let missing = 1 - level(now: now)
        guard missing > 0 else { return 0 }
        guard rate > 0 else { return Int.max }
        return Int((missing / rate).rounded(.up))
    }
}

/// A `TokenBucket` shared by every event loop: its state is one double-word atomic, updated with
/// compare-and-swap, so taking a token needs no lock.
public final class SharedTokenBucket: Sendable {
    public let rate: Double
    public let burst: Int
    /// (uptime nanoseconds of the last refill, tokens as a `Double` bit pattern).
    private let state: Atomic<WordPair>

    public init(rate: Double, burst: Int, now: UInt64) {
        self.rate = rate
        self.burst = burst
        let bucket = TokenBucket(rate: rate, burst: burst, now: now)
        state = Atomic(WordPair(first: UInt(bucket.updated), second: UInt(bucket.tokens.bitPattern)))
    }

    private func bucket(_ pair: WordPair) -> TokenBucket {
        TokenBucket(rate: max(rate, 0), burst: Double(max(burst, 0)), tokens: Double(bitPattern: UInt64(pair.second)), updated: UInt64(pair.first))
    }

    public func take(now: UInt64) -> Bool {
        var current = state.load(ordering: .relaxed)
        while true {
            var next = bucket(current)
            guard next.take(now: now) else { return false }
            let pair = WordPair(first: UInt(next.updated), second: UInt(next.tokens.bitPattern))
            let (exchanged, original) = state.compareExchange(expected: current, desired: pair, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    public func remaining(now: UInt64) -> Int {
        bucket(state.load(ordering: .relaxed)).remaining(now: now)
    }

    public func secondsToNextToken(now: UInt64) -> Int {
        bucket(state.load(ordering: .relaxed)).secondsToNextToken(now: now)
    }
}
