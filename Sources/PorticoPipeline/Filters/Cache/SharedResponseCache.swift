import Synchronization

/// A stage cache shared by the event loops, so a response cached by one serves them all, as
/// AWS's cache does. Striped: a lookup locks one stripe of several, chosen by the key, for the
/// time of a dictionary lookup; only cached methods touch it (as only authorized routes touch the
/// authorizer cache).
public final class SharedResponseCache: Sendable {
    private final class Stripe: Sendable {
        let shard: Mutex<ResponseCacheShard>
        init(capacityBytes: Int) { shard = Mutex(ResponseCacheShard(capacityBytes: capacityBytes)) }
    }

    private let stripes: [Stripe]
    public let capacityBytes: Int

    public init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
        // Each stripe must hold a 1 MB item: fewer stripes for small caches.
        let count = min(max(capacityBytes / (4 * ResponseCacheShard.maxItemBytes), 1), 16)
        stripes = (0..<count).map { _ in Stripe(capacityBytes: capacityBytes / count) }
    }

    private func stripe(_ key: String) -> Stripe {
        var hasher = Hasher()
        hasher.combine(key)
        return stripes[Int(UInt(bitPattern: hasher.finalize()) % UInt(stripes.count))]
    }

    public func get(_ key: String, now: UInt64) -> CachedResponse? {
        stripe(key).shard.withLock { $0.get(key, now: now) }
    }

    public func put(_ key: String, _ value: CachedResponse, ttlNanos: UInt64, now: UInt64) {
        stripe(key).shard.withLock { _ = $0.put(key, value, ttlNanos: ttlNanos, now: now) }
    }

    public func invalidate(_ key: String) {
        stripe(key).shard.withLock { $0.invalidate(key) }
    }

    public func flush() {
        for stripe in stripes { stripe.shard.withLock { $0.flush() } }
    }
}

/// The stage caches of a server, by stage (`apiID/stage`), kept across deployments and reloads
/// (a new capacity starts an empty cache, as AWS recreates the cluster).
public final class StageCaches: Sendable {
    private let caches = Mutex<[String: SharedResponseCache]>([:])

    public init() {}

    public func cache(_ identity: String, capacityBytes: Int) -> SharedResponseCache {
        caches.withLock { caches in
            if let existing = caches[identity], existing.capacityBytes == capacityBytes { return existing }
            let cache = SharedResponseCache(capacityBytes: capacityBytes)
            caches[identity] = cache
            return cache
        }
    }

    /// FlushStageCache.
    public func flush(_ identity: String) {
        let cache = caches.withLock { $0[identity] }
        cache?.flush()
    }
}
