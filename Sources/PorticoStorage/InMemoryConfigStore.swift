import Synchronization

/// A store that forgets everything when the process ends: `portico serve --dev` without a state
/// file, and tests.
public final class InMemoryConfigStore: ConfigStore {
    private let records = Mutex<[String: [String: String]]>([:])

    public init() {}

    public func loadAll() throws -> [StoredRecord] {
        records.withLock { records in
            records.keys.sorted().flatMap { collection in
                records[collection]!.keys.sorted().map {
                    StoredRecord(collection: collection, key: $0, value: records[collection]![$0]!)
                }
            }
        }
    }

    public func apply(_ writes: [StoreWrite]) throws {
        records.withLock { records in
            for write in writes {
                switch write {
                case .put(let record): records[record.collection, default: [:]][record.key] = record.value
                case .delete(let collection, let key): records[collection]?[key] = nil
                }
            }
        }
    }

    public func removeAll() throws {
        records.withLock { $0.removeAll() }
    }
}
