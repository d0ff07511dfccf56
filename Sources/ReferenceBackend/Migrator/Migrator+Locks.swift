import Logging
import PostgresNIO
import PostgresSupport
import Synchronization

/// How a migration waits for locks without ever blocking production.
///
/// In PostgreSQL a DDL statement that waits for a table lock makes every later reader of that table wait
/// behind it: one migration stuck behind an idle transaction stops the API. So every statement the migrator
/// runs has a short `lock_timeout` (``Migrator/statementLockTimeout``); a statement that cannot get its lock
/// in that time is cancelled, its migration rolled back whole, and the migration tried again after a growing
/// pause (readers get through in between), until the whole budget (``Migrator/lockTimeout``, the migration
/// lock's wait included) is spent. Then it gives up, naming the sessions it waited for.
extension Migrator {
    /// Runs `body` (one unit: a read of the bookkeeping, or one migration's transaction, which `body` rolls
    /// back itself when it fails) with the statement lock timeout, again after a pause when a lock wait was
    /// cancelled, until `deadline`.
    func withLockRetries<T>(
        _ unit: LockUnit, on connection: PostgresConnection, deadline: ContinuousClock.Instant, watch: LockWatch,
        _ body: () async throws -> T
    ) async throws -> T {
        var attempt = 0
        let started = ContinuousClock.now
        while true {
            attempt += 1
            let remaining = deadline - ContinuousClock.now
            let timeout = max(.milliseconds(1), min(statementLockTimeout, remaining))
            try await connection.execute("SET lock_timeout = \(Self.milliseconds(timeout))", logger: logger)
            do {
                return try await body()
            } catch let wait as LockWaitCancelled {
                let left = deadline - ContinuousClock.now
                var holders = watch.holders
                if holders.isEmpty {
                    // The wait was too short for the watch to see it: name who holds table locks instead.
                    holders = (try? await LockWatch.tableLockHolders(on: connection, logger: logger)) ?? ""
                }
                guard left > .milliseconds(10) else {
                    throw MigrationError.tableLockTimeout(
                        seconds: (ContinuousClock.now - started).fractionalMilliseconds / 1000, attempts: attempt,
                        unit: unit.description, line: wait.line, statement: wait.statement,
                        holders: holders.isEmpty ? "a session that has released it since" : holders)
                }
                let pause = min(left, Self.backoff(attempt: attempt))
                logger.warning(
                    "a migration statement waited too long for a lock and was cancelled; retrying",
                    metadata: [
                        "migration.unit": "\(unit)", "migration.attempt": "\(attempt)",
                        "migration.lock_holder": "\(holders)",
                        "migration.retry_in_ms": "\(Int(pause.fractionalMilliseconds))",
                    ])
                try await Task.sleep(for: pause)
            }
        }
    }

    /// The pause before attempt `attempt + 1`: 100 ms doubling to at most 5 s, with jitter, so that
    /// migrators and readers do not meet again in step.
    static func backoff(attempt: Int) -> Duration {
        let base = min(5000.0, 100.0 * Double(1 << min(attempt - 1, 10)))
        return .milliseconds(Int64(base * Double.random(in: 0.5...1.0)))
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        max(1, Int64(duration.fractionalMilliseconds.rounded(.up)))
    }

    /// Runs one statement; a lock wait cancelled by `lock_timeout` (SQLSTATE 55P03) becomes
    /// ``LockWaitCancelled``.
    func run(_ statement: String, line: Int?, on connection: PostgresConnection) async throws {
        do {
            try await connection.execute(statement, logger: logger)
        } catch  where postgresSQLState(error) == "55P03" {
            throw LockWaitCancelled(statement: statement, line: line)
        }
    }
}

/// What one retried unit of the migrator is, for messages.
enum LockUnit: Sendable, CustomStringConvertible {
    case bookkeeping
    case migration(version: Int, name: String)
    case privileges

    var description: String {
        switch self {
        case .bookkeeping: "reading schema_migrations"
        case .migration(let version, let name): "migration \(version) (\(name))"
        case .privileges: "restricting TEMPORARY on the database"
        }
    }
}

/// A statement's lock wait was cancelled by `lock_timeout`; the transaction it ran in has been rolled back.
struct LockWaitCancelled: Error {
    let statement: String
    let line: Int?
}

