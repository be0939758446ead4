import PorticoStorage

/// The behaviour every `ConfigStore` backend must show; each backend's tests run it.
public enum ConfigStoreConformance {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs every check against stores made by `makeStore`; `reopen` must return a store on the same
    /// data (a new process, as far as the store can tell) or nil when the backend keeps nothing.
    public static func run(makeStore: () throws -> any ConfigStore, reopen: (any ConfigStore) throws -> (any ConfigStore)?) throws {
        let store = try makeStore()
        try expect(try store.loadAll().isEmpty, "a new store is empty")

        let a = StoredRecord(collection: "restapis", key: "a1", value: #"{"name":"a"}"#)
        let b = StoredRecord(collection: "restapis", key: "b2", value: #"{"name":"b"}"#)
        let key = StoredRecord(collection: "apikeys", key: "k", value: #"{"value":"x"}"#)
        try store.apply([.put(b), .put(a), .put(key)])
        try expect(try store.loadAll() == [key, a, b], "records come back ordered by collection then key")

        let changed = StoredRecord(collection: "restapis", key: "a1", value: #"{"name":"a2"}"#)
        try store.apply([.put(changed), .delete(collection: "restapis", key: "b2"), .delete(collection: "nothing", key: "here")])
        try expect(try store.loadAll() == [key, changed], "a put replaces, a delete removes, deleting what is absent is fine")

        let unicode = StoredRecord(collection: "tags", key: "arn:aws:apigateway:us-east-1::/restapis/x", value: #"{"k":"välue ✓ \"q\""}"#)
        try store.apply([.put(unicode)])
        try expect(try store.loadAll().contains(unicode), "keys and values keep every character")

        if let reopened = try reopen(store) {
            try expect(try reopened.loadAll() == [key, changed, unicode], "a reopened store has every applied write")
        }

        try store.removeAll()
        try expect(try store.loadAll().isEmpty, "removeAll empties the store")
        try store.apply([])
        try expect(try store.loadAll().isEmpty, "an empty batch changes nothing")
    }

    private static func expect(_ condition: @autoclosure () throws -> Bool, _ what: String) throws {
        guard try condition() else { throw Failure(description: "ConfigStore conformance: expected that \(what)") }
    }
}
