import Foundation
import Logging
import MetricsTestKit
import ReferenceCatalog
import ReferenceProviders
import TestSupport
import Testing

/// Shadow mode: the app reads the local data, a sample of its reads compares the backend's with it.
@Suite("Shadow comparison", .integration)
struct ShadowProviderTests {
    /// The facade's answers on the four smoke paths, as text: what the app would show.
    static func answers(_ service: ExerciseConfigService) async throws -> String {
        var lines: [String] = []
        for summary in try await service.exercises() { lines.append("\(summary)") }
        lines.append("\(try await service.editorChoices())")
        for entry in try await service.workoutPicker(search: "squat") { lines.append("\(entry)") }
        lines.append("\(String(describing: try await service.convert(100, from: "kg", to: "lb")))")
        return lines.joined(separator: "\n")
    }

    static func local(_ source: URL) -> LocalJsonSqliteProvider {
        LocalJsonSqliteProvider(
            sourceDirectory: source,
            databasePath: FileManager.default.temporaryDirectory.appendingPathComponent(
                "shadow-\(UUID().uuidString.prefix(8)).sqlite"
            ).path)
    }

    @Test("a planted difference is reported at its table, key and field; the facade answers as flag OFF does")
    func plantedDifference() async throws {
        let fixture = try SourceFixture.small()
        let source = try fixture.write()
        defer { try? FileManager.default.removeItem(at: source) }
        try await withLiveBackend(fixture) { backend in
            try await backend.databaseURL.withConnection(logger: TestDatabases.logger) { connection in
                try await connection.execute(
                    "UPDATE units SET name = 'kilogramme' WHERE unit_key = 'kg'", logger: TestDatabases.logger)
            }
            let metrics = TestMetrics()
            let log = LogCapture()
            let reporter = ShadowReporter(factory: metrics, logger: log.logger(level: .debug))
            let shadow = ShadowReferenceProvider(
                primary: Self.local(source),
                candidate: RemotePostgresProvider(baseURL: backend.baseURL, cache: nil, timeout: 30), rate: 1,
                reporter: reporter)
            let withShadow = try await Self.answers(ExerciseConfigService(provider: shadow))
            let flagOff = try await Self.answers(ExerciseConfigService(provider: Self.local(source)))
            #expect(withShadow == flagOff, "shadow mode changed what the facade answers")
            await shadow.settle()
            #expect(shadow.comparisonsStarted >= 1)
            let total = "reference_shadow_comparisons_total"
            #expect(metrics.counterTotal(label: total, dimensions: [("table", "units"), ("outcome", "differ")]) >= 1)
            #expect(metrics.counterTotal(label: total, dimensions: [("table", "muscles"), ("outcome", "match")]) >= 1)
            #expect(
                metrics.counters(label: total).filter { $0.dimensions.contains { $0 == ("outcome", "differ") } }
                    .allSatisfy { $0.dimensions.contains { $0 == ("table", "units") } },
                "only units differs")
            #expect(
                metrics.counterTotal(label: "reference_shadow_differences_total", dimensions: [("table", "units")]) >= 1
            )
            let line = try #require(log.lines.first { $0.message.contains("the backend differs") })
            #expect(line.level == .warning)
            #expect(line.metadata["shadow.table"] == "units", "\(line.metadata)")
            #expect(line.metadata["shadow.first"] == "field (unit_key=kg) name", "\(line.metadata)")
        }
    }

    @Test("rate 0 never fetches; an unreachable backend is counted unavailable and never reaches the app")
    func offAndOffline() async throws {
        let source = try SourceFixture.small().write()
        defer { try? FileManager.default.removeItem(at: source) }
        let listener = try SilentListener()
        let metrics = TestMetrics()
        let never = ShadowReferenceProvider(
            primary: Self.local(source),
            candidate: RemotePostgresProvider(baseURL: listener.url, cache: nil, timeout: 1),
            rate: 0, reporter: ShadowReporter(factory: metrics, logger: Logger(label: "test")))
        _ = try await never.getBootstrap()
        await never.settle()
        #expect(never.comparisonsStarted == 0)
        #expect(listener.acceptedConnections() == 0)
        #expect(metrics.counters.isEmpty)

        let offline = ShadowReferenceProvider(
            primary: Self.local(source),
            candidate: RemotePostgresProvider(baseURL: URL(string: "http://127.0.0.1:9")!, cache: nil, timeout: 1),
            rate: 1, reporter: ShadowReporter(factory: metrics, logger: Logger(label: "test")))
        let answer = try await offline.getTable("units")
        #expect(answer.rows.isEmpty == false)
        await offline.settle()
        #expect(
            metrics.counterTotal(
                label: "reference_shadow_comparisons_total",
                dimensions: [("table", "units"), ("outcome", "unavailable")]) == 1)
    }

    @Test("one comparison at a time: reads while one runs are counted skipped, never queued")
    func bounded() async throws {
        let source = try SourceFixture.small().write()
        defer { try? FileManager.default.removeItem(at: source) }
        let listener = try SilentListener()  // accepts and never answers: the first comparison waits
        let metrics = TestMetrics()
        let shadow = ShadowReferenceProvider(
            primary: Self.local(source),
            candidate: RemotePostgresProvider(baseURL: listener.url, cache: nil, timeout: 2),
            rate: 1, reporter: ShadowReporter(factory: metrics, logger: Logger(label: "test")))
        for _ in 0..<5 { _ = try await shadow.getTable("units") }
        #expect(shadow.comparisonsStarted == 1)
        #expect(
            metrics.counterTotal(
                label: "reference_shadow_comparisons_total", dimensions: [("table", "units"), ("outcome", "skipped")])
                == 4)
        await shadow.settle()
    }

    @Test("the factory: flag OFF with a shadow rate gives the shadow provider; without one, the local provider")
    func factory() throws {
        let plain = try ReferenceProviderConfiguration.fromEnvironment([:])
        #expect(createReferenceProvider(config: plain) is LocalJsonSqliteProvider)
        let shadowed = try ReferenceProviderConfiguration.fromEnvironment(["REFERENCE_SHADOW_RATE": "0.25"])
        let provider = createReferenceProvider(config: shadowed)
        #expect((provider as? ShadowReferenceProvider)?.rate == 0.25)
        let on = try ReferenceProviderConfiguration.fromEnvironment(
            ["REFERENCE_SHADOW_RATE": "1", "USE_BACKEND_REFERENCE": "true"])
        #expect(createReferenceProvider(config: on) is RemotePostgresProvider, "flag ON has no shadow")
        #expect(throws: (any Error).self) {
            try ReferenceProviderConfiguration.fromEnvironment(["REFERENCE_SHADOW_RATE": "5%"])
        }
    }
}
