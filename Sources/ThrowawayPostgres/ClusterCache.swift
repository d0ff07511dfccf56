import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where initialised clusters are cached.
public enum ClusterCacheLocation: Sendable, Hashable {
    /// `$REFERENCE_PG_CACHE` (`off`: no cache), else `$XDG_CACHE_HOME/reference-parity`, else
    /// `~/.cache/reference-parity`.
    case environment
    /// This directory.
    case directory(String)
    /// No cache: every start initialises (and prepares) a new cluster.
    case off

    /// The cache root this location names, nil when caching is off.
    func root(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        switch self {
        case .off: return nil
        case .directory(let path): return path
        case .environment:
            if let configured = environment["REFERENCE_PG_CACHE"], !configured.isEmpty {
                return configured == "off" ? nil : configured
            }
            if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/reference-parity" }
            return NSHomeDirectory() + "/.cache/reference-parity"
        }
    }
}

/// The cache of initialised clusters: one entry per PostgreSQL version and preparation key.
///
/// An entry is a directory `pg<version>-<key>/` holding `data/` (a cleanly stopped data directory) and
/// `complete`, a marker written last that names the PostgreSQL version and the key. An entry is used only
/// when its marker says exactly that and its data directory passes a cheap integrity check
/// (`PG_VERSION`, `global/pg_control`, `base/`); anything else is moved aside and rebuilt, with one log line.
///
/// Preparation cannot race: inside a process one task prepares an entry and the others await it; across
/// processes the preparer holds `pg<version>-<key>.lock` (`flock`), and the others wait for it (polling, so no
/// thread is blocked) and then use what it made. The entry is staged in a directory of its own
/// (`mkdtemp`) and renamed into place, so a killed preparer leaves at most a staging directory, which the
/// next preparer removes.
struct ClusterCache: Sendable {
    let binaries: PostgresBinaries
    let owner: ClusterOwner
    let logger: Logger
    let root: String?

    /// The name of the marker file written last into a complete entry.
    static let markerName = "complete"
    /// How long a process waits for another one preparing the same entry.
    static let lockWait: Duration = .seconds(300)

    init(
        binaries: PostgresBinaries, owner: ClusterOwner, logger: Logger, location: ClusterCacheLocation = .environment,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.binaries = binaries
        self.owner = owner
        self.logger = logger
        self.root = location.root(environment: environment)
    }

    // MARK: Run directories

    /// Where run directories live: `$REFERENCE_PG_RUN_DIR`, else `/dev/shm` (memory: a throwaway cluster
    /// never waits for the disk), else `/tmp`. The unprivileged owner must be able to reach it.
    private var runRoot: String {
        if let configured = ProcessInfo.processInfo.environment["REFERENCE_PG_RUN_DIR"], !configured.isEmpty {
            return configured
        }
        var status = stat()
        if stat("/dev/shm", &status) == 0, access("/dev/shm", W_OK) == 0, status.st_mode & S_ISVTX != 0 {
            return "/dev/shm"
        }
        return "/tmp"
    }
    private static let runPrefix = "reference-pg-"

    /// A new empty run directory, owned by the cluster owner, mode 0700, recording the creating process.
    func makeRunDirectory() throws -> String {
        let directory = try Self.makeUniqueDirectory("\(runRoot)/\(Self.runPrefix)")
        try "\(getpid())\n".write(toFile: directory + "/owner.pid", atomically: false, encoding: .utf8)
        try owner.chown(directory)
        return directory
    }

