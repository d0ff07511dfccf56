import Foundation
import ReferenceCatalog
import Synchronization
import TestSupport
import Testing
import ThrowawayPostgres

#if canImport(Glibc)
import Glibc
#endif

/// `parity-runner watch`: the environment checklist run again as the deployed environment changes.
@Suite("parity-runner watch", .integration)
struct WatchTests {
    static func historyLines(_ path: String) -> [JSONValue] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONParser.parse(Data($0.utf8)) }
    }

    /// Waits until the history has `count` lines (the child is slow on a busy machine: up to 120 s).
    static func waitForHistory(_ path: String, count: Int) async throws -> [JSONValue] {
        for _ in 0..<1200 {
            let lines = historyLines(path)
            if lines.count >= count { return lines }
            try await Task.sleep(for: .milliseconds(100))
        }
        return historyLines(path)
    }

    static func scratch(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(name)-\(UUID().uuidString.prefix(8))")
            .path
    }

    @Test("a database changed between polls: the next run records the failure in the history and exits 1")
    func changeBetweenPolls() async throws {
        let history = Self.scratch("history.jsonl")
        let output = Self.scratch("report.json")
        defer {
            try? FileManager.default.removeItem(atPath: history)
            try? FileManager.default.removeItem(atPath: output)
        }
        let runner = try CommandLineTests.executable("parity-runner")
        try await ParityHarness.withSeededBackend { backend in
            async let watched = ChildProcess.run(
                runner,
                [
                    "watch", "--backend-url", backend.baseURL.absoluteString, "--database-url",
                    backend.databaseURL.description, "--interval", "0.2", "--every", "100000", "--max-runs", "2",
                    "--history", history, "--output", output, "--format", "json",
                ])
            let first = try await Self.waitForHistory(history, count: 1)
            #expect(first.first?["verdict"] == "pass", "\(first)")
            #expect(first.first?["trigger"] == "first")
            // An operator's hand edit: a row that no longer matches the bundle (and a new version).
            try await ParityHarness.plant(
                ["UPDATE exercises SET name = name || ' (edited)' WHERE exercise_key = 'barbell-squat'"], in: backend)
            let outcome = try await watched
            #expect(outcome.status == 1, "\(outcome.errorText)")
            let lines = Self.historyLines(history)
            #expect(lines.count == 2, "\(lines)")
            let second = try #require(lines.last)
            #expect(second["verdict"] == "fail")
            #expect(second["trigger"] == "new-version")
            #expect(second["referenceVersion"] != first.first?["referenceVersion"])
            let failing =
                second["failingItems"]?.arrayValue?.compactMap { item -> Int64? in
                    if case .number(let number)? = item["number"] { return number.int64Value }
                    return nil
                } ?? []
            #expect(failing.contains(2) && failing.contains(4), "\(second)")
            let report = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: output)))
            #expect(report["status"] == "not_ready", "the latest report is the failing run's")
            #expect(outcome.errorText.contains("new-version run at"), "\(outcome.errorText)")
        }
    }

    @Test(
        "an unchanged version is not checked again until --every polls; SIGTERM stops it cleanly, exit by the last verdict"
    )
    func quietAndStopped() async throws {
        let history = Self.scratch("history.jsonl")
        defer { try? FileManager.default.removeItem(atPath: history) }
        let runner = try CommandLineTests.executable("parity-runner")
        try await ParityHarness.withSeededBackend { backend in
            let pid = Mutex<Int32>(0)
            async let watched = ChildProcess.run(
                runner,
                [
                    "watch", "--backend-url", backend.baseURL.absoluteString, "--interval", "0.1", "--every",
                    "100000", "--history", history, "--keep-going",
                ], started: { started in pid.withLock { $0 = started } })
            let first = try await Self.waitForHistory(history, count: 1)
            #expect(first.count == 1)
            // Many polls of an unchanged version: no second run.
            try await Task.sleep(for: .seconds(2))
            #expect(Self.historyLines(history).count == 1, "\(Self.historyLines(history))")
            kill(pid.withLock { $0 }, SIGTERM)
            let outcome = try await watched
            // Without --database-url items 1 and 2 are not proven, so the last verdict is a failure: exit 1,
            // not death by the signal.
            #expect(outcome.status == 1, "\(outcome.errorText)")
            #expect(outcome.errorText.contains("stopping after the step in progress"), "\(outcome.errorText)")
            #expect(Self.historyLines(history).count == 1)
        }
    }

    @Test("an unreachable backend: exit 3, one history line naming it")
    func unreachable() async throws {
        let history = Self.scratch("history.jsonl")
        defer { try? FileManager.default.removeItem(atPath: history) }
        let outcome = try await ChildProcess.run(
            try CommandLineTests.executable("parity-runner"),
            ["watch", "--backend-url", "http://127.0.0.1:9", "--interval", "0.1", "--history", history])
        #expect(outcome.status == 3, "\(outcome.errorText)")
        let lines = Self.historyLines(history)
        #expect(lines.count == 1)
        #expect(lines.first?["verdict"] == "unreachable")
        #expect(lines.first?["error"]?.stringValue?.contains("http://127.0.0.1:9") == true, "\(lines)")
    }
}
