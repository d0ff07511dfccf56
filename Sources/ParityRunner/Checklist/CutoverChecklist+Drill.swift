import Foundation
import Logging
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders

/// Item 9: the playbook's rollout and rollback, executed step by step in a throwaway environment.
extension CutoverChecklist {
    /// The steps of `docs/cutover.md` this drill executes; the playbook must still name each of them.
    static let drilledCommands = [
        "reference-backend migrate", "reference-backend seed", "parity-runner --backend-url",
        "USE_BACKEND_REFERENCE=true", "USE_BACKEND_REFERENCE=false",
    ]

    /// Deploys (migrate, seed, serve) on a new scratch database, ships with the flag OFF, runs parity against
    /// the deployment, turns the flag ON, then rolls back: flag OFF with the backend stopped. Each step's
    /// evidence is what it measured; the smoke paths' answers must be identical and non-empty in every phase.
    func rolloutDrill(_ source: ReferenceSource, databases: ReferenceDatabases) async throws -> Item {
        let text = (try? String(contentsOf: playbook, encoding: .utf8)) ?? ""
        let sections = ["## Rollout", "## Rollback"].filter { text.contains($0) }
        let undocumented = Self.drilledCommands.filter { !text.contains($0) }
        var evidence = [
            "\(playbook.lastPathComponent): sections \(sections.isEmpty ? "none" : sections.joined(separator: ", "))"
                + (undocumented.isEmpty ? "" : "; steps not in it: \(undocumented.joined(separator: ", "))")
        ]
        var passed = sections.count == 2 && undocumented.isEmpty

        // Rollout 1: deploy.
        let started = ContinuousClock.now
        let url = try await databases.makeDatabase(prefix: "drill")
        let migrated = try await Migrator(logger: logger).migrate(url)
        let seeded = try await url.withConnection(logger: logger) {
            try await Seeder(logger: logger).seed(source, on: $0)
        }
        evidence.append(
            "rollout 1, deploy: migrate (schema version \(migrated.schemaVersion)), seed "
                + "(\(seeded.tables.reduce(0) { $0 + $1.inserted }) rows, version \(seeded.referenceVersion))")

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "drill-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var flagOff = appEnvironment(scratch: scratch, backend: nil)
        func answers(_ environment: [String: String]) async throws -> (String, [[String]]) {
            let provider = createReferenceProvider(config: try .fromEnvironment(environment), logger: logger)
            let service = ExerciseConfigService(provider: provider)
            var all: [[String]] = []
            for path in SmokePath.all { all.append(try await path.run(service)) }
            return ("\(type(of: provider))", all)
        }
        func describe(_ answers: [[String]]) -> String {
            answers.map { "\($0.count)" }.joined(separator: "/") + " smoke answer lines"
        }

        let (shipped, shippedAnswers) = try await RunningAPI.start(databaseURL: url, logger: logger).withStop { api in
            flagOff["REFERENCE_BACKEND_URL"] = api.baseURL.absoluteString
            // Rollout 2: ship with the flag OFF.
            let shipped = try await answers(flagOff)
            evidence.append("rollout 2, ship with USE_BACKEND_REFERENCE=false: \(shipped.0), \(describe(shipped.1))")
            // Rollout 3: parity against the deployment.
            let parity = try await ParityRun(
                options: ParityOptions(sourceDirectory: sourceDirectory, backendURL: api.baseURL), logger: logger,
                progress: .silent
            ).execute()
            passed = passed && parity.passed
            evidence.append(
                "rollout 3, parity-runner --backend-url \(api.baseURL.absoluteString): "
                    + (parity.passed ? "pass" : "FAIL") + ", \(parity.differenceCount) differences")
            // Rollout 4: the flag ON.
            var flagOn = flagOff
            flagOn["USE_BACKEND_REFERENCE"] = "true"
            let on = try await answers(flagOn)
            let same = on.1 == shipped.1
            passed = passed && same && on.0 == "\(RemotePostgresProvider.self)"
            evidence.append(
                "rollout 4, USE_BACKEND_REFERENCE=true: \(on.0), \(describe(on.1)), "
                    + (same ? "identical to flag OFF" : "DIFFERENT from flag OFF"))
            return shipped
        }
        // Rollback 1: the flag OFF again, with the backend gone.
        let backendDown = (try? await URLSessionFetch.get(URL(string: flagOff["REFERENCE_BACKEND_URL"]!)!)) == nil
        let rolledBack = try await answers(flagOff)
        let same = rolledBack.1 == shippedAnswers
        let empty = shippedAnswers.contains { $0.isEmpty }
        passed = passed && backendDown && same && !empty && rolledBack.0 == shipped
        evidence.append(
            "rollback 1, USE_BACKEND_REFERENCE=false with the backend stopped (\(backendDown ? "unreachable" : "STILL UP")): "
                + "\(rolledBack.0), \(describe(rolledBack.1)), "
                + (empty ? "EMPTY answers" : same ? "identical to before the cutover" : "DIFFERENT from before"))
        try? await databases.dropDatabase(url)
        evidence.append("drill took \(Int((ContinuousClock.now - started).fractionalMilliseconds)) ms")
        return Item(
            number: 9, title: "Rollout and rollback playbooks are documented and executable", passed: passed,
            evidence: evidence)
    }
}
