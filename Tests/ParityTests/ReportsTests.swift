import Foundation
import Normalization
import ParityRunner
import ReferenceCatalog
import TestSupport
import Testing
import ThrowawayPostgres

/// Reports people act on: coverage that refuses an empty pass, accepted differences that expire, differences
/// a person can see, and the one-file HTML page.
@Suite("Reports people act on", .integration)
struct ReportsTests {
    let logger = TestDatabases.logger

    /// Writes `text` to a new temporary file with `suffix` and returns its path.
    func file(_ text: String, suffix: String = ".yaml") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "accept-\(UUID().uuidString.prefix(8))\(suffix)"
        ).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func run(
        _ backend: LiveBackend, tables: [String], acceptances: [Acceptance] = [], strict: Bool = false,
        today: String = "2026-11-25"
    ) async throws -> ParityReport {
        var options = ParityOptions(tables: tables, backendURL: backend.baseURL, strict: strict)
        options.acceptances = acceptances
        options.today = today
        return try await ParityRun(options: options, logger: logger, progress: .silent).execute()
    }

    @Test("a source whose 20 files are all empty fails: an empty_table per table, and 0 rows compared fails anyway")
    func emptySourceFails() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "empty-source-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for spec in ReferenceCatalog.tables {
            try Data("[]\n".utf8).write(to: directory.appendingPathComponent(spec.sourceFileName))
        }
        let runner = try CommandLineTests.executable("parity-runner")
        let plain = try await ChildProcess.run(runner, ["--source", directory.path, "--format", "json", "--quiet"])
        #expect(plain.status == 1, "\(plain.errorText)")
        let report = try JSONParser.parse(plain.output)
        #expect(report["status"] == "fail")
        #expect(report["summary"]?["comparedRows"] == .number(JSONNumber(0)))
        let tables = try #require(report["tables"]?.arrayValue)
        #expect(tables.count == 20)
        for table in tables {
            #expect(table["differences"]?.arrayValue?.map { $0["kind"] } == ["empty_table"], "\(table["table"]!)")
        }
        // Every table declared empty on purpose: no empty_table left, and still a failure (nothing compared).
        let allowed = try await ChildProcess.run(
            runner,
            ["--source", directory.path, "--quiet"] + ReferenceCatalog.tableNames.flatMap { ["--allow-empty", $0] })
        #expect(allowed.status == 1, "\(allowed.errorText)")
        #expect(allowed.outputText.contains("FAIL: no rows were compared, so nothing is proven"))
        #expect(!allowed.outputText.contains("empty_table"))
        let unknown = try await ChildProcess.run(runner, ["--allow-empty", "not_a_table", "--quiet"])
        #expect(unknown.status == 2)
    }

    @Test(
        "accepted differences: an unexpired match is accepted, an expired entry fails, an unused one is listed (fails with --strict)"
    )
    func acceptedDifferences() async throws {
        try await ParityHarness.withSeededBackend { backend in
            try await ParityHarness.plant(
                [
                    "UPDATE units SET si_factor = 0.45359238 WHERE unit_key = 'lb'",
                    "UPDATE units SET name = 'Kilo' WHERE unit_key = 'kg'",
                ], in: backend)
            let path = try file(
                """
                accept:
                  - table: units
                    key: {unit_key: lb}
                    field: si_factor
                    reason: rounding fixed in backend release 42
                    owner: data-team
                    expires: 2026-12-31
                  - table: units
                    key: {unit_key: mi}
                    reason: nothing differs here any more
                    owner: data-team
                    expires: 2026-12-31
                """)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let acceptances = try AcceptanceFile.load(path)
            let report = try await run(backend, tables: ["units"], acceptances: acceptances)
            let units = try #require(report.tables.first)
            #expect(units.accepted.map(\.difference.field) == ["si_factor"])
            #expect(units.accepted.first?.acceptance.owner == "data-team")
            #expect(units.differences.map(\.field) == ["name"])
            #expect(units.unused.map(\.entry) == [2])
            #expect(!report.passed)

            // Only the accepted difference left: a pass, with the unused entry listed; --strict fails on it.
            try await ParityHarness.plant(["UPDATE units SET name = 'kilogram' WHERE unit_key = 'kg'"], in: backend)
            let accepted = try await run(backend, tables: ["units"], acceptances: acceptances)
            #expect(accepted.passed, "\(accepted.text(colors: false))")
            let table = try #require(accepted.json()["tables"]?.arrayValue?.first)
            #expect(table["accepted"]?.arrayValue?.count == 1)
            #expect(table["unused"]?.arrayValue?.count == 1)
            #expect(table["accepted"]?.arrayValue?.first?["acceptance"]?["expires"] == "2026-12-31")
            let strict = try await run(backend, tables: ["units"], acceptances: acceptances, strict: true)
            #expect(!strict.passed)

            // The same file after its date: the entries expire, the difference fails again, and the report says so.
            let expired = try await run(backend, tables: ["units"], acceptances: acceptances, today: "2027-01-01")
            #expect(!expired.passed)
            #expect(expired.tables.first?.expired.count == 2)
            #expect(expired.tables.first?.differences.map(\.field) == ["si_factor"])
            #expect(expired.text(colors: false).contains("expired acceptance, entry 1 of \(path): ended 2026-12-31"))
        }
    }

    @Test(
        "an accepted-differences file that cannot be used names the file, the entry and the field",
        arguments: [
            ("accept: [unclosed", nil, nil, "is not YAML or JSON"),
            (
                "- {table: nope, key: {a: b}, reason: r, owner: o, expires: 2026-12-31}", 1, "table",
                "not a catalog table"
            ),
            (
                "- {table: units, key: {unit_key: lb}, field: colour, reason: r, owner: o, expires: 2026-12-31}", 1,
                "field", "not a column of units"
            ),
            ("- {table: units, key: [lb], reason: r, owner: o, expires: 2026-12-31}", 1, "key", "must be a mapping"),
            (
                "- {table: exercise_muscles, key: {exercise_key: a}, reason: r, owner: o, expires: 2026-12-31}", 1,
                "key", "every primary-key column"
            ),
            (
                "- {table: units, key: {unit_key: lb}, reason: r, owner: o, expires: 2026-12-31}\n"
                    + "- {table: units, key: {unit_key: kg}, reason: r, owner: o, expires: 2026-13-01}", 2, "expires",
                "not a date"
            ),
            ("- {table: units, key: {unit_key: lb}, owner: o, expires: 2026-12-31}", 1, "reason", "is missing"),
            (
                "[{\"table\": \"units\", \"key\": {\"unit_key\": \"lb\"}, \"reason\": \"r\", \"owner\": \"o\", \"expires\": \"someday\"}]",
                1, "expires", "not a date"
            ),
        ] as [(String, Int?, String?, String)])
    func badAcceptanceFile(text: String, entry: Int?, field: String?, message: String) throws {
        let path = try file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: AcceptanceFileError.self) { try AcceptanceFile.load(path) }
        #expect(error?.file == path)
        #expect(error?.entry == entry)
        #expect(error?.field == field)
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test("a bad accepted-differences file exits 2 from the command line, naming it")
    func badAcceptanceFileExitsTwo() async throws {
        let path = try file("- {table: nope}")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = try await ChildProcess.run(
            try CommandLineTests.executable("parity-runner"), ["--accept", path, "--backend-url", "http://127.0.0.1:9"])
        #expect(outcome.status == 2)
        #expect(outcome.errorText.contains(path) && outcome.errorText.contains("entry 1"))
    }

    @Test("a look-alike or invisible character is named with its code point and marked in every human format")
    func invisibleCharacters() async throws {
        try await ParityHarness.withSeededBackend { backend in
            try await ParityHarness.plant(
                [
                    "UPDATE exercises SET name = 'Barbell' || chr(8203) || ' Squat' WHERE exercise_key = 'barbell-squat'",
                    "UPDATE exercises SET name = 'B' || chr(1072) || 'rbell Deadlift' WHERE exercise_key = 'barbell-deadlift'",
                ], in: backend)
            let report = try await run(backend, tables: ["exercises"])
            let differences = try #require(report.tables.first?.differences)
            let squat = try #require(differences.first { $0.key["exercise_key"] == "barbell-squat" })
            #expect(squat.detail == "character 8: local U+0020 SPACE, remote U+200B ZERO WIDTH SPACE")
            let deadlift = try #require(differences.first { $0.key["exercise_key"] == "barbell-deadlift" })
            #expect(
                deadlift.detail
                    == "character 2: local U+0061 LATIN SMALL LETTER A, remote U+0430 CYRILLIC SMALL LETTER A")
            #expect(report.text(colors: false).contains("\"Barbell<U+200B> Squat\""))
            #expect(report.markdown().contains("B<U+0430>rbell Deadlift"))
            #expect(report.html().contains("Barbell<span class=\"mark\">&lt;U+200B&gt;</span> Squat"))
        }
    }

    @Test("the HTML report is one self-contained page that a real browser loads and that shows the planted key")
    func htmlInABrowser() async throws {
        try await ParityHarness.withSeededBackend { backend in
            try await ParityHarness.plant(
                ["UPDATE units SET symbol = 'LB' WHERE unit_key = 'lb'"], in: backend)
            let report = try await run(backend, tables: ["units", "muscles"])
            let html = report.html()
            for forbidden in ["<script", "<link", "<img", "src=", "@import", "url("] {
                #expect(!html.contains(forbidden), "\(forbidden)")
            }
            #expect(html.contains("unit_key=lb"))
            let page = FileManager.default.temporaryDirectory.appendingPathComponent(
                "report-\(UUID().uuidString.prefix(8)).html")
            try Data(html.utf8).write(to: page)
            defer { try? FileManager.default.removeItem(at: page) }
            let browser = try #require(
                ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
                    FileManager.default.isExecutableFile(atPath: $0)
                }, "Chromium is not installed: ci/setup installs it (apt-get install chromium)")
            let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
                "chromium-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: profile) }
            let outcome = try await ChildProcess.run(
                browser,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                    "--user-data-dir=\(profile.path)", "--dump-dom", page.absoluteString,
                ])
            #expect(outcome.status == 0, "\(outcome.errorText.suffix(2000))")
            let dom = outcome.outputText
            #expect(dom.contains("unit_key=lb"), "\(dom.prefix(500))")
            #expect(dom.contains("<details id=\"table-units\" open=\"\">"))
            #expect(dom.contains("Reference data parity: <span class=\"fail\">fail</span>"))
        }
    }
}
