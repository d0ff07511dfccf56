import Foundation
import Settings

/// The PostgreSQL server programs (`initdb`, `postgres`) of one installation.
public struct PostgresBinaries: Sendable, Hashable {
    public let directory: String
    /// The server's version, as `postgres --version` prints it (e.g. `15.18`).
    public let version: String

    public var initdb: String { directory + "/initdb" }
    public var postgres: String { directory + "/postgres" }
    public var pgDump: String { directory + "/pg_dump" }
    public var pgRestore: String { directory + "/pg_restore" }

    /// Finds the server binaries, in this order: `$PG_BINDIR`; a directory on `PATH` that has both `postgres`
    /// and `initdb`; `pg_config --bindir`; the newest `/usr/lib/postgresql/*/bin`.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws
        -> PostgresBinaries
    {
        let fileManager = FileManager.default
        func hasServer(_ directory: String) -> Bool {
            fileManager.isExecutableFile(atPath: directory + "/postgres")
                && fileManager.isExecutableFile(atPath: directory + "/initdb")
        }
        var candidates: [String] = []
        let settings = Settings(environment: environment)
        if let explicit = settings.text(.postgresBinaries) { candidates.append(explicit) }
        for directory in (settings.text(.path) ?? "").split(separator: ":") { candidates.append(String(directory)) }
        // pg_config is a process to start: ask it only when neither PG_BINDIR nor PATH has the server.
        if !candidates.contains(where: hasServer),
            let bindir = try? await run("pg_config", ["--bindir"], searchPath: settings.text(.path))
        {
            candidates.append(bindir.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let versions = (try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            candidates.append("/usr/lib/postgresql/\(version)/bin")
        }
        if let directory = candidates.first(where: hasServer) {
            // Follow symlinks (/usr/local/bin/postgres -> /usr/lib/postgresql/15/bin/postgres), so the other
            // programs (pg_dump) are looked for beside the real server.
            let realDirectory = URL(fileURLWithPath: directory + "/postgres").resolvingSymlinksInPath()
                .deletingLastPathComponent().path
            let output = try await run(realDirectory + "/postgres", ["--version"], searchPath: nil)
            // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
            let words = output.split(separator: " ")
            let version = words.count >= 3 ? String(words[2]) : output.trimmingCharacters(in: .whitespacesAndNewlines)
            return PostgresBinaries(directory: realDirectory, version: version)
        }
        throw ThrowawayPostgresError.serverBinariesNotFound
    }

    /// Runs a program to completion and returns its standard output; throws when it fails.
    static func run(_ program: String, _ arguments: [String], searchPath: String?) async throws -> String {
        var executable = program
        if !program.contains("/") {
            guard
                let found = (searchPath ?? "").split(separator: ":").map({ "\($0)/\(program)" })
                    .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
            else { throw ThrowawayPostgresError.commandFailed(command: program, status: 127, output: "not found") }
            executable = found
        }
        let outcome = try await ChildProcess.run(executable, arguments, mergingStandardError: true)
        guard outcome.status == 0 else {
            throw ThrowawayPostgresError.commandFailed(
                command: ([executable] + arguments).joined(separator: " "), status: outcome.status,
                output: outcome.outputText)
        }
        return outcome.outputText
    }
}

/// Why a throwaway cluster could not be created or used.
public enum ThrowawayPostgresError: Error, Sendable, CustomStringConvertible {
    case serverBinariesNotFound
    case unprivilegedUserMissing(String)
    case commandFailed(command: String, status: Int32, output: String)
    case serverDidNotStart(reason: String, log: String)
    /// The cluster cache directory cannot be created, written or locked.
    case cacheUnusable(directory: String, reason: String)

    public var description: String {
        switch self {
        case .serverBinariesNotFound:
            "PostgreSQL server binaries (initdb, postgres) not found in $PG_BINDIR, PATH, pg_config --bindir or "
                + "/usr/lib/postgresql/*/bin: install them with 'apt-get install postgresql', or pass --database-url"
        case .unprivilegedUserMissing(let user):
            "running as root, but the unprivileged user '\(user)' that must own the throwaway cluster does not "
                + "exist: create it (apt-get install postgresql does) or set REFERENCE_PG_USER"
        case .commandFailed(let command, let status, let output):
            "'\(command)' failed with exit status \(status): \(output.suffix(600))"
        case .serverDidNotStart(let reason, let log):
            "the throwaway PostgreSQL server did not start (\(reason)); its log ends: \(log.suffix(600))"
        case .cacheUnusable(let directory, let reason):
            "the throwaway cluster cache \(directory) cannot be used (\(reason)): fix its permissions or space, "
                + "point REFERENCE_PG_CACHE at another directory, or set REFERENCE_PG_CACHE=off"
        }
    }
}
