import Foundation
import ParityRunner
import ReferenceCatalog
import TestSupport
import Testing

@Suite("Cutover checklist", .integration)
struct ChecklistTests {
    @Test(
        "every definition-of-done item is proven on a healthy project; item 9 drills the playbook and fails when it lacks a step",
        .integration(weight: 2)
    )
    func checklist() async throws {
        let server = try await TestDatabases.serverURL()
        // The playbook without its rollback step, for the second checklist, run beside the first (each on
        // scratch databases of its own): the test holds two slots.
        let playbook = FileManager.default.temporaryDirectory.appendingPathComponent("cutover-\(UUID().uuidString).md")
        defer { try? FileManager.default.removeItem(at: playbook) }
        let text = try String(contentsOf: CutoverChecklist.defaultPlaybook, encoding: .utf8)
        try text.replacingOccurrences(of: "USE_BACKEND_REFERENCE=false", with: "the flag off").write(
            to: playbook, atomically: true, encoding: .utf8)
        async let lackingRollback = CutoverChecklist(
            sourceDirectory: ReferenceDataLocation.projectDirectory, serverURL: server, playbook: playbook,
            logger: TestDatabases.logger
        ).run()
        let report = try await CutoverChecklist(
            sourceDirectory: ReferenceDataLocation.projectDirectory, serverURL: server, logger: TestDatabases.logger
        ).run()
        #expect(report.items.map(\.number) == Array(1...10))
        #expect(report.passed, "\(report.markdown)")
        #expect(report.markdown.contains("10 of 10 items proven."))
        // Item 9 executed the rollout and the rollback, and says what each step measured.
        let drill = try #require(report.items.first { $0.number == 9 }).evidence.joined(separator: "\n")
        #expect(drill.contains("rollout 3, parity-runner --backend-url http://127.0.0.1:"), "\(drill)")
        #expect(drill.contains(": pass, 0 differences"), "\(drill)")
        #expect(drill.contains("rollout 4, USE_BACKEND_REFERENCE=true: RemotePostgresProvider"), "\(drill)")
        #expect(drill.contains("with the backend stopped (unreachable): LocalJsonSqliteProvider"), "\(drill)")
        #expect(drill.contains("identical to before the cutover"), "\(drill)")

        // A playbook without its rollback step fails item 9, and only item 9, naming the step.
        let withoutRollback = try await lackingRollback
        #expect(withoutRollback.items.filter { !$0.passed }.map(\.number) == [9])
        let evidence = withoutRollback.items.first { $0.number == 9 }?.evidence.first ?? ""
        #expect(evidence.contains("steps not in it: USE_BACKEND_REFERENCE=false"), "\(evidence)")
    }
}
