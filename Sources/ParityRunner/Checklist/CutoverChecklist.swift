import Foundation
import Logging
import Normalization
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders

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
        /// What was proven: the code (on scratch databases) or a deployed environment.
        public let mode: String
        public var passed: Bool { items.allSatisfy(\.passed) }

        public init(items: [Item], generatedAt: Date, mode: String = CutoverChecklist.codeMode) {
            self.items = items
            self.generatedAt = generatedAt
            self.mode = mode
        }
    }

    /// The report's mode when the checklist proves the code.
    public static let codeMode = "code: proven on scratch databases, not on a deployed environment"

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
                        "20 tables match the catalog column by column; natural primary keys; every FK ON UPDATE CASCADE ON DELETE RESTRICT with an index; source_type CHECK and an active-row partial index on every table; no row-level trigger but the admin-row guard"
                    ]
                    : schemaProblems))

        // 2. Versioning.
        items.append(try await versioning(on: databases.makeDatabase(prefix: "checklist")))

        // 3. Seed.
        let seeded = try await databases.makeDatabase(prefix: "checklist")
        items.append(try await seedBehaviour(source, on: seeded))

        // 4-8, 10: a live backend on the seeded database.
        items += try await RunningAPI.start(databaseURL: seeded, logger: logger).withStop { api in
            var items: [Item] = []
            items.append(try await endpoints(api.baseURL))
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "checklist-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let environment = appEnvironment(scratch: scratch, backend: api.baseURL)
            items.append(try await providerSeam(environment))
            items.append(try flagDefault(environment))
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
            items.append(try await smokePaths(environment))
            return items
        }
        items.append(try await rolloutDrill(source, databases: databases))
        items.append(try await localPathRemains(sourceDirectory))
        return Report(items: items.sorted { $0.number < $1.number }, generatedAt: Date())
    }
}

extension CutoverChecklist {
    /// The app's settings for a provider of this checklist: the source, its own SQLite file and cache under
    /// `scratch`, the backend (when there is one), and a generous request timeout (the backend runs in this
    /// process, on a machine that may be busy).
    func appEnvironment(scratch: URL, backend: URL?) -> [String: String] {
        var environment = [
            "REFERENCE_DATA_DIR": sourceDirectory.path,
            "REFERENCE_SQLITE_PATH": scratch.appendingPathComponent("local.sqlite").path,
            "REFERENCE_CACHE_DIR": scratch.appendingPathComponent("cache").path,
            "REFERENCE_HTTP_TIMEOUT": "60",
        ]
        if let backend { environment["REFERENCE_BACKEND_URL"] = backend.absoluteString }
        return environment
    }
}
