import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The cache of initialised clusters: one data directory per PostgreSQL version and preparation key, under
/// `$REFERENCE_PG_CACHE` (default `$XDG_CACHE_HOME/reference-parity` or `~/.cache/reference-parity`).
/// `REFERENCE_PG_CACHE=off` initialises a new cluster every time. Entries are written to a temporary name
/// and renamed into place, so a crash never leaves a half-made entry behind.
struct ClusterCache: Sendable {
    let binaries: PostgresBinaries
    let owner: ClusterOwner
    let logger: Logger
    let root: String?

    init(
        binaries: PostgresBinaries, owner: ClusterOwner, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.binaries = binaries
        self.owner = owner
        self.logger = logger
        if let configured = environment["REFERENCE_PG_CACHE"], !configured.isEmpty {
            self.root = configured == "off" ? nil : configured
        } else if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            self.root = xdg + "/reference-parity"
        } else {
            self.root = NSHomeDirectory() + "/.cache/reference-parity"
        }
    }

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
        var template = Array("\(runRoot)/\(Self.runPrefix)XXXXXX".utf8CString)
        guard let pointer = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ThrowawayPostgresError.commandFailed(
                command: "mkdtemp", status: errno, output: String(cString: strerror(errno)))
        }
        let directory = String(cString: pointer)
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

    /// The path of a cached data directory for `key`, creating it (initdb, then `prepare`) when missing.
    func preparedDataDirectory(
        key: String, prepare: (@Sendable (ThrowawayCluster) async throws -> Void)?
    ) async throws -> String {
        let entryName = "pg\(binaries.version)-\(Self.sanitize(key))"
        let root: String
        if let configured = self.root {
            root = configured
            let path = root + "/" + entryName
            if FileManager.default.fileExists(atPath: path + "/PG_VERSION") { return path }
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } else {
            // Caching is off: keep the entry for this process only.
            root = try makeRunDirectory()
            _ = CleanupRegistry.register { try? FileManager.default.removeItem(atPath: root) }
        }
        let started = ContinuousClock.now
        let work = try makeRunDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        try await initdb(into: work + "/data")
        if let prepare {
            let cluster = try await ThrowawayCluster.start(
                binaries: binaries, owner: owner, directory: work, logger: logger)
            do {
                try await prepare(cluster)
            } catch {
                cluster.stop()
                throw error
            }
            await cluster.stopCleanly()
            try? FileManager.default.removeItem(atPath: work + "/data/postmaster.opts")
        }
        logger.info(
            "initialised a throwaway PostgreSQL cluster",
            metadata: [
                "throwaway.version": "\(binaries.version)",
                "throwaway.ms": "\((ContinuousClock.now - started).milliseconds)",
            ])
        let final = root + "/" + entryName
        let staging = final + ".tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        try await copy(work + "/data", to: staging)
        if rename(staging, final) != 0 {
            // Another process cached the same entry first: use theirs.
            try? FileManager.default.removeItem(atPath: staging)
        }
        return final
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

    private static func sanitize(_ key: String) -> String {
        String(key.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }
}
