import Foundation
import ParityRunner
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing
import ThrowawayPostgres

/// `parity-runner checklist --backend-url A --backend-url B`: every copy of the backend (issue 26, item 4).
@Suite("Checklist over several copies", .integration)
struct ChecklistCopiesTests {
    let logger = TestDatabases.logger

    @Test("the checklist sees every copy: a standby's API that has not replayed a re-seed is named with its lag")
    func checklistCopies() async throws {
        try await ReplicatedBackend.with(source: ReferenceDataLocation.projectDirectory) { backend in
            let (primaryURL, standbyURL) = (backend.primaryURL, backend.standbyURL)
            let (onPrimary, onStandby) = (backend.onPrimary, backend.onStandby)
            func checklist() async throws -> CutoverChecklist.Report {
                try await EnvironmentChecklist(
                    backendURL: onPrimary.baseURL, databaseURL: standbyURL,
                    sourceDirectory: ReferenceDataLocation.projectDirectory, otherBackendURLs: [onStandby.baseURL],
                    logger: logger
                ).run()
            }
            // Caught up: item 8 passes, and item 3 says the database is a standby.
            for _ in 0..<200 {
                let versions = try await [onPrimary, onStandby].asyncMap { api in
                    try JSONParser.parse(
                        try await HTTP.request(URL(string: api.baseURL.absoluteString + "/api/v1/reference/version")!)
                            .body)["referenceVersion"]
                }
                if versions[0] == versions[1] { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let caughtUp = try await checklist()
            let copies = try #require(caughtUp.items.first { $0.number == 8 })
            #expect(copies.passed, "\(copies.evidence)")
            let role = caughtUp.items.first { $0.number == 3 }?.evidence ?? []
            #expect(role.contains { $0.contains("standby in recovery") }, "\(role)")

            // Replay paused on the standby, a change on the primary: the standby's API is behind.
            try await standbyURL.withConnection(logger: logger) { connection in
                try await connection.execute("SELECT pg_wal_replay_pause()", logger: logger)
            }
            try await primaryURL.withConnection(logger: logger) { connection in
                try await connection.execute(
                    "UPDATE units SET name = 'kilogramme' WHERE unit_key = 'kg'", logger: logger)
            }
            let behind = try await checklist()
            let lagging = try #require(behind.items.first { $0.number == 8 })
            #expect(!lagging.passed)
            let named = lagging.evidence.first { $0.hasPrefix("FAILED: \(onStandby.baseURL.absoluteString)") }
            #expect(named?.contains("replay lag") == true, "\(lagging.evidence)")
            try await standbyURL.withConnection(logger: logger) { connection in
                try await connection.execute("SELECT pg_wal_replay_resume()", logger: logger)
            }
        }
    }
}

/// Item 8 compares the copies' bytes, not only their parsed tables (issue 26, item 4), against a real API.
@Suite("Checklist over several copies: bytes", .integration)
struct ChecklistCopyBytesTests {
    let logger = TestDatabases.logger

    @Test(
        "a copy serving the same tables in other bytes fails item 8 at the first differing byte; generatedAt alone passes"
    )
    func sameTablesOtherBytes() async throws {
        try await withLiveBackend { backend in
            let bootstrap = try await HTTP.request(
                backend.url("/api/v1/reference/bootstrap"), headers: ["Accept-Encoding": "identity"]
            ).body
            let text = String(decoding: bootstrap, as: UTF8.self)
            let generatedAt = try #require(
                try JSONParser.parse(bootstrap)["generatedAt"]?.stringValue)
            // Another process's stamp, every other byte the same: passes.
            let restamped = try await CannedHTTPServer.start(
                body: Data(text.replacingOccurrences(of: generatedAt, with: "2001-01-01T00:00:00.000Z").utf8))
            // The same JSON written with one more space: the same tables, other bytes.
            let respaced = try await CannedHTTPServer.start(
                body: Data(text.replacingOccurrences(of: "\"tables\":{", with: "\"tables\": {").utf8))
            let report = try await EnvironmentChecklist(
                backendURL: backend.baseURL, databaseURL: backend.databaseURL,
                sourceDirectory: ReferenceDataLocation.projectDirectory,
                otherBackendURLs: [restamped.url, respaced.url], logger: logger
            ).run()
            await restamped.stop()
            await respaced.stop()
            let copies = try #require(report.items.first { $0.number == 8 })
            #expect(!copies.passed)
            let restampedLine = copies.evidence.first { $0.contains(restamped.url.absoluteString) }
            #expect(restampedLine?.hasPrefix("FAILED") == false, "\(copies.evidence)")
            #expect(restampedLine?.contains("the same \(bootstrap.count - generatedAt.count) bytes") == true)
            let respacedLine = try #require(copies.evidence.first { $0.contains(respaced.url.absoluteString) })
            #expect(respacedLine.hasPrefix("FAILED: "), "\(copies.evidence)")
            #expect(respacedLine.contains("other bytes"), "\(respacedLine)")
            #expect(respacedLine.contains("\"tables\": {") || respacedLine.contains("tables\\\": {"), "\(respacedLine)")
        }
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
