import Foundation
import Logging
import Normalization
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders
import ThrowawayPostgres

/// The cutover checklist: the plan's definition of done (section 7), item by item, each proven from
/// evidence gathered here and now, on databases of its own (a throwaway cluster, or the server of
/// `--database-url`), never on production data.
public struct CutoverChecklist: Sendable {
    public struct Item: Sendable {
        public let number: Int
        public let title: String
        public let passed: Bool
        public let evidence: [String]
    }

    public struct Report: Sendable {
        public let items: [Item]
        public let generatedAt: Date
        public var passed: Bool { items.allSatisfy(\.passed) }
    }

    public let sourceDirectory: URL
    public let serverURL: DatabaseURL?
    public let playbook: URL
    public let logger: Logger

    public init(
        sourceDirectory: URL, serverURL: DatabaseURL?, playbook: URL = CutoverChecklist.defaultPlaybook, logger: Logger
    ) {
        self.sourceDirectory = sourceDirectory
        self.serverURL = serverURL
        self.playbook = playbook
        self.logger = logger
    }

    /// `docs/cutover.md` of the project.
    public static let defaultPlaybook = ReferenceDataLocation.projectDirectory.deletingLastPathComponent()
        .appendingPathComponent("docs/cutover.md")

    public func run() async throws -> Report {
        let databases: ReferenceDatabases
        if let serverURL {
            databases = try await ReferenceDatabases.onServer(serverURL, logger: logger)
        } else {
            databases = try await ReferenceDatabases.throwaway(logger: logger)
        }
        return try await databases.withShutdown { try await proveItems(on: $0) }
    }

