import Foundation
import Logging
import PostgresSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL server for one process: its own data directory in a temporary folder, listening on a
/// unix socket in that folder only (no TCP port, so parallel runs never collide), with `fsync`,
/// `full_page_writes` and `synchronous_commit` off. It is stopped and removed by ``stop()``, at process
/// exit, and on SIGINT/SIGTERM/SIGHUP.
///
/// Fast by construction: an initialised (and optionally prepared) cluster is cached per PostgreSQL version
/// and preparation key (see ``ClusterCache``); a start copies it, starts `postgres` directly and polls
/// `postmaster.pid` for readiness (no `pg_ctl -w`), and ``stop()`` sends SIGQUIT.
///
/// Run as root, the cluster belongs to an unprivileged user (`REFERENCE_PG_USER`, default `postgres`),
/// since `initdb` and `postgres` refuse to run as root.
public final class ThrowawayCluster: Sendable {
    public let binaries: PostgresBinaries
    /// The temporary folder holding `data/` and the server's socket.
    public let directory: String
    public let port = 5432
    public let superuser = "postgres"
    private let process: ProcessHolder
    private let cleanupID: Mutex<UUID?>

    /// The URL of `database` on this cluster, as the superuser, over the unix socket.
    public func url(database: String = "postgres") -> DatabaseURL {
        DatabaseURL(endpoint: .unixSocket(directory: directory, port: port), username: superuser, database: database)
    }

    /// Starts a cluster. With a `cacheKey` and `prepare`, the cluster is the cached result of running
    /// `prepare` once on a fresh cluster (for example: create and migrate a template database); the
    /// preparation runs again only when the key or the PostgreSQL version changes, or when the cached entry
    /// turns out damaged (see ``ClusterCacheLocation`` for where the cache lives).
    public static func start(
        cacheKey: String = "plain",
        prepare: (@Sendable (ThrowawayCluster) async throws -> Void)? = nil,
        cache location: ClusterCacheLocation = .environment,
        logger: Logger = Logger(label: "throwaway-postgres")
    ) async throws -> ThrowawayCluster {
        let binaries = try await PostgresBinaries.locate()
        let owner = try ClusterOwner.current()
        let cache = ClusterCache(binaries: binaries, owner: owner, logger: logger, location: location)
        cache.removeStaleRunDirectories()
        var attempt = 1
        while true {
            let template = try await cache.preparedDataDirectory(key: cacheKey, prepare: prepare)
            let directory = try cache.makeRunDirectory()
            do {
                try await cache.copy(template, to: directory + "/data")
                return try await start(binaries: binaries, owner: owner, directory: directory, logger: logger)
            } catch {
                try? FileManager.default.removeItem(atPath: directory)
                // An entry that passed the cheap checks but does not start is damaged too: rebuild it once.
                guard attempt == 1, cache.root != nil else { throw error }
                attempt += 1
                try await cache.discard(key: cacheKey, reason: "a server did not start from it: \(error)")
            }
        }
    }

    /// Starts `postgres` on an existing data directory inside `directory` and waits until it is ready.
    static func start(
        binaries: PostgresBinaries, owner: ClusterOwner, directory: String, logger: Logger
    ) async throws -> ThrowawayCluster {
        let dataDirectory = directory + "/data"
        let logPath = directory + "/server.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        try owner.chown(logPath)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        (process.executableURL, process.arguments) = owner.command(binaries.postgres, serverArguments(directory))
        process.standardOutput = logHandle
        process.standardError = logHandle
        process.standardInput = FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        let cluster = ThrowawayCluster(binaries: binaries, owner: owner, directory: directory, process: process)
        do {
            try await cluster.waitUntilReady(process, dataDirectory: dataDirectory, logPath: logPath)
        } catch {
            await cluster.stop()
            throw error
        }
        logger.debug(
            "throwaway postgres ready",
            metadata: [
                "throwaway.directory": "\(directory)",
                "throwaway.startup_ms": "\((ContinuousClock.now - started).milliseconds)",
            ])
        return cluster
    }

    /// The server's command line: unix socket in `directory` only, durability off.
    static func serverArguments(_ directory: String) -> [String] {
        [
            "-D", directory + "/data",
            "-k", directory,
            "-p", "5432",
            "-c", "listen_addresses=",
            "-c", "fsync=off",
            "-c", "full_page_writes=off",
            "-c", "synchronous_commit=off",
            "-c", "max_connections=400",
            "-c", "shared_buffers=32MB",
            "-c", "max_wal_size=256MB",
            "-c", "log_min_messages=warning",
        ]
    }

    private let owner: ClusterOwner

