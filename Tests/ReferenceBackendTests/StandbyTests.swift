import Foundation
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing
import ThrowawayPostgres

/// The API against a hot standby (issue 26, item 1): a streaming replica of a throwaway cluster.
@Suite("API on a hot standby", .integration)
struct StandbyTests {
    let logger = TestDatabases.logger

    @Test(
        "serve on a standby: the primary's version and rows from one snapshot, /health with the replay lag; a re-seed shows once replayed"
    )
    func standby() async throws {
        let fixture = try SourceFixture.small()
        let source = try fixture.write()
        defer { try? FileManager.default.removeItem(at: source) }
        try await ReplicatedBackend.with(source: source) { backend in
            let (primaryURL, onPrimary, onStandby) = (backend.primaryURL, backend.onPrimary, backend.onStandby)
            func get(_ api: RunningAPI, _ path: String) async throws -> HTTP.Result {
                try await HTTP.request(URL(string: api.baseURL.absoluteString + path)!)
            }
            func version(_ api: RunningAPI) async throws -> String? {
                try JSONParser.parse(try await get(api, "/api/v1/reference/version").body)["referenceVersion"]?
                    .stringValue
            }
            func tables(_ api: RunningAPI) async throws -> (String?, JSONValue?) {
                let document = try JSONParser.parse(try await get(api, "/api/v1/reference/bootstrap").body)
                return (document["referenceVersion"]?.stringValue, document["tables"])
            }
            let health = try await get(onStandby, "/health")
            #expect(health.status == 200, "\(health.text)")
            let healthJSON = try JSONParser.parse(health.body)
            #expect(healthJSON["recovery"] == .bool(true), "\(health.text)")
            #expect(healthJSON["replayLagBytes"] != nil, "\(health.text)")
            #expect(try JSONParser.parse(try await get(onPrimary, "/health").body)["recovery"] == .bool(false))
            let standbyMetrics = try MetricsText(try await get(onStandby, "/metrics").text)
            #expect(standbyMetrics["reference_database_in_recovery"] == 1)
            #expect(standbyMetrics["reference_replay_lag_bytes"] != nil)
            #expect(try MetricsText(try await get(onPrimary, "/metrics").text)["reference_database_in_recovery"] == 0)

            // Wait for the standby to have replayed the seed, then the same version and the same tables.
            let primaryVersion = try await version(onPrimary)
            var standbyVersion: String?
            for _ in 0..<200 {
                standbyVersion = try await version(onStandby)
                if standbyVersion == primaryVersion { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(standbyVersion == primaryVersion)
            let (primaryDocumentVersion, primaryTables) = try await tables(onPrimary)
            let (standbyDocumentVersion, standbyTables) = try await tables(onStandby)
            #expect(standbyDocumentVersion == primaryDocumentVersion)
            #expect(standbyTables == primaryTables, "the standby served other rows for the same version")

            // A re-seed with a change on the primary: the standby shows the new version once replayed, and its
            // document at that version is the primary's (never a version with another version's rows).
            var changed = fixture
            changed.update("units", where: { $0["unit_key"] == "kg" }) { $0["name"] = "kilogramme" }
            let changedSource = try changed.write()
            defer { try? FileManager.default.removeItem(at: changedSource) }
            _ = try await Seeder(logger: logger).seed(sourceDirectory: changedSource, into: primaryURL)
            let newVersion = try await version(onPrimary)
            #expect(newVersion != primaryVersion)
            for _ in 0..<200 {
                let (seen, seenTables) = try await tables(onStandby)
                #expect(seen == primaryVersion || seen == newVersion, "\(seen ?? "?")")
                if seen == primaryVersion { #expect(seenTables == primaryTables, "old version, new rows") }
                if seen == newVersion { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let (finalVersion, finalTables) = try await tables(onStandby)
            #expect(finalVersion == newVersion)
            #expect(finalTables == (try await tables(onPrimary)).1)
        }
    }

}
