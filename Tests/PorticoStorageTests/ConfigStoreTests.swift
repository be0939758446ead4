import Foundation
import PorticoStorage
import PorticoStorageSQLite
import PorticoTesting
import Testing

@Suite struct ConfigStoreTests {
    @Test func inMemoryStoreConforms() throws {
        try ConfigStoreConformance.run(makeStore: { InMemoryConfigStore() }, reopen: { _ in nil })
    }

    @Test func sqliteStoreConforms() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/portico.sqlite"
        try ConfigStoreConformance.run(makeStore: { try SQLiteConfigStore(path: path) }, reopen: { _ in try SQLiteConfigStore(path: path) })
    }

    @Test func migrationsAreNumberedAndAppliedOnce() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/portico.sqlite"
        let first = try SQLiteConfigStore(path: path)
        #expect(try first.appliedMigrations() == ["1-records"])
        try first.apply([.put(StoredRecord(collection: "c", key: "k", value: "{}"))])
        // Opening again runs no migration twice and keeps the data.
        let second = try SQLiteConfigStore(path: path)
        #expect(try second.appliedMigrations() == ["1-records"])
        #expect(try second.loadAll().count == 1)
    }
}