    private init(binaries: PostgresBinaries, owner: ClusterOwner, directory: String, process: Process) {
        self.binaries = binaries
        self.owner = owner
        self.directory = directory
        let holder = ProcessHolder(process)
        self.process = holder
        self.cleanupID = Mutex(nil)
        let id = CleanupRegistry.register {
            ThrowawayCluster.terminate(pid: holder.withLock { $0.processIdentifier }, signal: SIGQUIT)
            try? FileManager.default.removeItem(atPath: directory)
        }
        cleanupID.withLock { $0 = id }
    }

    /// Stops the server but keeps its data (fast shutdown), to test what clients do while the database is
    /// away; ``resumeServer()`` starts it again on the same data and socket.
    public func suspendServer() async {
        let current = process.withLock { $0 }
        ThrowawayCluster.terminate(pid: current.processIdentifier, signal: SIGINT)
        await ChildProcess.exit(of: current)
    }

    /// Starts the server again after ``suspendServer()``.
    public func resumeServer() async throws {
        let logPath = directory + "/server.log"
        let restarted = Process()
        (restarted.executableURL, restarted.arguments) = owner.command(
            binaries.postgres, Self.serverArguments(directory))
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        logHandle.seekToEndOfFile()
        restarted.standardOutput = logHandle
        restarted.standardError = logHandle
        restarted.standardInput = FileHandle.nullDevice
        try restarted.run()
        process.withLock { $0 = restarted }
        try await waitUntilReady(restarted, dataDirectory: directory + "/data", logPath: logPath)
    }

    /// Polls `postmaster.pid` until its status line says `ready` (what `pg_ctl -w` waits for, without its
    /// 100 ms sleeps).
    private func waitUntilReady(_ process: Process, dataDirectory: String, logPath: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        let pidFile = dataDirectory + "/postmaster.pid"
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw ThrowawayPostgresError.serverDidNotStart(
                    reason: "postgres exited with status \(process.terminationStatus)", log: log)
            }
            if let contents = try? String(contentsOfFile: pidFile, encoding: .utf8) {
                let lines = contents.split(separator: "\n", omittingEmptySubsequences: false)
                // `ready` on a primary, `standby` on a hot standby that accepts read-only connections.
                if lines.count >= 8, ["ready", "standby"].contains(lines[7].trimmingCharacters(in: .whitespaces)) {
                    return
                }
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw ThrowawayPostgresError.serverDidNotStart(reason: "not ready after 30 s", log: log)
    }

    /// Creates a database, optionally as a copy of `template` (`CREATE DATABASE ... TEMPLATE`).
    public func createDatabase(
        _ name: String, template: String? = nil, logger: Logger = Logger(label: "throwaway-postgres")
    ) async throws {
        try await url().createDatabase(name, template: template, logger: logger)
    }

    /// Stops the server at once (SIGQUIT: immediate shutdown, nothing to keep), waits for it to exit without
    /// holding a thread, and removes its directory.
    public func stop() async {
        guard let id = takeCleanupID() else { return }
        CleanupRegistry.unregister(id)
        let current = process.withLock { $0 }
        ThrowawayCluster.terminate(pid: current.processIdentifier, signal: SIGQUIT)
        await ChildProcess.exit(of: current)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Stops the server cleanly (SIGINT: fast shutdown with a checkpoint), leaving the data directory
    /// consistent on disk so it can be cached.
    func stopCleanly() async {
        guard let id = takeCleanupID() else { return }
        CleanupRegistry.unregister(id)
        let current = process.withLock { $0 }
        ThrowawayCluster.terminate(pid: current.processIdentifier, signal: SIGINT)
        await ChildProcess.exit(of: current)
    }

    private func takeCleanupID() -> UUID? {
        cleanupID.withLock { id -> UUID? in
            defer { id = nil }
            return id
        }
    }

    static func terminate(pid: Int32, signal: Int32) {
        guard pid > 0 else { return }
        kill(pid, signal)
    }

    /// A cluster nobody stopped: SIGQUIT now; its exit is awaited and its directory removed on a thread of
    /// its own (a deinit cannot await, and must not block whoever released the last reference).
    deinit {
        guard let id = takeCleanupID() else { return }
        CleanupRegistry.unregister(id)
        let current = process.withLock { $0 }
        ThrowawayCluster.terminate(pid: current.processIdentifier, signal: SIGQUIT)
        let directory = directory
        Thread.detachNewThread {
            current.waitUntilExit()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

/// The server process, replaced when the server is resumed.
private final class ProcessHolder: Sendable {
    private let state: Mutex<Process>

    init(_ process: Process) { state = Mutex(process) }

    func withLock<T>(_ body: (inout Process) -> T) -> T { state.withLock { body(&$0) } }
}
