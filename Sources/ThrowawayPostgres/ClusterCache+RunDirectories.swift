import Foundation
import Settings

#if canImport(Glibc)
import Glibc
#endif

/// Run directories: one per running cluster, in memory by default, recording the process that made it.
extension ClusterCache {
    /// Where run directories live: `$REFERENCE_PG_RUN_DIR`, else `/dev/shm` (memory: a throwaway cluster
    /// never waits for the disk), else `/tmp`. The unprivileged owner must be able to reach it.
    var runRoot: String {
        if let configured = Settings().text(.clusterRunDirectory) { return configured }
        var status = stat()
        if stat("/dev/shm", &status) == 0, access("/dev/shm", W_OK) == 0, status.st_mode & S_ISVTX != 0 {
            return "/dev/shm"
        }
        return "/tmp"
    }
    static let runPrefix = "reference-pg-"

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
}