/// Watches, from a second connection, which sessions block the migrator's connection while it waits for a
/// lock (`pg_blocking_pids`), so that giving up can name them: once the wait is cancelled, PostgreSQL no
/// longer knows who it was waiting for. The second connection is opened only when a statement has been
/// running for a while: a migration that never waits costs nothing.
final class LockWatch: Sendable {
    private let seen = Mutex<String>("")
    private let url: DatabaseURL
    private let logger: Logger
    /// How often the blockers are read while the migrator runs.
    static let interval: Duration = .milliseconds(150)

    init(url: DatabaseURL, logger: Logger) {
        self.url = url
        self.logger = logger
    }

    /// The sessions seen blocking the migrator most recently, described; empty when none was seen.
    var holders: String { seen.withLock { $0 } }

    /// Runs `body` while the blockers of `connection` are watched.
    func watching<T: Sendable>(
        _ connection: PostgresConnection, _ body: () async throws -> T
    ) async throws -> T {
        var pid: Int32 = 0
        for try await value in try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(
            Int32.self)
        {
            pid = value
        }
        // Not awaited after cancelling: the migration never waits for its observer, which closes its own
        // connection when it sees the cancellation.
        let watcher = Task { [self, pid] in await watch(pid: pid) }
        defer { watcher.cancel() }
        return try await body()
    }

    private func watch(pid: Int32) async {
        var observer: PostgresConnection?
        defer { if let observer { Task { try? await observer.close() } } }
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: Self.interval)
                let connection: PostgresConnection
                if let observer {
                    connection = observer
                } else {
                    connection = try await url.connect(logger: logger)
                    observer = connection
                }
                let described = try await Self.blockers(of: pid, on: connection, logger: logger)
                if !described.isEmpty { seen.withLock { $0 = described } }
            } catch {
                return
            }
        }
    }

    /// Every other session whose open transaction holds a lock on a table of this database's schema, with the
    /// tables and modes: who a cancelled wait may have waited for, when the watch did not see it.
    static func tableLockHolders(on connection: PostgresConnection, logger: Logger) async throws -> String {
        let rows = try await connection.query(
            """
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), coalesce(a.state, ''),
                   coalesce(to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
                   string_agg(DISTINCT c.relname || ' ' || l.mode, ', ' ORDER BY c.relname || ' ' || l.mode),
                   left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 100)
            FROM pg_locks l
            JOIN pg_class c ON c.oid = l.relation
            JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_backend_pid()
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND c.relnamespace = current_schema()::regnamespace AND a.xact_start IS NOT NULL
            GROUP BY a.pid, a.application_name, a.usename, a.state, a.xact_start, a.query
            ORDER BY a.xact_start, a.pid LIMIT 5
            """, logger: logger)
        var described: [String] = []
        for try await (pid, application, user, state, transaction, locks, text) in rows.decode(
            (Int32, String, String, String, String, String, String).self)
        {
            var parts = ["application '\(application)'", "user '\(user)'"]
            if !state.isEmpty { parts.append(state) }
            if !transaction.isEmpty { parts.append("transaction started \(transaction)") }
            parts.append("holding \(locks)")
            described.append("pid \(pid) (\(parts.joined(separator: ", "))\(text.isEmpty ? "" : ": \(text)"))")
        }
        return described.joined(separator: "; ")
    }

    /// The sessions `pid` waits for: "pid N (application 'psql', user 'u', idle in transaction, transaction
    /// started T, last query started T: LOCK TABLE ...)", joined by "; ".
    static func blockers(of pid: Int32, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let rows = try await connection.query(
            """
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), coalesce(a.state, ''),
                   coalesce(to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
                   coalesce(to_char(a.query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
                   left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 100)
            FROM unnest(pg_blocking_pids(\(pid))) AS b(pid) JOIN pg_stat_activity a ON a.pid = b.pid
            ORDER BY a.pid
            """, logger: logger)
        var described: [String] = []
        for try await (pid, application, user, state, transaction, query, text) in rows.decode(
            (Int32, String, String, String, String, String, String).self)
        {
            var parts = ["application '\(application)'", "user '\(user)'"]
            if !state.isEmpty { parts.append(state) }
            if !transaction.isEmpty { parts.append("transaction started \(transaction)") }
            if !query.isEmpty { parts.append("last query started \(query)") }
            described.append(
                "pid \(pid) (\(parts.joined(separator: ", "))\(text.isEmpty ? "" : ": \(text)"))")
        }
        return described.joined(separator: "; ")
    }
}
