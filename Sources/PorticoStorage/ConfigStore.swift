/// One durable record: a JSON document filed under a collection (`restapis`, `apikeys`, …) and a key.
public struct StoredRecord: Sendable, Hashable {
    public var collection: String
    public var key: String
    /// JSON text.
    public var value: String

    public init(collection: String, key: String, value: String) {
        self.collection = collection
        self.key = key
        self.value = value
    }
}

/// A change to the store; a batch of them is applied atomically.
public enum StoreWrite: Sendable, Hashable {
    case put(StoredRecord)
    case delete(collection: String, key: String)
}

/// Where the management API keeps definitions, deployments, stages, keys and plans. The admin layer
/// holds the working copy in memory and writes through: `apply` returns only once the batch is
/// durable, so a restart (even `kill -9`) finds every answered change. SQLite is the embedded
/// default; a PostgreSQL backend implements the same protocol, and every backend runs the same
/// conformance suite (`ConfigStoreConformance` in PorticoTesting).
public protocol ConfigStore: Sendable {
    /// Every record, ordered by collection then key.
    func loadAll() throws -> [StoredRecord]
    /// Applies the writes in one transaction; durable when it returns.
    func apply(_ writes: [StoreWrite]) throws
    /// Deletes every record (the development mode's `POST /moto-api/reset`).
    func removeAll() throws
}
