import Foundation
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing
import ThrowawayPostgres

/// The two executables as a user or CI script calls them: the documented exit statuses and outputs.
@Suite("Command lines", .integration)
struct CommandLineTests {
    /// The built executables sit beside the test runner.
    static func executable(_ name: String) throws -> String { try Executables.path(name) }

    struct Outcome {
        let status: Int32
        let output: String
        let error: String
    }

    static func run(_ name: String, _ arguments: [String]) async throws -> Outcome {
        let outcome = try await ChildProcess.run(try executable(name), arguments)
        return Outcome(status: outcome.status, output: outcome.outputText, error: outcome.errorText)
    }

    @Test("reference-backend: migrate and seed exit 0; bad input exits 2; an unreachable database exits 3")
    func referenceBackend() async throws {
        try await TestDatabases.withDatabase(prefix: "cli") { url in
            let migrate = try await Self.run("reference-backend", ["migrate", "--database-url", url.description])
            #expect(migrate.status == 0, "\(migrate.error)")
            #expect(migrate.output.contains("schema is up to date at version \(Migration.latestVersion)"))
            let seed = try await Self.run(
                "reference-backend", ["seed", "--database-url", url.description, "--format", "json"])
            #expect(seed.status == 0, "\(seed.error)")
            let report = try JSONParser.parse(seed.output)
            #expect(report["tables"]?.arrayValue?.count == 20)

            let missing = try await Self.run(
                "reference-backend", ["seed", "--database-url", url.description, "--source", "/nonexistent"])
            #expect(missing.status == 2)
            #expect(missing.error.contains("/nonexistent"))
            let malformed = try await Self.run(
                "reference-backend", ["migrate", "--database-url", "postgresql://u:secret@host:99999/db"])
            #expect(malformed.status == 2)
            #expect(malformed.error.contains("port") && !malformed.error.contains("secret"))
            let unreachable = try await Self.run(
                "reference-backend",
                ["migrate", "--database-url", "postgresql://postgres@/x?host=/nonexistent-socket-dir"])
            #expect(unreachable.status == 3)
            let usage = try await Self.run("reference-backend", ["seed", "--no-such-option"])
            #expect(usage.status == 2)
        }
    }

    @Test("parity-runner: 0 on parity, 1 on differences, 2 on an unknown table, 3 when the backend is unreachable")
    func parityRunner() async throws {
        try await ParityHarness.withSeededBackend { backend in
            let base = backend.baseURL.absoluteString
            let pass = try await Self.run("parity-runner", ["--backend-url", base, "--quiet", "--table", "units"])
            #expect(pass.status == 0, "\(pass.output)\(pass.error)")
            #expect(pass.output.contains("PASS: 1 table in parity"))

            try await ParityHarness.plant(["UPDATE units SET symbol = 'LB' WHERE unit_key = 'lb'"], in: backend)
            let output = FileManager.default.temporaryDirectory.appendingPathComponent(
                "cli-\(UUID().uuidString.prefix(8)).xml")
            let fail = try await Self.run(
                "parity-runner", ["--backend-url", base, "--quiet", "--format", "junit", "--output", output.path])
            #expect(fail.status == 1)
            let junit = try String(contentsOf: output, encoding: .utf8)
            #expect(junit.contains("<testcase classname=\"parity\" name=\"units\" time=\"0\">"))
            #expect(junit.contains("(unit_key=lb) symbol: field [text.trim-nfc]"))

            let unknown = try await Self.run("parity-runner", ["--backend-url", base, "--table", "unit"])
            #expect(unknown.status == 2)
            #expect(unknown.error.contains("unknown table 'unit'"))
            // Port 1 (tcpmux): nothing listens there on a test machine.
            let unreachable = try await Self.run("parity-runner", ["--backend-url", "http://127.0.0.1:1", "--quiet"])
            #expect(unreachable.status == 3, "\(unreachable.error)")
        }
    }

    @Test(
        "parity-runner: a backend answering a broken bootstrap (cut off mid-table, a row that is no object, no version) exits 3 naming it",
        arguments: [
            #"{"referenceVersion": "v", "tables": {"units": [{"unit_key": "kg""#,
            #"{"referenceVersion": "v", "tables": {"units": [1]}}"#,
            #"{"tables": {"units": []}}"#,
        ])
    func parityRunnerBrokenBootstrap(_ body: String) async throws {
        let server = try await CannedHTTPServer.start(body: Data(body.utf8))
        let source = try SourceFixture.small().write()
        let outcome = try await Self.run(
            "parity-runner", ["--backend-url", server.url.absoluteString, "--source", source.path, "--quiet"])
        await server.stop()
        #expect(outcome.status == 3, "\(outcome.output)\(outcome.error)")
        #expect(outcome.error.contains("not a bootstrap document"), "\(outcome.error)")
        #expect(outcome.error.contains(server.url.absoluteString), "\(outcome.error)")
    }
}
