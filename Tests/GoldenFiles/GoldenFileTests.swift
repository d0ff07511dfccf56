import Foundation
import Normalization
import ParityRunner
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing
import ThrowawayPostgres

/// Golden files for what people and tools read: the bootstrap document, the migrated schema, and the four
/// report formats of a fixed scenario. Regenerate with `UPDATE_GOLDEN=1 swift test --filter GoldenFiles`.
@Suite("Golden files", .integration)
struct GoldenFileTests {
    let logger = TestDatabases.logger

    /// Replaces what varies between runs (instance ids, times, ports, paths) with stable markers.
    func mask(_ text: String, _ replacements: [(String, String)]) -> String {
        replacements.reduce(text) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }

    @Test("the bootstrap document for ReferenceData (generatedAt and referenceVersion masked)")
    func bootstrapDocument() async throws {
        try await ParityHarness.withSeededBackend { backend in
            var document = try JSONParser.parse(try await HTTP.request(backend.url("/api/v1/reference/bootstrap")).body)
                .objectValue!
            document["generatedAt"] = "<generatedAt>"
            document["referenceVersion"] = "<referenceVersion>"
            Golden.assertMatches(
                JSONWriter(prettyPrinted: true, sortedKeys: true).string(.object(document)) + "\n",
                file: "bootstrap.json")
        }
    }

    @Test("the migrated schema (pg_dump --schema-only, normalized)")
    func schema() async throws {
        try await TestDatabases.withDatabase(prefix: "golden") { url in
            guard case .unixSocket(let directory, let port) = url.endpoint else {
                Issue.record("the schema golden needs the throwaway cluster (a unix-socket URL)")
                return
            }
            let binaries = try await PostgresBinaries.locate()
            let dump = try await ChildProcess.run(
                binaries.pgDump,
                [
                    "--schema-only", "--no-owner", "--no-privileges", "--no-comments", "-h", directory, "-p", "\(port)",
                    "-U", url.username, url.database,
                ])
            #expect(dump.status == 0, "\(dump.errorText)")
            let data = dump.output
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .filter {
                    !$0.hasPrefix("--") && !$0.hasPrefix("SET ") && !$0.hasPrefix("SELECT pg_catalog.set_config")
                }
                // pg_dump 15.14+ brackets its output with \restrict / \unrestrict and a random key.
                .filter { !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }
            var normalized: [Substring] = []
            for line in lines where !(line.isEmpty && (normalized.last?.isEmpty ?? true)) { normalized.append(line) }
            Golden.assertMatches(normalized.joined(separator: "\n"), file: "schema.sql")
        }
    }

    @Test("reports of a fixed scenario with planted and accepted differences, in all five formats")
    func reports() async throws {
        try await ParityHarness.withSeededBackend { backend in
            try await ParityHarness.plant(
                [
                    "UPDATE exercises SET name = 'Barbell Squat (changed)' WHERE exercise_key = 'barbell-squat'",
                    "UPDATE exercises SET name = 'Barbell' || chr(8203) || ' Deadlift' WHERE exercise_key = 'barbell-deadlift'",
                    "UPDATE units SET si_factor = 0.45359238, aliases = aliases || aliases[1] WHERE unit_key = 'lb'",
                    "UPDATE set_types SET is_active = false WHERE set_type_key = 'amrap'",
                    "INSERT INTO force_types (force_key, name) VALUES ('isometric', 'Isometric')",
                    "INSERT INTO licenses (license_key, name, requires_attribution, source_type) VALUES ('cc-by-4-0', 'CC BY 4.0', true, 'admin')",
                ], in: backend)
            var options = ParityOptions(
                tables: ["units", "set_types", "force_types", "licenses", "exercises", "muscles"],
                backendURL: backend.baseURL)
            options.today = "2026-11-25"
            options.acceptances = [
                Acceptance(
                    file: "accept.yaml", entry: 1, table: "units", key: JSONObject(["unit_key": "lb"]),
                    field: "si_factor", kind: nil, reason: "rounding fixed in backend release 42", owner: "data-team",
                    expires: "2099-12-31"),
                Acceptance(
                    file: "accept.yaml", entry: 2, table: "muscles", key: JSONObject(["muscle_key": "biceps"]),
                    field: nil, kind: nil, reason: "renamed upstream", owner: "data-team", expires: "2099-12-31"),
            ]
            let report = try await ParityRun(options: options, logger: logger, progress: .silent).execute()
            let masks = [
                (backend.baseURL.absoluteString, "<remote>"), (report.remote.referenceVersion, "<referenceVersion>"),
                (report.local.location, "<source>"), (report.local.referenceVersion, "<localVersion>"),
            ]
            Golden.assertMatches(mask(report.text(colors: false, includeTimings: false), masks), file: "report.txt")
            Golden.assertMatches(
                mask(JSONWriter(prettyPrinted: true).string(report.json(includeTimings: false)) + "\n", masks),
                file: "report.json")
            Golden.assertMatches(mask(report.markdown(includeTimings: false), masks), file: "report.md")
            Golden.assertMatches(mask(report.junit(includeTimings: false), masks), file: "report.junit.xml")
            Golden.assertMatches(mask(report.html(includeTimings: false), masks), file: "report.html")
        }
    }
}
