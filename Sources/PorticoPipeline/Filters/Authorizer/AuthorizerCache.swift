/// Authorizer answers by identity, for the authorizer's TTL: a state machine with the clock
/// passed in. One per event loop, so the request path takes no lock.
public struct AuthorizerCache: Sendable {
    private struct Entry: Sendable {
        var result: AuthorizerResult
        var expiresAtMillis: Int64
    }

    private var entries: [String: Entry] = [:]
    /// Entries kept at most; the oldest expiry goes first beyond it.
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    public var count: Int { entries.count }

    /// The cached answer for `key`, if it has not expired at `nowMillis`.
    public mutating func lookup(_ key: String, nowMillis: Int64) -> AuthorizerResult? {
        guard let entry = entries[key] else { return nil }
        guard entry.expiresAtMillis > nowMillis else {
            entries[key] = nil
            return nil
        }
        return entry.result
    }

    public mutating func store(_ result: AuthorizerResult, key: String, ttlSeconds: Int, nowMillis: Int64) {
        guard ttlSeconds > 0 else { return }
        if entries.count >= capacity, entries[key] == nil {
            // Drop what has expired; if nothing has, the entry closest to expiry.
            entries = entries.filter { $0.value.expiresAtMillis > nowMillis }
            if entries.count >= capacity, let oldest = entries.min(by: { $0.value.expiresAtMillis < $1.value.expiresAtMillis })?.key {
                entries[oldest] = nil
            }
        }
        entries[key] = Entry(result: result, expiresAtMillis: nowMillis + Int64(ttlSeconds) * 1000)
    }

    /// A new snapshot may change authorizers: forget everything.
    public mutating func removeAll() { entries.removeAll() }
}
