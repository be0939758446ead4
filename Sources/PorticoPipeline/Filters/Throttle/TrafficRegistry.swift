import NIOCore
import PorticoModel
import Synchronization

/// The throttle buckets, quota counters and generated key values that must outlive one compiled
/// gateway: a reload or a deployment recompiles everything, but a client's bucket and count stay.
/// Used only while compiling (off the request path), so a lock is fine here.
public final class TrafficRegistry: Sendable {
    private struct State {
        var buckets: [String: SharedTokenBucket] = [:]
        var quotas: [String: QuotaCounter] = [:]
        var generatedKeys: [String: String] = [:]
    }

    private let state = Mutex(State())
    let clock: @Sendable () -> UInt64

    /// `clock`: uptime in nanoseconds (the data plane's monotonic clock; tests inject theirs).
    public init(clock: @escaping @Sendable () -> UInt64 = { NIODeadline.now().uptimeNanoseconds }) {
        self.clock = clock
    }

    /// The bucket known as `identity`, kept when its limits did not change.
    func bucket(_ identity: String, _ throttle: Throttling) -> SharedTokenBucket {
        state.withLock { state in
            if let existing = state.buckets[identity], existing.rate == throttle.rateLimit, existing.burst == throttle.burstLimit { return existing }
            let bucket = SharedTokenBucket(rate: throttle.rateLimit, burst: throttle.burstLimit, now: clock())
            state.buckets[identity] = bucket
            return bucket
        }
    }

    /// The quota counter known as `identity`, kept (with its count) when the quota did not change.
    func quota(_ identity: String, _ quota: Quota) -> QuotaCounter {
        state.withLock { state in
            if let existing = state.quotas[identity], existing.quota == quota { return existing }
            let counter = QuotaCounter(quota: quota)
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
