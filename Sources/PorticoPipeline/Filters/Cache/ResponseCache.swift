import NIOCore
import NIOHTTP1

/// A response kept by a stage cache, sent again on a hit.
public struct CachedResponse: Sendable {
    public let status: HTTPResponseStatus
    public let headers: [(String, String)]
    public let contentType: String?
    public let body: ByteBuffer

    /// The body is copied into storage of its own size: a captured body may sit in a larger buffer.
    public init(status: HTTPResponseStatus, headers: [(String, String)], contentType: String?, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.contentType = contentType
        var compact = ByteBufferAllocator().buffer(capacity: body.readableBytes)
        compact.writeImmutableBuffer(body)
        self.body = compact
    }

    /// What the entry costs against the capacity: its bytes and what holding them costs (the
    /// node, the index entry, the strings' and buffer's own storage) — measured at about half a
    /// kilobyte per small entry, so a full cache stays near its capacity in resident memory.
    var cost: Int {
        Self.overhead + body.readableBytes + (contentType?.utf8.count ?? 0) + headers.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 32 }
    }

    static let overhead = 512
}

/// A least-recently-used cache bounded by bytes, entries with an expiry. One per event loop, so
/// it needs no lock; the clock (uptime nanoseconds) is passed in.
public final class ResponseCacheShard {
    /// AWS's limit on one cached response.
    public static let maxItemBytes = 1_048_576

    public let capacityBytes: Int
    public private(set) var usedBytes = 0
    public private(set) var hits = 0
    public private(set) var misses = 0

    private final class Node {
        let key: String
        var value: CachedResponse
        var expires: UInt64
        var cost: Int
        var newer: Node?
        var older: Node?

        init(key: String, value: CachedResponse, expires: UInt64) {
            self.key = key
            self.value = value
            self.expires = expires
            self.cost = value.cost + key.utf8.count
        }
    }

    private var nodes: [String: Node] = [:]
    /// Most recently used, and least.
    private var newest: Node?
    private var oldest: Node?

    public init(capacityBytes: Int) {
        self.capacityBytes = max(capacityBytes, 0)
    }

    public var count: Int { nodes.count }

    /// The entry for `key` unless it expired (then it is dropped); counts a hit or a miss.
    public func get(_ key: String, now: UInt64) -> CachedResponse? {
        guard let node = nodes[key] else {
            misses += 1
            return nil
        }
        guard now < node.expires else {
            remove(node)
            misses += 1
            return nil
        }
        moveToFront(node)
        hits += 1
        return node.value
    }

    /// Keeps `value` for `ttlNanos`; false when it is over the item limit or the capacity.
    @discardableResult
    public func put(_ key: String, _ value: CachedResponse, ttlNanos: UInt64, now: UInt64) -> Bool {
        if let existing = nodes[key] { remove(existing) }
        let node = Node(key: key, value: value, expires: now &+ ttlNanos)
        guard ttlNanos > 0, value.body.readableBytes <= Self.maxItemBytes, node.cost <= capacityBytes else { return false }
        while usedBytes + node.cost > capacityBytes, let victim = oldest { remove(victim) }
        nodes[key] = node
        usedBytes += node.cost
        node.older = newest
        newest?.newer = node
        newest = node
        if oldest == nil { oldest = node }
        return true
    }

    /// Drops `key` (a client's `Cache-Control: max-age=0`).
    public func invalidate(_ key: String) {
        if let node = nodes[key] { remove(node) }
    }

    /// Drops everything (FlushStageCache).
    public func flush() {
        nodes.removeAll()
        newest = nil
        oldest = nil
        usedBytes = 0
    }

    private func moveToFront(_ node: Node) {
        guard newest !== node else { return }
        unlink(node)
        node.older = newest
        newest?.newer = node
        newest = node
        if oldest == nil { oldest = node }
    }

    private func unlink(_ node: Node) {
        node.newer?.older = node.older
        node.older?.newer = node.newer
        if newest === node { newest = node.older }
        if oldest === node { oldest = node.newer }
        node.newer = nil
        node.older = nil
    }

    private func remove(_ node: Node) {
        unlink(node)
        nodes[node.key] = nil
        usedBytes -= node.cost
    }
}
