import Foundation
import Logging

/// A hot standby of a throwaway cluster: `pg_basebackup -R` from the primary over its unix socket, then a
/// server of its own in streaming replication (read only, in recovery), for tests of what runs against a
/// read replica.
extension ThrowawayCluster {
    /// Starts a streaming standby of this cluster (about a second). Stop it like any cluster.
    public func startStandby(logger: Logger = Logger(label: "throwaway-postgres")) async throws -> ThrowawayCluster {
        let owner = try ClusterOwner.current()
        let cache = ClusterCache(binaries: binaries, owner: owner, logger: logger, location: .environment)
        let standbyDirectory = try cache.makeRunDirectory()
        do {
            let (program, arguments) = owner.command(
                binaries.directory + "/pg_basebackup",
                [
                    "-D", standbyDirectory + "/data", "-R", "-X", "stream", "-c", "fast", "-h", directory, "-p",
                    "\(port)", "-U", superuser, "--no-sync",
                ])
            let outcome = try await ChildProcess.run(program.path, arguments, mergingStandardError: true)
            guard outcome.status == 0 else {
                throw ThrowawayPostgresError.commandFailed(
                    command: "pg_basebackup -R from \(directory)", status: outcome.status, output: outcome.outputText)
            }
            return try await Self.start(binaries: binaries, owner: owner, directory: standbyDirectory, logger: logger)
        } catch {
            try? FileManager.default.removeItem(atPath: standbyDirectory)
            throw error
        }
    }
}