    /// Removes run directories left behind by processes that died without cleaning up (killed by SIGKILL,
    /// say), stopping their servers first.
    func removeStaleRunDirectories() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: runRoot)) ?? []
        for entry in entries where entry.hasPrefix(Self.runPrefix) {
            let directory = runRoot + "/" + entry
            guard let text = try? String(contentsOfFile: directory + "/owner.pid", encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }  // its creator is alive
            if let pidText = try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8),
                let line = pidText.split(separator: "\n").first, let serverPID = Int32(line)
            {
                kill(serverPID, SIGQUIT)
            }
            try? FileManager.default.removeItem(atPath: directory)
            logger.debug("removed stale throwaway cluster", metadata: ["throwaway.directory": "\(directory)"])
        }
    }

    // MARK: Entries

    /// The entry's directory name for `key`.
    func entryName(key: String) -> String { "pg\(binaries.version)-\(Self.sanitize(key))" }

    /// What the marker of a complete entry for `key` says.
    func markerText(key: String) -> String {
        "reference-parity cluster cache entry\nformat: 1\npostgres: \(binaries.version)\nkey: \(key)\n"
    }

    /// Why the entry at `path` cannot be used, or nil when it is complete and sound.
    func defect(ofEntry path: String, key: String) -> String? {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else { return "missing" }
        guard isDirectory.boolValue else { return "not a directory" }
        guard let marker = try? String(contentsOfFile: path + "/" + Self.markerName, encoding: .utf8) else {
            return "no completion marker"
        }
        guard marker == markerText(key: key) else { return "its marker names another version or key" }
        let data = path + "/data"
        guard let version = try? String(contentsOfFile: data + "/PG_VERSION", encoding: .utf8),
            binaries.version.hasPrefix(version.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return "data/PG_VERSION is missing or names another major version" }
        guard let control = try? fileManager.attributesOfItem(atPath: data + "/global/pg_control"),
            (control[.size] as? NSNumber)?.intValue ?? 0 > 0
        else { return "data/global/pg_control is missing" }
        guard fileManager.fileExists(atPath: data + "/base", isDirectory: &isDirectory), isDirectory.boolValue
        else { return "data/base/ is missing" }
        return nil
    }

    /// The path of a cached data directory for `key`, creating it (initdb, then `prepare`) when it is missing
    /// or damaged.
    func preparedDataDirectory(
        key: String, prepare: (@Sendable (ThrowawayCluster) async throws -> Void)?
    ) async throws -> String {
        guard let root else {
            // Caching is off: an entry for this call only, removed at exit.
            let directory = try makeRunDirectory()
            _ = CleanupRegistry.register { try? FileManager.default.removeItem(atPath: directory) }
            try await build(key: key, prepare: prepare, into: directory)
            return directory + "/data"
        }
        let entry = root + "/" + entryName(key: key)
        if defect(ofEntry: entry, key: key) == nil { return entry + "/data" }
        try await Self.preparations.run(entry) {
            try await prepareLocked(key: key, prepare: prepare, root: root, entry: entry)
        }
        return entry + "/data"
    }

    /// Moves the entry for `key` aside (under its lock), so the next start rebuilds it: for an entry that
    /// passed the cheap checks but whose server did not start.
    func discard(key: String, reason: String) async throws {
        guard let root else { return }
        let entry = root + "/" + entryName(key: key)
        try await Self.preparations.run(entry) {
            let lock = try await EntryLock.acquire(path: entry + ".lock", root: root, logger: logger)
            defer { lock.release() }
            if FileManager.default.fileExists(atPath: entry) { try moveAside(entry, root: root, reason: reason) }
        }
    }

    /// One preparer per entry inside this process.
    private static let preparations = SingleFlight()

    private func prepareLocked(
        key: String, prepare: (@Sendable (ThrowawayCluster) async throws -> Void)?, root: String, entry: String
    ) async throws {
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw ThrowawayPostgresError.cacheUnusable(directory: root, reason: Self.reason(error))
        }
        let lock = try await EntryLock.acquire(path: entry + ".lock", root: root, logger: logger)
        defer { lock.release() }
        // Another process may have made it while this one waited.
        guard let defect = defect(ofEntry: entry, key: key) else { return }
        if defect != "missing" { try moveAside(entry, root: root, reason: defect) }
        removeStagingDirectories(of: entry, root: root)

        let started = ContinuousClock.now
        let work = try makeRunDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        try await build(key: key, prepare: prepare, into: work)
        let staging: String
        do {
            staging = try Self.makeUniqueDirectory(entry + ".staging-")
        } catch {
            throw ThrowawayPostgresError.cacheUnusable(directory: root, reason: Self.reason(error))
        }
        do {
            try await copy(work + "/data", to: staging + "/data")
            // The marker is written last: an entry without it was never finished.
            try markerText(key: key).write(
                toFile: staging + "/" + Self.markerName, atomically: false, encoding: .utf8)
            guard rename(staging, entry) == 0 else {
                throw ThrowawayPostgresError.cacheUnusable(
                    directory: root, reason: "rename to \(entry): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            if let known = error as? ThrowawayPostgresError, case .cacheUnusable = known { throw known }
            throw ThrowawayPostgresError.cacheUnusable(directory: root, reason: Self.reason(error))
        }
        logger.info(
            "initialised a throwaway PostgreSQL cluster",
            metadata: [
                "throwaway.version": "\(binaries.version)", "throwaway.cache": "\(entry)",
                "throwaway.ms": "\((ContinuousClock.now - started).milliseconds)",
            ])
    }

    /// initdb into `directory/data`, then, with `prepare`, start a server there, prepare it and stop it
    /// cleanly.
    private func build(
        key: String, prepare: (@Sendable (ThrowawayCluster) async throws -> Void)?, into directory: String
    ) async throws {
        try await initdb(into: directory + "/data")
        guard let prepare else { return }
        let cluster = try await ThrowawayCluster.start(
            binaries: binaries, owner: owner, directory: directory, logger: logger)
        do {
            try await prepare(cluster)
        } catch {
            await cluster.stopCleanly()
            throw error
        }
        await cluster.stopCleanly()
        try? FileManager.default.removeItem(atPath: directory + "/data/postmaster.opts")
    }

    /// Renames a damaged entry out of the way, then removes it; one warning says why.
    private func moveAside(_ entry: String, root: String, reason: String) throws {
        logger.warning(
            "the cached throwaway cluster is damaged; rebuilding it",
            metadata: ["throwaway.cache": "\(entry)", "throwaway.defect": "\(reason)"])
        let aside: String
        do {
            aside = try Self.makeUniqueDirectory(entry + ".damaged-")
        } catch {
            throw ThrowawayPostgresError.cacheUnusable(directory: root, reason: Self.reason(error))
        }
        // rename() replaces the empty directory made for the name.
        guard rename(entry, aside) == 0 else {
            throw ThrowawayPostgresError.cacheUnusable(
                directory: root, reason: "cannot move \(entry) aside: \(String(cString: strerror(errno)))")
        }
        try? FileManager.default.removeItem(atPath: aside)
    }

    /// Staging directories of `entry` while this process holds its lock were left by a killed preparer.
    private func removeStagingDirectories(of entry: String, root: String) {
        let prefix = (entry as NSString).lastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for name in names where name.hasPrefix(prefix + ".staging-") || name.hasPrefix(prefix + ".damaged-") {
            try? FileManager.default.removeItem(atPath: root + "/" + name)
            logger.debug("removed a left-over cache directory", metadata: ["throwaway.cache": "\(root)/\(name)"])
        }
    }

    private func initdb(into dataDirectory: String) async throws {
        let (executable, arguments) = owner.command(
            binaries.initdb,
            [
                "-D", dataDirectory, "--no-sync", "--auth=trust", "--username=postgres", "--encoding=UTF8",
                "--locale=C.UTF-8", "--wal-segsize=1", "--no-instructions",
            ])
        _ = try await PostgresBinaries.run(executable.path, arguments, searchPath: nil)
    }

    /// Copies a data directory, keeping owners and modes (`cp -a`).
    func copy(_ source: String, to destination: String) async throws {
        _ = try await PostgresBinaries.run("/bin/cp", ["-a", source, destination], searchPath: nil)
    }

    /// A new directory named `prefix` plus six random characters (`mkdtemp`), mode 0700.
    static func makeUniqueDirectory(_ prefix: String) throws -> String {
        var template = Array("\(prefix)XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in mkdtemp(buffer.baseAddress!) != nil }
        guard made else {
            throw ThrowawayPostgresError.commandFailed(
                command: "mkdtemp \(prefix)XXXXXX", status: errno, output: String(cString: strerror(errno)))
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func sanitize(_ key: String) -> String {
        String(key.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }

    private static func reason(_ error: any Error) -> String {
        if let known = error as? ThrowawayPostgresError, case .commandFailed(_, _, let output) = known {
            return output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return "\(error)"
    }
}

/// The cross-process lock of one cache entry: `flock` on a lock file beside it, released by ``release()``
/// or when the holder exits however it exits. Waiting polls with a non-blocking `flock`, so no thread is held.
final class EntryLock: Sendable {
    private let descriptor: Mutex<Int32>

    static func acquire(path: String, root: String, logger: Logger) async throws -> EntryLock {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ThrowawayPostgresError.cacheUnusable(
                directory: root, reason: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        let lock = EntryLock(descriptor: descriptor)
        let deadline = ContinuousClock.now + ClusterCache.lockWait
        var announced = false
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                lock.release()
                throw ThrowawayPostgresError.cacheUnusable(directory: root, reason: "cannot lock \(path): \(reason)")
            }
            if !announced {
                announced = true
                logger.info(
                    "waiting for another process preparing the same cached cluster",
                    metadata: ["throwaway.lock": "\(path)"])
            }
            guard ContinuousClock.now < deadline else {
                lock.release()
                throw ThrowawayPostgresError.cacheUnusable(
                    directory: root,
                    reason: "another process held \(path) for more than \(ClusterCache.lockWait)")
            }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                lock.release()
                throw error
            }
        }
        return lock
    }

    private init(descriptor: Int32) { self.descriptor = Mutex(descriptor) }

    /// Unlocks and closes the lock file (once).
    func release() {
        descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return }
            flock(descriptor, LOCK_UN)
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }
}

/// Runs at most one operation per key at a time inside this process; callers that arrive while one runs
/// await it and share its outcome instead of starting their own.
final class SingleFlight: Sendable {
    private let running = Mutex<[String: Task<Void, any Error>]>([:])

    func run(_ key: String, _ operation: @escaping @Sendable () async throws -> Void) async throws {
        let task = running.withLock { running in
            if let existing = running[key] { return existing }
            let task = Task { try await operation() }
            running[key] = task
            return task
        }
        defer {
            running.withLock { running in
                if running[key] == task { running[key] = nil }
            }
        }
        try await task.value
    }
}
