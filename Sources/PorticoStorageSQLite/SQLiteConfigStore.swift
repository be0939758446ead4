import GRDB
import PorticoStorage

/// The embedded default store: one SQLite file (WAL, `synchronous=FULL`, so an answered change
/// survives `kill -9` and power loss alike), schema kept by numbered migrations.
public final class SQLiteConfigStore: ConfigStore {
    private let queue: DatabaseQueue

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        }
        try Self.migrator.migrate(queue)
    }

    /// The schema's history. Never edit a migration that has shipped; add the next number.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-records") { db in
            try db.execute(sql: """
                CREATE TABLE records (
                    collection TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    updated_at REAL NOT NULL DEFAULT (julianday('now')),
                    PRIMARY KEY (collection, key)
                ) WITHOUT ROWID
                """)
        }
        return migrator
    }

    /// The migrations applied to this database, in order (for tests and `portico` diagnostics).
    public func appliedMigrations() throws -> [String] {
        try queue.read { db in try Self.migrator.appliedMigrations(db) }
    }

    public func loadAll() throws -> [StoredRecord] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT collection, key, value FROM records ORDER BY collection, key").map {
                StoredRecord(collection: $0["collection"], key: $0["key"], value: $0["value"])
            }
        }
    }

    public func apply(_ writes: [StoreWrite]) throws {
        guard !writes.isEmpty else { return }
        try queue.write { db in
            for write in writes {
                switch write {
                case .put(let record):
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO records (collection, key, value, updated_at) VALUES (?, ?, ?, julianday('now'))",
                        arguments: [record.collection, record.key, record.value])
                case .delete(let collection, let key):
                    try db.execute(sql: "DELETE FROM records WHERE collection = ? AND key = ?", arguments: [collection, key])
                }
            }
        }
    }

    public func removeAll() throws {
        try queue.write { db in try db.execute(sql: "DELETE FROM records") }
    }
}
