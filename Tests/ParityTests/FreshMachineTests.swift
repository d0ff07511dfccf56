import Foundation
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing
import ThrowawayPostgres

/// The executables as a new user meets them: an empty or unusable cluster cache, several runs at once, a
/// migration lock somebody else holds.
@Suite("Fresh machine", .integration)
struct FreshMachineTests {
    func environment(cache: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["REFERENCE_PG_CACHE"] = cache
        return environment
    }

    @Test(
        "three parity-runner processes at once from an empty cache all pass and leave one valid entry",
        .integration(weight: 3))
    func threeProcesses() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fresh-cache-\(UUID().uuidString.prefix(8))"
        ).path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let runner = try CommandLineTests.executable("parity-runner")
        // Three debug processes beside the rest of the suite on 2 cores: give their in-process fetch time.
        let environment = environment(cache: root).merging(["REFERENCE_HTTP_TIMEOUT": "120"]) { $1 }
        // The small fixture: the cluster cache is under test here, not the size of the data.
        let source = try SourceFixture.small().write().path
        let outcomes = try await withThrowingTaskGroup(of: ChildProcess.Outcome.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    try await ChildProcess.run(
                        runner, ["--source", source, "--format", "json"], environment: environment)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for outcome in outcomes {
            #expect(outcome.status == 0, "\(outcome.errorText)")
            #expect((try? JSONParser.parse(outcome.output))?["status"] == "pass", "\(outcome.outputText.prefix(300))")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: root).filter { !$0.hasSuffix(".lock") }
        #expect(names.count == 1, "\(names)")
        let entry = root + "/" + (try #require(names.first))
        #expect(FileManager.default.fileExists(atPath: entry + "/complete"))
        #expect(FileManager.default.fileExists(atPath: entry + "/data/global/pg_control"))
    }

    @Test("an unusable cache directory: exit 3 with one line naming it and REFERENCE_PG_CACHE=off, never a hang")
    func unusableCache() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cache-file-\(UUID().uuidString.prefix(8))"
        ).path
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let outcome = try await ChildProcess.run(
            try CommandLineTests.executable("parity-runner"), ["--table", "units", "--quiet"],
            environment: environment(cache: file + "/cache"))
        #expect(outcome.status == 3)
        let lines = outcome.errorText.split(separator: "\n").filter { $0.contains("error:") }
        #expect(lines.count == 1, "\(outcome.errorText)")
        #expect(lines.first?.contains(file + "/cache") == true)
        #expect(lines.first?.contains("REFERENCE_PG_CACHE=off") == true)
    }

    @Test("migrate waits at most --lock-timeout for the migration lock, says once who holds it, then exits 3")
    func migrateLockTimeout() async throws {
        try await TestDatabases.withDatabase(prefix: "locked") { url in
            try await url.withConnection(logger: TestDatabases.logger) { holder in
                try await holder.execute("SET application_name = 'lock-holder-test'", logger: TestDatabases.logger)
                let pid = try await holder.integer("SELECT pg_backend_pid()")
                try await holder.execute(
                    "SELECT pg_advisory_lock(\(Migrator.advisoryLockKey))", logger: TestDatabases.logger)
                let started = ContinuousClock.now
                let outcome = try await CommandLineTests.run(
                    "reference-backend", ["migrate", "--database-url", url.description, "--lock-timeout", "1"])
                let waited = ContinuousClock.now - started
                #expect(outcome.status == 3, "\(outcome.output) \(outcome.error)")
                #expect(waited < .seconds(60))
                let errorLines = outcome.error.split(separator: "\n").filter { $0.hasPrefix("error:") }
                #expect(errorLines.count == 1)
                #expect(errorLines.first?.contains("pid \(pid)") == true, "pid \(pid): \(outcome.error)")
                #expect(errorLines.first?.contains("lock-holder-test") == true)
                let waits = outcome.error.split(separator: "\n").filter {
                    $0.contains("waiting for the migration lock")
                }
                #expect(waits.count == 1, "\(outcome.error)")
                #expect(waits.first?.contains("\(pid)") == true)
            }
        }
    }

    @Test("migrate takes the lock as soon as its holder lets go")
    func migrateAfterRelease() async throws {
        try await TestDatabases.withDatabase(prefix: "locked") { url in
            try await url.withConnection(logger: TestDatabases.logger) { holder in
                try await holder.execute(
                    "SELECT pg_advisory_lock(\(Migrator.advisoryLockKey))", logger: TestDatabases.logger)
                let migrating = Task {
                    try await Migrator(lockTimeout: .seconds(30), logger: TestDatabases.logger).migrate(url)
                }
                try await Task.sleep(for: .milliseconds(300))
                try await holder.execute(
                    "SELECT pg_advisory_unlock(\(Migrator.advisoryLockKey))", logger: TestDatabases.logger)
                let outcome = try await migrating.value
                #expect(outcome.schemaVersion == Migration.latestVersion)
            }
        }
    }
}

/// Settings from the environment: an invalid value is a usage error naming the key, never a silent default.
@Suite("Settings", .integration)
struct SettingsTests {
    func run(
        _ name: String, _ arguments: [String], _ key: String, _ value: String
    ) async throws
        -> ChildProcess.Outcome
    {
        var environment = ProcessInfo.processInfo.environment
        environment[key] = value
        return try await ChildProcess.run(try CommandLineTests.executable(name), arguments, environment: environment)
    }

    @Test(
        "an invalid setting exits 2 naming the key, the value and what is accepted",
        arguments: [
            ("reference-backend", "REFERENCE_API_PORT", "abc", "an integer from 0 to 65535"),
            ("reference-backend", "REFERENCE_API_DB_CONNECTIONS", "0", "an integer from 1 to 1000"),
            ("reference-backend", "REFERENCE_API_DB_TIMEOUT", "soon", "a number of seconds"),
            ("reference-backend", "LOG_LEVEL", "loud", "one of trace, debug, info"),
            ("parity-runner", "REFERENCE_HTTP_TIMEOUT", "-1", "a number of seconds greater than 0"),
            ("parity-runner", "LOG_LEVEL", "loud", "one of trace, debug, info"),
        ])
    func invalid(executable: String, key: String, value: String, accepted: String) async throws {
        let arguments =
            executable == "reference-backend"
            ? ["serve", "--database-url", "postgresql://postgres@/x?host=/nonexistent-socket-dir"]
            : ["--backend-url", "http://127.0.0.1:9", "--quiet"]
        let outcome = try await run(executable, arguments, key, value)
        #expect(outcome.status == 2, "\(outcome.errorText)")
        let line = outcome.errorText.split(separator: "\n").first { $0.contains("error:") } ?? ""
        #expect(line.contains("\(key)='\(value)'"), "\(outcome.errorText)")
        #expect(line.contains(accepted), "\(outcome.errorText)")
    }
}