    /// Proves every item on scratch databases of `databases`.
    private func proveItems(on databases: ReferenceDatabases) async throws -> Report {
        let source = try ReferenceSource.load(from: sourceDirectory)
        var items: [Item] = []

        // 1. Schema.
        let schemaDatabase = try await databases.makeDatabase(prefix: "checklist")
        let schemaProblems = try await schemaDatabase.withConnection(logger: logger) {
            try await SchemaInspector.problems(on: $0, logger: logger)
        }
        items.append(
            Item(
                number: 1, title: "All in-scope reference tables exist in Postgres with locked constraints/indexes",
                passed: schemaProblems.isEmpty,
                evidence: schemaProblems.isEmpty
                    ? [
                        "20 tables match the catalog column by column; natural primary keys; every FK ON UPDATE CASCADE ON DELETE RESTRICT with an index; source_type CHECK and an active-row partial index on every table; no row-level triggers"
                    ]
                    : schemaProblems))

        // 2. Versioning.
        items.append(try await versioning(on: databases.makeDatabase(prefix: "checklist")))

        // 3. Seed.
        let seeded = try await databases.makeDatabase(prefix: "checklist")
        items.append(try await seedBehaviour(source, on: seeded))

        // 4-8, 10: a live backend on the seeded database.
        let api = try await RunningAPI.start(databaseURL: seeded, logger: logger)
        do {
            items.append(try await endpoints(api.baseURL))
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "checklist-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let environment = [
                "REFERENCE_DATA_DIR": sourceDirectory.path,
                "REFERENCE_SQLITE_PATH": scratch.appendingPathComponent("local.sqlite").path,
                "REFERENCE_CACHE_DIR": scratch.appendingPathComponent("cache").path,
                "REFERENCE_BACKEND_URL": api.baseURL.absoluteString,
            ]
            items.append(try await providerSeam(environment))
            items.append(flagDefault(environment))
            let parity = try await ParityRun(
                options: ParityOptions(sourceDirectory: sourceDirectory, backendURL: api.baseURL), logger: logger,
                progress: .silent
            ).execute()
            items.append(
                Item(
                    number: 7, title: "Parity harness passes in CI under the documented normalization contract",
                    passed: parity.passed,
                    evidence: [
                        "contract \(parity.contractVersion): \(parity.tables.count) tables, \(parity.tables.reduce(0) { $0 + $1.localRows }) rows, \(parity.differenceCount) differences"
                    ] + parity.failedTables.map { "\($0.table): \($0.differences.count) differences" }))
            items.append(try await smokePaths(environment, api: api))
        } catch {
            await api.stop()
            throw error
        }
        await api.stop()
        items.append(try playbooks())
        items.append(try await localPathRemains(sourceDirectory))
        return Report(items: items.sorted { $0.number < $1.number }, generatedAt: Date())
    }

    private func versioning(on url: DatabaseURL) async throws -> Item {
        try await url.withConnection(logger: logger) { connection in
            func version() async throws -> Int64 {
                try await ReferenceVersion.read(on: connection, logger: logger).sequence
            }
            var evidence: [String] = []
            let start = try await version()
            try await connection.inTransaction(logger: logger) {
                try await connection.execute(
                    "INSERT INTO body_regions (body_region_key, name, sort_order) SELECT 'r' || g, 'R', g FROM generate_series(1, 100) g",
                    logger: logger)
                try await connection.execute("UPDATE body_regions SET name = 'S'", logger: logger)
            }
            let afterChange = try await version()
            evidence.append(
                "a transaction of 2 statements touching 100 rows raised version_seq by \(afterChange - start)")
            try await connection.execute("UPDATE body_regions SET name = name", logger: logger)
            try await connection.execute("UPDATE body_regions SET name = 'x' WHERE false", logger: logger)
            let afterNoop = try await version()
            evidence.append("statements that changed nothing raised it by \(afterNoop - afterChange)")
            try await connection.execute("BEGIN", logger: logger)
            try await connection.execute("UPDATE body_regions SET name = 'T'", logger: logger)
            try await connection.execute("ROLLBACK", logger: logger)
            let afterRollback = try await version()
            evidence.append("a rolled-back change raised it by \(afterRollback - afterNoop)")
            let rowTriggers = try await connection.strings(
                "SELECT count(*)::text FROM pg_trigger WHERE NOT tgisinternal AND (tgtype & 1) = 1", logger: logger)
            evidence.append("row-level triggers: \(rowTriggers.first ?? "?")")
            return Item(
                number: 2, title: "reference_metadata + statement-level trigger versioning works correctly",
                passed: afterChange - start == 1 && afterNoop == afterChange && afterRollback == afterNoop
                    && rowTriggers == ["0"],
                evidence: evidence)
        }
    }

    private func seedBehaviour(_ source: ReferenceSource, on url: DatabaseURL) async throws -> Item {
        let seeder = Seeder(logger: logger)
        let first = try await url.withConnection(logger: logger) { try await seeder.seed(source, on: $0) }
        let second = try await url.withConnection(logger: logger) { try await seeder.seed(source, on: $0) }
        let unchanged = second.tables.allSatisfy { $0.unchanged == $0.sourceRows } && !second.versionChanged
        // Deprecation: a source without one set type deactivates it, deletes nothing, and the full source
        // brings it back.
        let trimmed = ReferenceSource.replacing(source, table: "set_types") { Array($0.dropLast()) }
        let third = try await url.withConnection(logger: logger) { try await seeder.seed(trimmed, on: $0) }
        let total = try await url.withConnection(logger: logger) {
            try await $0.strings("SELECT count(*)::text FROM set_types", logger: logger)
        }
        let fourth = try await url.withConnection(logger: logger) { try await seeder.seed(source, on: $0) }
        let deactivated = third.tables.first { $0.table == "set_types" }?.deactivated ?? -1
        let reactivated = fourth.tables.first { $0.table == "set_types" }?.reactivated ?? -1
        let setTypes = source.table(named: "set_types")?.rows.count ?? 0
        let passed =
            first.versionChanged && unchanged && deactivated == 1 && total == ["\(setTypes)"] && reactivated == 1
        return Item(
            number: 3,
            title: "Seed pipeline is transactional, idempotent, upsert-only, and deprecates seed-managed rows safely",
            passed: passed,
            evidence: [
                "first seed: \(first.tables.reduce(0) { $0 + $1.inserted }) rows inserted in one transaction",
                "identical re-seed: all rows unchanged = \(unchanged), referenceVersion unchanged = \(!second.versionChanged)",
                "a source missing one set type deactivated \(deactivated) row; rows in set_types afterwards: \(total.first ?? "?") of \(setTypes) (nothing deleted)",
                "the full source reactivated \(reactivated) row",
                "rollback at every table of the seed order, the guardrails and the admin-row rules: proven by `swift test --filter SeedTests`",
            ])
    }

    private func endpoints(_ base: URL) async throws -> Item {
        var evidence: [String] = []
        var passed = true
        let checks: [(String, [String], Int)] = [
            ("/health", ["status", "database"], 200),
            ("/api/v1/reference/version", ["schemaVersion", "referenceVersion", "lastUpdated"], 200),
            ("/api/v1/reference/bootstrap", ["schemaVersion", "referenceVersion", "generatedAt", "tables"], 200),
            (
                "/api/v1/reference/exercises", ["schemaVersion", "referenceVersion", "generatedAt", "table", "rows"],
                200
            ),
            ("/api/v1/reference/not_a_table", ["error"], 404),
        ]
        for (path, keys, status) in checks {
            let (data, response) = try await URLSessionFetch.get(URL(string: base.absoluteString + path)!)
            let document = try? JSONParser.parse(data)
            let found = document?.objectValue?.keys ?? []
            let ok = response == status && Set(keys).isSubset(of: Set(found))
            passed = passed && ok
            evidence.append(
                "GET \(path): \(response), keys \(found.joined(separator: ", "))\(ok ? "" : " (expected \(status) with \(keys.joined(separator: ", ")))")"
            )
        }
        return Item(
            number: 4, title: "Bootstrap/version/granular endpoints implement the locked wrapper and semantics",
            passed: passed, evidence: evidence)
    }

    private func providerSeam(_ environment: [String: String]) async throws -> Item {
        var on = environment
        on["USE_BACKEND_REFERENCE"] = "true"
        let local = try await createReferenceProvider(config: .fromEnvironment(environment), logger: logger)
            .getBootstrap()
        let remote = try await createReferenceProvider(config: .fromEnvironment(on), logger: logger).getBootstrap()
        let passed = local.tables.count == 20 && remote.tables.count == 20
        return Item(
            number: 5,
            title: "App provider seam and local/remote providers are integrated with no public contract breakage",
            passed: passed,
            evidence: [
                "LocalJsonSqliteProvider: \(local.tables.count) tables, version \(local.referenceVersion)",
                "RemotePostgresProvider: \(remote.tables.count) tables, schema \(remote.schemaVersion.map(String.init) ?? "?"), version \(remote.referenceVersion)",
                "both behind ReferenceDataProvider; ExerciseConfigService reads only through it",
            ])
    }

    private func flagDefault(_ environment: [String: String]) -> Item {
        let unset = ReferenceProviderConfiguration.fromEnvironment([:])
        var on = environment
        on["USE_BACKEND_REFERENCE"] = "true"
        let offProvider = createReferenceProvider(config: .fromEnvironment(environment), logger: logger)
        let onProvider = createReferenceProvider(config: .fromEnvironment(on), logger: logger)
        let passed =
            !unset.useBackendReference && offProvider is LocalJsonSqliteProvider && onProvider is RemotePostgresProvider
        return Item(
            number: 6, title: "Feature flag defaults OFF and cleanly controls source selection", passed: passed,
            evidence: [
                "USE_BACKEND_REFERENCE unset: \(unset.useBackendReference ? "ON" : "OFF")",
                "OFF selects \(type(of: offProvider)); ON selects \(type(of: onProvider))",
            ])
    }

    private func smokePaths(_ environment: [String: String], api: RunningAPI) async throws -> Item {
        var on = environment
        on["USE_BACKEND_REFERENCE"] = "true"
        func answers(_ service: ExerciseConfigService) async throws -> String {
            let library = try await service.exercises(
                matching: ExerciseFilter(equipmentKey: "barbell", primaryMuscleKey: "chest"))
            let draft = try await service.validate(
                ExerciseDraft(
                    key: "new-press", name: "New press", categoryKey: "strength", levelKey: "beginner",
                    primaryMuscleKeys: ["chest"]))
            let picker = try await service.workoutPicker(search: "squat", limit: 5)
            let oneRepMax = try await service.estimateOneRepMax(formula: "epley", weight: 100, reps: 5)
            return
                "\(library.map(\.key))|\(draft)|\(picker.map(\.key))|\(oneRepMax.map { String(format: "%.4f", $0) } ?? "nil")"
        }
        let off = try await answers(
            ExerciseConfigService(provider: createReferenceProvider(config: .fromEnvironment(environment))))
        let online = try await answers(
            ExerciseConfigService(provider: createReferenceProvider(config: .fromEnvironment(on))))
        var offlineConfiguration = ReferenceProviderConfiguration.fromEnvironment(on)
        offlineConfiguration.backendURL = URL(string: "http://127.0.0.1:9")!  // nothing listens: offline
        let offline = try await answers(
            ExerciseConfigService(
                provider: createReferenceProvider(config: offlineConfiguration),
                options: BootstrapOptions(allowStaleCache: true)))
        return Item(
            number: 8, title: "Required UI smoke paths pass with flag OFF and ON (and warm offline where applicable)",
            passed: off == online && online == offline,
            evidence: [
                "library filter, edit/create validation, workout picker and 1RM lookup gave \(off == online && online == offline ? "identical" : "DIFFERENT") answers with flag OFF, ON and warm offline",
                "the full smoke suite: `swift test --filter SmokeTests`",
            ])
    }

    private func playbooks() throws -> Item {
        let text = (try? String(contentsOf: playbook, encoding: .utf8)) ?? ""
        let sections = ["## Rollout", "## Rollback"].filter { text.contains($0) }
        let commands = text.contains("USE_BACKEND_REFERENCE=false") && text.contains("parity-runner")
        return Item(
            number: 9, title: "Rollout and rollback playbooks are documented and executable",
            passed: sections.count == 2 && commands,
            evidence: [
                "\(playbook.lastPathComponent): sections \(sections.isEmpty ? "none" : sections.joined(separator: ", "))",
                "the rollback step (USE_BACKEND_REFERENCE=false) is exercised by items 6 and 10",
            ])
    }

    private func localPathRemains(_ directory: URL) async throws -> Item {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "checklist-local-\(UUID().uuidString.prefix(8)).sqlite"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bootstrap = try await LocalJsonSqliteProvider(
            sourceDirectory: directory, databasePath: path, logger: logger
        ).getBootstrap()
        let rows = bootstrap.tables.values.reduce(0) { $0 + $1.rows.count }
        return Item(
            number: 10, title: "Local provider path remains available for at least one release after cutover",
            passed: rows > 0 && bootstrap.tables.count == 20,
            evidence: [
                "with the flag OFF the local JSON/SQLite provider serves \(bootstrap.tables.count) tables, \(rows) rows, without the network"
            ])
    }
}
