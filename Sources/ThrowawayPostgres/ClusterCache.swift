import Foundation
import Logging
import PostgresSupport
import Settings
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

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
        logger.debug(
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
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: entry, isDirectory: &isDirectory), !isDirectory.boolValue {
            // A file where the entry should be: nobody copies from it, so it can go at once.
            do {
                try FileManager.default.removeItem(atPath: entry)
                return
            } catch {
                throw ThrowawayPostgresError.cacheUnusable(directory: root, reason: Self.reason(error))
            }
        }
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
