import NIOCore
import NIOHTTP1
@testable import PorticoPipeline
import Testing

@Suite struct ResponseCacheTests {
    static let second: UInt64 = 1_000_000_000

    func response(_ size: Int) -> CachedResponse {
        CachedResponse(status: .ok, headers: [], contentType: nil, body: ByteBuffer(repeating: 0x61, count: size))
    }

    @Test func entriesExpireAfterTheirTTL() {
        let cache = ResponseCacheShard(capacityBytes: 10_000)
        #expect(cache.put("a", response(10), ttlNanos: 5 * Self.second, now: 0))
        #expect(cache.get("a", now: 5 * Self.second - 1) != nil)
        #expect(cache.get("a", now: 5 * Self.second) == nil, "expired at its TTL")
        #expect(cache.count == 0 && cache.usedBytes == 0)
        #expect(cache.hits == 1 && cache.misses == 1)
        #expect(!cache.put("z", response(10), ttlNanos: 0, now: 0), "a TTL of 0 caches nothing")
    }

    @Test func theLeastRecentlyUsedGoesFirst() {
        let one = response(100).cost + 1
        let cache = ResponseCacheShard(capacityBytes: 3 * one)
        for key in ["a", "b", "c"] { cache.put(key, response(100), ttlNanos: Self.second, now: 0) }
        _ = cache.get("a", now: 1)  // a is now the most recent; b the least
        cache.put("d", response(100), ttlNanos: Self.second, now: 2)
        #expect(cache.get("b", now: 3) == nil, "b was evicted")
        #expect(cache.get("a", now: 3) != nil && cache.get("c", now: 3) != nil && cache.get("d", now: 3) != nil)
        #expect(cache.usedBytes <= cache.capacityBytes)
        // A bigger entry evicts as many as it needs.
        cache.put("big", response(1300), ttlNanos: Self.second, now: 4)
        #expect(cache.count == 1 && cache.get("big", now: 5) != nil)
    }

    @Test func limitsAndReplacement() {
        let cache = ResponseCacheShard(capacityBytes: 4_000_000)
        #expect(!cache.put("huge", response(ResponseCacheShard.maxItemBytes + 1), ttlNanos: Self.second, now: 0), "AWS's 1 MB item limit")
        #expect(cache.put("max", response(ResponseCacheShard.maxItemBytes), ttlNanos: Self.second, now: 0))
        cache.put("max", response(10), ttlNanos: Self.second, now: 0)
        #expect(cache.count == 1 && cache.usedBytes < 1_000, "a new value replaces the old one's cost")
        cache.invalidate("max")
        #expect(cache.count == 0 && cache.usedBytes == 0)
        cache.put("x", response(10), ttlNanos: Self.second, now: 0)
        cache.flush()
        #expect(cache.get("x", now: 0) == nil && cache.usedBytes == 0)
        #expect(!ResponseCacheShard(capacityBytes: 10).put("y", response(100), ttlNanos: Self.second, now: 0), "over the whole capacity")
    }

    @Test func stageCachesAreSharedFlushedAndRecreatedOnANewCapacity() async {
        let caches = StageCaches()
        let cache = caches.cache("api/prod", capacityBytes: 64 * 1_048_576)
        #expect(caches.cache("api/prod", capacityBytes: 64 * 1_048_576) === cache, "one cache per stage")
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                group.addTask { for key in 0..<200 { cache.put("k\(index)-\(key)", self.response(100), ttlNanos: Self.second, now: 0) } }
            }
        }
        #expect(cache.get("k3-199", now: 1) != nil && cache.get("k0-0", now: 1) != nil)
        caches.flush("api/prod")
        #expect(cache.get("k3-199", now: 1) == nil, "FlushStageCache empties it")
        #expect(caches.cache("api/prod", capacityBytes: 1_048_576) !== cache, "a new capacity is a new, empty cache")
        caches.flush("unknown/stage")
    }
}
