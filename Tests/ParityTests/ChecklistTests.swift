import Foundation
import ParityRunner
import ReferenceCatalog
import TestSupport
import Testing

@Suite("Cutover checklist")
struct ChecklistTests {
    @Test("every definition-of-done item is proven on a healthy project; a missing playbook fails item 9 only")
    func checklist() async throws {
        let server = try await TestDatabases.serverURL()
        let report = try await CutoverChecklist(
            sourceDirectory: ReferenceDataLocation.projectDirectory, serverURL: server, logger: TestDatabases.logger
        ).run()
        #expect(report.items.map(\.number) == Array(1...10))
        #expect(report.passed, "\(report.markdown)")
        #expect(report.markdown.contains("10 of 10 items proven."))

        let withoutPlaybook = try await CutoverChecklist(
            sourceDirectory: ReferenceDataLocation.projectDirectory, serverURL: server,
            playbook: URL(fileURLWithPath: "/nonexistent/cutover.md"), logger: TestDatabases.logger
        ).run()
        #expect(withoutPlaybook.items.filter { !$0.passed }.map(\.number) == [9])
    }
}
