import Crypto
import Foundation
import PostgresSupport
import ReferenceCatalog

/// One numbered SQL migration file, `NNNN_name.sql`, shipped as a resource of this module.
public struct Migration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex.
    public let checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The project's migrations in version order.
    public static let bundled: [Migration] = {
        do {
            return try load(from: Bundle.module.resourceURL!.appendingPathComponent("Migrations"))
        } catch {
            fatalError("the bundled migrations cannot be read: \(error)")
        }
    }()

    /// The highest version in ``bundled``: the schema version this build expects.
    public static var latestVersion: Int { bundled.last?.version ?? 0 }

    /// One checksum over all bundled migrations, for caches of migrated databases.
    public static var bundledChecksum: String {
        SHA256.hash(data: Data(bundled.map(\.checksum).joined(separator: "\n").utf8))
            .prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Reads `NNNN_name.sql` files from `directory`; anything else there is an error, as are duplicate
    /// versions.
    public static func load(from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        var migrations: [Migration] = []
        for file in files {
            guard file.hasSuffix(".sql"), let underscore = file.firstIndex(of: "_"),
                let version = Int(file[..<underscore])
            else { throw MigrationError.badFileName(file) }
            let name = String(file[file.index(after: underscore)...].dropLast(4))
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            if migrations.contains(where: { $0.version == version }) { throw MigrationError.duplicateVersion(version) }
            migrations.append(Migration(version: version, name: name, sql: sql))
        }
        return migrations.sorted { $0.version < $1.version }
    }
}

/// Why migrating stopped. The database stays at the last fully applied migration.
public enum MigrationError: Error, Sendable, CustomStringConvertible {
    case badFileName(String)
    case duplicateVersion(Int)
    case checksumMismatch(version: Int, name: String, applied: String, file: String)
    case unknownAppliedVersion(version: Int, name: String)
    case statementFailed(version: Int, name: String, line: Int, cause: any Error)
    /// Another session held the migration lock for longer than the lock timeout.
    case lockTimeout(seconds: Double, holder: String)
    /// A statement could not get a table lock within the statement lock timeout, attempt after attempt, until
    /// the lock timeout was spent; the unit it belonged to was rolled back each time.
    case tableLockTimeout(seconds: Double, attempts: Int, unit: String, line: Int?, statement: String, holders: String)

    public var description: String {
        switch self {
        case .badFileName(let file):
            "migration file '\(file)' is not named NNNN_name.sql"
        case .duplicateVersion(let version):
            "two migration files have version \(version)"
        case .checksumMismatch(let version, let name, let applied, let file):
            "migration \(version) (\(name)) was applied with checksum \(applied.prefix(12)) but the file now has "
                + "\(file.prefix(12)): an applied migration must never change; add a new migration instead"
        case .unknownAppliedVersion(let version, let name):
            "the database has migration \(version) (\(name)) applied, which this build does not know: "
                + "it was migrated by a newer version"
        case .statementFailed(let version, let name, let line, let cause):
            "migration \(version) (\(name)) failed at line \(line) and was rolled back: \(describePostgresError(cause))"
        case .lockTimeout(let seconds, let holder):
            "gave up after waiting \(seconds.formatted()) s for the migration lock (advisory lock "
                + "\(Migrator.advisoryLockKey)), held by \(holder): let that session finish or end it, "
                + "or raise --lock-timeout"
        case .tableLockTimeout(let seconds, let attempts, let unit, let line, let statement, let holders):
            "gave up after \(seconds.formatted(.number.precision(.fractionLength(1)))) s and \(attempts) "
                + "attempt\(attempts == 1 ? "" : "s"): \(unit)"
                + (line.map { " at line \($0)" } ?? "")
                + " could not get a table lock (\(statement.split(whereSeparator: \.isNewline).first.map(String.init)?.prefix(80) ?? "")), "
                + "held by \(holders); it was rolled back each time, nothing of it is applied: "
                + "let that session finish or end it, or raise --lock-timeout"
        }
    }
}

extension MigrationError: ClassifiedError {
    public var failureKind: FailureKind { .infrastructure }
}
