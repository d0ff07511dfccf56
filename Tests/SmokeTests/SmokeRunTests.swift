import Foundation
import ParityRunner
import ReferenceCatalog
import TestSupport
import Testing
import ThrowawayPostgres

/// `parity-runner smoke`: the same smoke paths as the suite above, run in three modes and compared, through
/// the library and through the executable.
@Suite("Smoke command", .integration)
struct SmokeRunTests {
    let logger = TestDatabases.logger

    static func executable() throws -> String { try Executables.path("parity-runner") }

    @Test("against a backend seeded from the bundle, every path agrees in every mode; a changed name is named")
    func agreesThenDiffers() async throws {
        try await ParityHarness.withSeededBackend { backend in
            let run = SmokeRun(
                sourceDirectory: ReferenceDataLocation.projectDirectory, backendURL: backend.baseURL, logger: logger)
            let report = try await run.execute()
            #expect(report.passed, "\(report.text())")
            #expect(report.paths.map(\.name) == SmokePath.all.map(\.name))
            #expect(report.paths.allSatisfy { $0.lines > 0 && !$0.empty })

            try await ParityHarness.plant(
                ["UPDATE exercises SET name = 'Barbell Squat!' WHERE exercise_key = 'barbell-squat'"], in: backend)
            let changed = try await run.execute()
            #expect(!changed.passed)
            let library = try #require(changed.paths.first { $0.name == "library browse/filter" })
            // Flag ON reads the changed backend; warm offline, its cache: both differ from flag OFF, at the same line.
            #expect(library.disagreements.map(\.mode) == [.flagOn, .warmOffline])
            #expect(Set(library.disagreements.map(\.line)).count == 1)
            #expect(library.disagreements.first?.expected?.hasPrefix("barbell-squat") == true, "\(library)")
            #expect(changed.text().contains("flag ON differs from flag OFF at line"))
        }
    }

    @Test("--shadow: flag OFF answers unchanged, and the shadow counts name the planted difference's table and field")
    func shadowMode() async throws {
        try await ParityHarness.withSeededBackend { backend in
            try await ParityHarness.plant(
                ["UPDATE exercises SET name = 'Barbell Squat!' WHERE exercise_key = 'barbell-squat'"], in: backend)
            let outcome = try await ChildProcess.run(
                try Self.executable(),
                ["smoke", "--backend-url", backend.baseURL.absoluteString, "--shadow", "--format", "json"])
            #expect(outcome.status == 1, "flag ON differs: \(outcome.errorText)")
            let report = try JSONParser.parse(outcome.output)
            let library = report["paths"]?.arrayValue?.first { $0["path"] == "library browse/filter" }
            let modes = library?["disagreements"]?.arrayValue?.compactMap { $0["mode"]?.stringValue } ?? []
            #expect(!modes.contains("shadow (flag OFF)"), "shadow mode changed the answers: \(modes)")
            #expect(modes.contains("flag ON"))
            let exercises = report["shadow"]?["exercises"]
            #expect(exercises?["differ"] != nil, "\(report["shadow"] ?? .null)")
            #expect(
                exercises?["firstDifferences"]?.stringValue == "field (exercise_key=barbell-squat) name",
                "\(exercises ?? .null)")
            #expect(report["shadow"]?["units"]?["match"] != nil)
        }
    }

    @Test("the executable: the report is written in the format asked for; 3 when the backend's answer is unusable")
    func executable() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smoke-\(UUID().uuidString.prefix(8)).xml")
        defer { try? FileManager.default.removeItem(at: output) }
        try await ParityHarness.withSeededBackend { backend in
            let pass = try await ChildProcess.run(
                try Self.executable(),
                [
                    "smoke", "--backend-url", backend.baseURL.absoluteString, "--format", "junit", "--output",
                    output.path,
                ])
            #expect(pass.status == 0, "\(pass.errorText)")
            let junit = try String(contentsOf: output, encoding: .utf8)
            #expect(junit.hasPrefix("<?xml") && junit.contains("tests=\"4\" failures=\"0\""))
            // A number PostgreSQL's numeric holds but the app's Double does not: the typed error, not answers
            // that differ.
            try await ParityHarness.plant(["UPDATE units SET si_factor = 1e400 WHERE unit_key = 'kg'"], in: backend)
            let huge = try await ChildProcess.run(
                try Self.executable(), ["smoke", "--backend-url", backend.baseURL.absoluteString, "--format", "json"])
            #expect(huge.status == 3, "\(huge.errorText)")
            #expect(huge.errorText.contains("units") && huge.errorText.contains("field si_factor"), "\(huge.errorText)")
        }
        // A backend whose document breaks the catalog: the typed error names table, row and field.
        let document = """
            {"schemaVersion": 4, "referenceVersion": "1.x", "generatedAt": "2026-11-25T00:00:00Z", "tables": {"units": [{"unit_key": 7}]}}
            """
        let hostile = try await CannedHTTPServer.start(body: Data(document.utf8))
        let unusable = try await ChildProcess.run(
            try Self.executable(), ["smoke", "--backend-url", hostile.url.absoluteString, "--format", "json"])
        await hostile.stop()
        #expect(unusable.status == 3, "\(unusable.errorText)")
        #expect(unusable.errorText.contains("flag ON") && unusable.errorText.contains("units"), "\(unusable.errorText)")
        #expect(unusable.errorText.contains("field unit_key"), "\(unusable.errorText)")
    }

    @Test("options reach the subcommand they follow: compare, smoke and checklist each reject their own bad format")
    func optionsReachTheirSubcommand() async throws {
        let runner = try Self.executable()
        for (arguments, expected) in [
            (["checklist", "--format", "bogus"], "markdown"), (["smoke", "--format", "bogus"], "junit"),
            (["--format", "bogus"], "html"), (["compare", "--format", "bogus"], "html"),
        ] {
            let outcome = try await ChildProcess.run(runner, arguments)
            #expect(outcome.status == 2, "\(arguments)")
            let help = outcome.errorText.split(separator: "\n").first { $0.contains("Help:") } ?? ""
            #expect(help.contains(expected), "\(arguments): \(outcome.errorText)")
        }
        // checklist's formats are markdown and json only; smoke has no html.
        let checklist = try await ChildProcess.run(runner, ["checklist", "--format", "html"])
        #expect(checklist.status == 2)
    }

    @Test("--output to something that is not a regular file (a FIFO, like /dev/null) writes into it, never replaces it")
    func outputToAFifo() async throws {
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent(
            "report-\(UUID().uuidString.prefix(8)).fifo"
        ).path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: fifo) }
        try await ParityHarness.withSeededBackend { backend in
            // The test holds the FIFO's reading end open (without blocking) before the run starts, so the run's
            // open for writing never waits for a reader, however slow either side is; the report (one table)
            // fits the pipe's buffer.
            let reader = open(fifo, O_RDONLY | O_NONBLOCK)
            #expect(reader >= 0)
            defer { close(reader) }
            let run = try await ChildProcess.run(
                try Self.executable(),
                ["--backend-url", backend.baseURL.absoluteString, "--table", "units", "--output", fifo, "--quiet"])
            #expect(run.status == 0, "\(run.errorText)")
            var report: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(reader, &chunk, chunk.count)
                guard count > 0 else { break }
                report += chunk[0..<count]
            }
            let text = String(decoding: report, as: UTF8.self)
            #expect(text.contains("PASS: 1 table in parity"), "\(text)")
        }
        var status = stat()
        #expect(stat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO, "the FIFO was replaced")
    }
}
