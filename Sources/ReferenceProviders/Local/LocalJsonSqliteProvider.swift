import Foundation
import GRDB
import Logging
import ReferenceCatalog

/// Today's app behaviour: the bundled `ReferenceData` JSON is imported into an SQLite file on first use,
/// and again whenever the bundled files change (detected by their content hash); every read is served from
/// SQLite and decoded back into the catalog's types.
///
/// Storage in SQLite: text as TEXT; integers as INTEGER; booleans as INTEGER 0/1 (SQLite has no boolean);
/// exact decimals as their TEXT literal (SQLite's REAL is binary: a REAL found in an older store is read
/// back through its shortest round-trip decimal, see NORMALIZATION.md); arrays and JSON objects as JSON
/// TEXT. `referenceVersion` is `local-<content hash>`.
public final class LocalJsonSqliteProvider: ReferenceDataProvider, Sendable {
    public let sourceDirectory: URL
    public let databasePath: String
    private let logger: Logger
    private let state = SQLiteState()

    public init(sourceDirectory: URL, databasePath: String, logger: Logger = Logger(label: "reference.local")) {
        self.sourceDirectory = sourceDirectory
        self.databasePath = databasePath
        self.logger = logger
    }

    public func getBootstrap(options: BootstrapOptions) async throws -> ReferenceBootstrap {
        let (queue, hash) = try await state.open(self)
        do {
            return try await queue.read { db in
                var tables: [String: ReferenceTable] = [:]
                for spec in ReferenceCatalog.tables {
                    tables[spec.name] = try SQLiteTableCodec.read(spec, from: db)
                }
                return ReferenceBootstrap(
                    schemaVersion: nil, referenceVersion: "local-\(hash)", generatedAt: nil, tables: tables)
            }
        } catch let error as ReferenceProviderError {
            throw error
        } catch {
            throw ReferenceProviderError.localStore(path: databasePath, reason: "\(error)")
        }
    }

    public func getTable(_ name: String, options: BootstrapOptions) async throws -> ReferenceTable {
        guard let spec = ReferenceCatalog.table(named: name) else { throw ReferenceProviderError.unknownTable(name) }
        let (queue, _) = try await state.open(self)
        do {
            return try await queue.read { db in try SQLiteTableCodec.read(spec, from: db) }
        } catch {
            throw ReferenceProviderError.localStore(path: databasePath, reason: "\(error)")
        }
    }

    /// `local-<content hash>`: the store's version (importing first when it is not current), no table read.
    public func referenceVersion() async throws -> String {
        let (_, hash) = try await state.open(self)
        return "local-\(hash)"
    }

    /// Makes the store current from `source`, which the caller has just loaded and validated from
    /// ``sourceDirectory`` (the parity run does): the files are not read a second time. Later reads use it.
    public func prepare(from source: ReferenceSource) async throws {
        _ = try await state.open(self, preloaded: source)
    }

    /// Opens the store, importing first when it is missing, from another catalog, or older than the files.
    fileprivate func openStore(preloaded: ReferenceSource? = nil) throws -> (DatabaseQueue, String) {
        if let preloaded {
            if let existing = try? storedHash(), existing == preloaded.contentHash {
                return (try openReadOnly(), existing)
            }
            try importSource(preloaded, hash: preloaded.contentHash)
            return (try openReadOnly(), preloaded.contentHash)
        }
        guard let hash = ReferenceSource.contentHash(of: sourceDirectory) else {
            // A file is missing: the validator says which.
            do {
                _ = try ReferenceSource.load(from: sourceDirectory)
            } catch let error as SourceValidationError {
                throw ReferenceProviderError.invalidBundledData(error)
            }
            throw ReferenceProviderError.localStore(path: databasePath, reason: "the bundled files cannot be read")
        }
        if let existing = try? storedHash(), existing == hash {
            return (try openReadOnly(), hash)
        }
        let started = ContinuousClock.now
        let source: ReferenceSource
        do {
            source = try ReferenceSource.load(from: sourceDirectory)
        } catch let error as SourceValidationError {
            throw ReferenceProviderError.invalidBundledData(error)
        }
        try importSource(source, hash: hash)
        logger.debug(
            "imported bundled reference data",
            metadata: [
                "local.path": "\(databasePath)", "local.hash": "\(hash)", "local.ms": "\(started.duration(to: .now))",
            ])
        return (try openReadOnly(), hash)
    }

    private func storedHash() throws -> String? {
        guard FileManager.default.fileExists(atPath: databasePath) else { return nil }
        let queue = try openReadOnly()
        return try queue.read { db in
            guard try db.tableExists("reference_import") else { return nil }
            let row = try Row.fetchOne(db, sql: "SELECT content_hash, catalog FROM reference_import")
            guard let row, row["catalog"] as String? == SQLiteTableCodec.catalogFingerprint else { return nil }
            return row["content_hash"]
        }
    }

    private func openReadOnly() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        do {
            return try DatabaseQueue(path: databasePath, configuration: configuration)
        } catch {
            throw ReferenceProviderError.localStore(path: databasePath, reason: "\(error)")
        }
    }

    /// Builds a complete store in a temporary file and renames it into place: a reader never sees a
    /// half-imported store, and a failed import leaves the previous one.
    private func importSource(_ source: ReferenceSource, hash: String) throws {
        let temporary = databasePath + ".importing-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            try FileManager.default.createDirectory(
                atPath: (databasePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            // A throwaway file until it is renamed into place (a failed import is deleted), so no journal and
            // no fsync per transaction; a bigger page cache for building the primary-key indexes.
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536")
            }
            let queue = try DatabaseQueue(path: temporary, configuration: configuration)
            try queue.write { db in
                for table in source.tables { try SQLiteTableCodec.write(table, into: db) }
                try db.execute(
                    sql:
                        "CREATE TABLE reference_import (content_hash TEXT NOT NULL, catalog TEXT NOT NULL, imported_at TEXT NOT NULL)"
                )
                try db.execute(
                    sql: "INSERT INTO reference_import VALUES (?, ?, ?)",
                    arguments: [hash, SQLiteTableCodec.catalogFingerprint, ISO8601DateFormatter().string(from: Date())])
            }
            try queue.close()
            if rename(temporary, databasePath) != 0 {
                throw ReferenceProviderError.localStore(path: databasePath, reason: String(cString: strerror(errno)))
            }
        } catch let error as ReferenceProviderError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ReferenceProviderError.localStore(path: databasePath, reason: "\(error)")
        }
    }
}

/// Opens the store once per provider (per content hash), serialising first use: callers that arrive while it
/// is being opened wait for that one opening. The opening (an import of the whole bundle on first use) runs on
/// a background thread of its own (``BackgroundThread``), not on one of the cooperative threads. A failed
/// opening is not kept: the next call tries again.
private actor SQLiteState {
    private var opening: Task<(DatabaseQueue, String), any Error>?

    func open(
        _ provider: LocalJsonSqliteProvider, preloaded: ReferenceSource? = nil
    ) async throws -> (
        DatabaseQueue, String
    ) {
        if let opening { return try await opening.value }
        let task = Task { try await BackgroundThread.run { try provider.openStore(preloaded: preloaded) } }
        opening = task
        do {
            return try await task.value
        } catch {
            if opening == task { opening = nil }
            throw error
        }
    }
}
