import Foundation
import Logging
import Normalization
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The cutover prerequisites checked against a deployed environment (`checklist --backend-url URL
/// [--database-url URL]`), never writing to it: the database is read in `READ ONLY` transactions
/// (`default_transaction_read_only` for the whole session), the backend only with GETs. Evidence is measured
/// here and now. Items that need the database say so when `--database-url` is absent.
public struct EnvironmentChecklist: Sendable {
    public let backendURL: URL
    public let databaseURL: DatabaseURL?
    public let sourceDirectory: URL
    /// Objects operators add on purpose, left out of the schema comparison (`--ignore-object`).
    public let ignoredObjects: Set<String>
    /// Admin rows (`source_type` 'admin', which the seed never touches) fail the parity and smoke items instead
    /// of being listed and counted (`--strict`).
    public let strict: Bool
    /// More copies of the backend (API replicas, a cache in front), each given with `--backend-url` after
    /// the first: item 8 checks that every one serves the first's version and tables, naming a lagging one
    /// with the lag its `/health` reports.
    public let otherBackendURLs: [URL]
    public let logger: Logger

    public init(
        backendURL: URL, databaseURL: DatabaseURL?, sourceDirectory: URL, ignoredObjects: Set<String> = [],
        strict: Bool = false, otherBackendURLs: [URL] = [], logger: Logger
    ) {
        self.otherBackendURLs = otherBackendURLs
        self.backendURL = backendURL
        self.databaseURL = databaseURL
        self.sourceDirectory = sourceDirectory
        self.ignoredObjects = ignoredObjects
        self.strict = strict
        self.logger = logger
    }

    public typealias Item = CutoverChecklist.Item

    /// Runs every item. The items are independent and run at the same time (the database's items over one
    /// read-only connection, in order); the parity item waits for the database's rows.
    public func run() async throws -> CutoverChecklist.Report {
        let source = try ReferenceSource.load(from: sourceDirectory, allowExternalReferences: true)
        try await requireBackend()
        async let expected = databaseURL == nil ? nil : expectedSchema()
        async let bootstrapParity = outcome { try await parityRun() }
        async let endpointsItem = reporting(5, Self.endpointsTitle) { try await endpoints() }
        async let httpContractItem = reporting(6, Self.httpContractTitle) { try await httpContract() }
        async let smokeItem = reporting(7, Self.smokeTitle) { try await smoke() }
        async let copiesItem = otherBackendURLs.isEmpty ? nil : reporting(8, Self.copiesTitle) { try await copies() }
        var items: [Item] = []
        var databaseRows: (referenceVersion: String, tables: [String: ReferenceTable])?
        if let databaseURL {
            let connection = try await databaseURL.connect(logger: logger)
            do {
                try await connection.execute("SET default_transaction_read_only = on", logger: logger)
                let live = try await SchemaSnapshot.read(on: connection, logger: logger)
                items.append(try await seed(source, on: connection))
                items.append(try await role(on: connection))
                databaseRows = try await DatabaseRows.active(on: connection, logger: logger)
                try? await connection.close()
                items.append(schema(live: live, expected: try await expected!))
            } catch {
                try? await connection.close()
                throw error
            }
        } else {
            let reason = "not checked: pass --database-url (a role that can only read is enough)"
            items.append(Item(number: 1, title: Self.schemaTitle, passed: false, evidence: [reason]))
            items.append(Item(number: 2, title: Self.seedTitle, passed: false, evidence: [reason]))
        }
        let parityOutcome = await bootstrapParity
        items.append(
            try await reporting(4, Self.parityTitle) { [databaseRows] in
                try parity(try parityOutcome.get(), databaseRows: databaseRows)
            })
        items += [try await endpointsItem, try await httpContractItem, try await smokeItem]
        if let copies = try await copiesItem { items.append(copies) }
        return CutoverChecklist.Report(
            items: items.sorted { $0.number < $1.number }, generatedAt: Date(),
            mode: "environment: backend \(backendURL.absoluteString)"
                + (databaseURL.map { ", database \($0)" } ?? ", no database"))
    }

    private func outcome<Value: Sendable>(_ body: () async throws -> Value) async -> Result<Value, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    static let schemaTitle = "Migrations applied there, and the live schema equals the catalog and the migrations"
    static let seedTitle = "Its seed is complete: a seed of the bundle would write nothing (seed --dry-run)"
    static let parityTitle = "Parity green against its backend: the bootstrap equals the bundle"
    static let endpointsTitle = "Every per-table endpoint equals the bootstrap's table at the same referenceVersion"
    static let httpContractTitle = "Its backend is healthy and keeps the HTTP contract (version, ETag, gzip, errors)"
    static let copiesTitle = "Every copy of the backend (replicas, caches) serves the same version and tables"
    static let smokeTitle = "Smoke green: flag ON and warm offline answer as flag OFF on every path"

    /// Runs one item. Data the backend serves that the app cannot use (rows that break the catalog's rules, a
    /// body that is no bootstrap) is evidence: the item fails naming table, key and field, and the report
    /// goes on. Anything else (the backend or database unreachable) ends the run, exit 3.
    private func reporting(_ number: Int, _ title: String, _ body: () async throws -> Item) async throws -> Item {
        do {
            return try await body()
        } catch {
            guard Self.isAboutServedData(error) else { throw error }
            return Item(
                number: number, title: title, passed: false,
                evidence: ["the backend serves data the app cannot use: \(error)"])
        }
    }

    static func isAboutServedData(_ error: any Error) -> Bool {
        switch error {
        case SmokeError.unusable(let mode, _, let cause): mode != .flagOff && cause.isAboutServedData
        case let error as ReferenceProviderError: error.isAboutServedData
        case ParityError.infrastructure(_, _, let cause?): isAboutServedData(cause)
        default: false
        }
    }

    /// The backend answers at all: otherwise exit 3 naming it.
    private func requireBackend() async throws {
        do {
            _ = try await URLSessionFetch.get(backendURL.appendingPathComponent("health"))
        } catch {
            throw ParityError.infrastructure(
                step: "reach the backend at \(backendURL.absoluteString)", reason: error.localizedDescription,
                cause: error)
        }
    }

    /// Item 1 alone, over a new read-only connection to `databaseURL`.
    public func schemaItem() async throws -> Item {
        guard let databaseURL else {
            return Item(number: 1, title: Self.schemaTitle, passed: false, evidence: ["no --database-url"])
        }
        async let expected = expectedSchema()
        let live = try await databaseURL.withConnection(logger: logger) { connection in
            try await connection.execute("SET default_transaction_read_only = on", logger: logger)
            return try await SchemaSnapshot.read(on: connection, logger: logger)
        }
        return schema(live: live, expected: try await expected)
    }

    /// The schema this build's migrations make: read from the migrated template of a throwaway cluster on this
    /// machine (nothing is created on the environment).
    private func expectedSchema() async throws -> SchemaSnapshot {
        try await ReferenceDatabases.throwaway(logger: logger).withShutdown { databases in
            try await databases.templateURL.withConnection(logger: logger) {
                try await SchemaSnapshot.read(on: $0, logger: self.logger)
            }
        }
    }

    /// Item 1: `schema_migrations` and the live schema against the schema this build's migrations make.
    private func schema(live: SchemaSnapshot, expected: SchemaSnapshot) -> Item {
        let drift = expected.drift(of: live, ignoring: ignoredObjects)
        let liveVersion = live.objects.keys.filter { $0.hasPrefix("migration ") }.count
        var evidence = [
            "\(expected.objects.count) expected objects compared with \(live.objects.count) live ones; "
                + "migrations applied there: \(liveVersion), in this build: \(Migration.latestVersion)"
        ]
        if !ignoredObjects.isEmpty {
            evidence.append("ignored on purpose: \(ignoredObjects.sorted().joined(separator: ", "))")
        }
        evidence += drift.prefix(50).map { $0 }
        if drift.count > 50 { evidence.append("... and \(drift.count - 50) more") }
        return Item(number: 1, title: Self.schemaTitle, passed: drift.isEmpty, evidence: evidence)
    }

    /// Item 2: the seed plan of the bundle against the live database, computed read-only.
    private func seed(_ source: ReferenceSource, on connection: PostgresConnection) async throws -> Item {
        let plan = try await Seeder(logger: logger).plan(source, on: connection)
        let evidence =
            plan.text.split(separator: "\n").map(String.init)
            + ["computed in \(String(format: "%.0f", plan.milliseconds)) ms in a READ ONLY transaction"]
        return Item(number: 2, title: Self.seedTitle, passed: plan.isEmpty, evidence: evidence)
    }

    /// Item 3: what the connecting role could do (the checklist never writes either way).
    private func role(on connection: PostgresConnection) async throws -> Item {
        let rows = try await connection.query(
            """
            SELECT current_user::text, has_table_privilege(current_user, 'public.exercises', 'INSERT'),
                   has_table_privilege(current_user, 'public.exercises', 'UPDATE'),
                   current_setting('default_transaction_read_only')
            """, logger: logger)
        var evidence: [String] = []
        for try await (user, insert, update, readOnly) in rows.decode((String, Bool, Bool, String).self) {
            evidence.append(
                "connected as \(user); default_transaction_read_only = \(readOnly); "
                    + (insert || update
                        ? "the role could write (INSERT \(insert), UPDATE \(update)): this run wrote nothing"
                        : "the role cannot write"))
        }
        // A standby (read replica): say so, with how far its replay is behind.
        let replication = try await connection.readReplication(logger: logger)
        if replication.inRecovery {
            evidence.append(
                "the database is a standby in recovery: replay lag "
                    + (replication.lagSeconds.map { String(format: "%.1f s", $0) } ?? "unknown (nothing replayed yet)")
                    + ", \(Int(replication.lagBytes ?? 0)) WAL bytes received and not yet replayed")
        }
        return Item(
            number: 3, title: "The checklist reads the database without writing to it", passed: !evidence.isEmpty,
            evidence: evidence)
    }

    /// The backend's bootstrap against the bundle, under the normalization contract (`parity-runner
    /// --backend-url`).
    private func parityRun() async throws -> ParityReport {
        try await ParityRun(
            options: ParityOptions(sourceDirectory: sourceDirectory, backendURL: backendURL, strict: strict),
            logger: logger, progress: .silent
        ).execute()
    }

    /// Item 4: parity of the backend's bootstrap with the bundle, under the normalization contract, and with
    /// `--database-url` of the database's active rows, read directly, with the bundle's JSON.
    private func parity(
        _ report: ParityReport, databaseRows: (referenceVersion: String, tables: [String: ReferenceTable])?
    ) throws -> Item {
        var evidence = [
            "contract \(report.contractVersion): \(report.tables.count) tables, \(report.comparedRows) rows compared "
                + "(local \(report.localRowCount), remote \(report.remoteRowCount)), \(report.differenceCount) differences"
        ]
        evidence += report.failedTables.map { "\($0.table): \($0.differences.count) differences" }
        if report.adminRowCount > 0 {
            evidence.append(
                "admin rows, listed and not compared: \(report.adminRowCount) ("
                    + Self.list(report.tables.map { ($0.table, $0.adminRows) }) + ")")
        }
        var passed = report.passed
        if let databaseRows {
            let bundle = try BundleJSON.load(from: sourceDirectory, specs: ReferenceCatalog.tables)
            let differ = TableDiffer(strict: strict)
            let comparisons = ReferenceCatalog.tables.map { spec in
                differ.compare(
                    local: bundle[spec.name] ?? ReferenceTable(spec: spec, rows: []),
                    remote: databaseRows.tables[spec.name] ?? ReferenceTable(spec: spec, rows: []))
            }
            let differences = comparisons.reduce(0) { $0 + $1.differences.count }
            let adminRows = comparisons.reduce(0) { $0 + $1.adminRows.count }
            passed = passed && differences == 0
            evidence.append(
                "the database's active rows at referenceVersion \(databaseRows.referenceVersion), read directly: "
                    + "\(comparisons.reduce(0) { $0 + $1.comparedRows }) rows compared with the bundle's JSON "
                    + "(bundle \(comparisons.reduce(0) { $0 + $1.localRows }), database \(comparisons.reduce(0) { $0 + $1.remoteRows })), "
                    + "\(differences) differences" + (adminRows > 0 ? ", admin rows listed: \(adminRows)" : ""))
            for comparison in comparisons where !comparison.differences.isEmpty {
                let first = comparison.differences[0]
                evidence.append(
                    "database \(comparison.table): \(comparison.differences.count) differences, first "
                        + "(\(first.keyDescription)) \(first.field ?? first.kind.rawValue)")
            }
        }
        return Item(number: 4, title: Self.parityTitle, passed: passed, evidence: evidence)
    }

    /// Admin rows' keys by table as `table: a=x; table: b=y`, the first 10 and a count of the rest.
    static func list(_ tables: [(table: String, keys: [JSONObject])]) -> String {
        let keys = tables.flatMap { table in table.keys.map { "\(table.table): \(Difference.describe(key: $0))" } }
        return keys.prefix(10).joined(separator: "; ") + (keys.count > 10 ? "; and \(keys.count - 10) more" : "")
    }

    /// Item 5: every per-table endpoint equals the bootstrap's table at the same referenceVersion.
    private func endpoints() async throws -> Item {
        let (data, status) = try await URLSessionFetch.get(
            backendURL.appendingPathComponent("api/v1/reference/bootstrap"))
        let bootstrap = try? JSONParser.parse(data)
        guard status == 200, let version = bootstrap?["referenceVersion"]?.stringValue,
            let tables = bootstrap?["tables"]?.objectValue
        else {
            return Item(number: 5, title: Self.endpointsTitle, passed: false, evidence: ["bootstrap: HTTP \(status)"])
        }
        var mismatches: [String] = []
        for spec in ReferenceCatalog.tables {
            let (body, code) = try await URLSessionFetch.get(
                backendURL.appendingPathComponent("api/v1/reference/\(spec.name)"))
            let document = try? JSONParser.parse(body)
            if code != 200 {
                mismatches.append("\(spec.name): HTTP \(code)")
            } else if document?["referenceVersion"]?.stringValue != version {
                mismatches.append("\(spec.name): served at another referenceVersion (the data changed meanwhile?)")
            } else if document?["rows"] != tables[spec.name] {
                mismatches.append("\(spec.name): rows differ from the bootstrap's")
            }
        }
        return Item(
            number: 5, title: Self.endpointsTitle, passed: mismatches.isEmpty,
            evidence: ["20 per-table endpoints compared with the bootstrap at referenceVersion \(version)"] + mismatches
        )
    }

    /// Item 8: every other copy of the backend serves the first one's `referenceVersion` and tables; a copy
    /// that serves another version is named with the replay lag its `/health` reports (a cache passes
    /// `/health` through to the API behind it).
    private func copies() async throws -> Item {
        func document(_ base: URL) async throws -> (version: String?, tables: JSONValue?, bytes: Data) {
            let (body, code) = try await URLSessionFetch.get(base.appendingPathComponent("api/v1/reference/bootstrap"))
            guard code == 200 else { return ("HTTP \(code)", nil, Data()) }
            let parsed = try? JSONParser.parse(body)
            return (parsed?["referenceVersion"]?.stringValue, parsed?["tables"], Self.withoutGeneratedAt(body))
        }
        let reference = try await document(backendURL)
        var evidence: [String] = []
        var passed = true
        for url in otherBackendURLs {
            let copy = try await document(url)
            if copy.version == reference.version && copy.tables == reference.tables {
                // Each API process stamps its own generatedAt; every other byte must be the same.
                if copy.bytes == reference.bytes {
                    evidence.append(
                        "\(url.absoluteString): referenceVersion \(copy.version ?? "?"), the same 20 tables, "
                            + "the same \(copy.bytes.count) bytes (generatedAt aside)")
                } else {
                    passed = false
                    evidence.append(
                        "FAILED: \(url.absoluteString): the same referenceVersion and tables in other bytes: its bootstrap "
                            + Self.comparison(copy.bytes, reference.bytes)
                            + " \(backendURL.absoluteString)'s (generatedAt aside)")
                }
                continue
            }
            passed = false
            let (healthBody, _) = (try? await URLSessionFetch.get(url.appendingPathComponent("health"))) ?? (Data(), 0)
            let health = try? JSONParser.parse(healthBody)
            func number(_ key: String) -> String? {
                if case .number(let number)? = health?[key] { return number.literal }
                return nil
            }
            let lag: String? =
                health?["recovery"] == .bool(true)
                ? "\(number("replayLagSeconds").map { "\($0) s" } ?? "unknown (nothing replayed yet)"), "
                    + "\(number("replayLagBytes") ?? "?") WAL bytes received and not replayed"
                : nil
            evidence.append(
                "FAILED: \(url.absoluteString): "
                    + (copy.version == reference.version
                        ? "the same referenceVersion \(copy.version ?? "?") with other tables"
                        : "referenceVersion \(copy.version ?? "?"), not \(reference.version ?? "?")")
                    + (lag.map { "; replay lag \($0)" } ?? ""))
        }
        return Item(
            number: 8, title: Self.copiesTitle, passed: passed,
            evidence: ["compared with \(backendURL.absoluteString) at referenceVersion \(reference.version ?? "?")"]
                + evidence)
    }

    /// Item 6: the HTTP contract of the live backend.
    private func httpContract() async throws -> Item {
        var evidence: [String] = []
        var passed = true
        func check(_ ok: Bool, _ text: String) {
            passed = passed && ok
            evidence.append((ok ? "" : "FAILED: ") + text)
        }
        let session = URLSession.uncached(request: 30, resource: 60)
        func get(_ path: String, _ headers: [String: String] = [:]) async throws -> (Data, HTTPURLResponse?) {
            var request = URLRequest(url: URL(string: backendURL.absoluteString + path)!)
            for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            let (data, response) = try await session.boundedData(for: request)
            return (data, response as? HTTPURLResponse)
        }
        let (_, health) = try await get("/health")
        check(health?.statusCode == 200, "GET /health: \(health?.statusCode ?? 0)")
        let (versionBody, _) = try await get("/api/v1/reference/version")
        let (plain, plainResponse) = try await get("/api/v1/reference/bootstrap", ["Accept-Encoding": "identity"])
        let published = (try? JSONParser.parse(versionBody))?["referenceVersion"]?.stringValue
        let served = (try? JSONParser.parse(plain))?["referenceVersion"]?.stringValue
        check(
            published != nil && published == served, "/version says \(published ?? "?"), the bootstrap \(served ?? "?")"
        )
        let etag = plainResponse?.value(forHTTPHeaderField: "ETag") ?? ""
        let (_, revalidated) = try await get(
            "/api/v1/reference/bootstrap", ["If-None-Match": etag, "Accept-Encoding": "identity"])
        check(
            revalidated?.statusCode == 304,
            "If-None-Match with the current ETag \(etag): \(revalidated?.statusCode ?? 0)")
        let (_, stale) = try await get(
            "/api/v1/reference/bootstrap", ["If-None-Match": "\"0.stale\"", "Accept-Encoding": "identity"])
        check(stale?.statusCode == 200, "If-None-Match with another ETag: \(stale?.statusCode ?? 0)")
        let (decoded, gzipResponse) = try await get("/api/v1/reference/bootstrap", ["Accept-Encoding": "gzip"])
        check(
            gzipResponse?.value(forHTTPHeaderField: "Content-Encoding") == "gzip" && decoded == plain,
            "gzip: Content-Encoding \(gzipResponse?.value(forHTTPHeaderField: "Content-Encoding") ?? "none"), "
                + "decompressed body \(Self.comparison(decoded, plain)) the plain one (\(plain.count) bytes)")
        let (errorBody, errorResponse) = try await get("/api/v1/reference/not_a_table")
        let error = (try? JSONParser.parse(errorBody))?["error"]
        check(
            errorResponse?.statusCode == 404 && error?["code"]?.stringValue != nil
                && error?["message"]?.stringValue != nil,
            "unknown table: \(errorResponse?.statusCode ?? 0) with {error: {code, message}}: \(error != nil)")
        return Item(number: 6, title: Self.httpContractTitle, passed: passed, evidence: evidence)
    }

    /// A bootstrap's bytes with the value of its `generatedAt` (in the document's first line of fields) left
    /// out: the one field two API processes serving the same version write differently.
    static func withoutGeneratedAt(_ body: Data) -> Data {
        let key = Data("\"generatedAt\":\"".utf8)
        let head = body.prefix(512)
        guard let found = head.range(of: key),
            let close = head[found.upperBound...].firstIndex(of: UInt8(ascii: "\""))
        else { return body }
        var stripped = body
        stripped.removeSubrange(found.upperBound..<close)
        return stripped
    }

    /// "equals", or how two bodies differ: their sizes and the first byte that differs, with what is around it.
    static func comparison(_ body: Data, _ other: Data) -> String {
        if body == other { return "equals" }
        let offset = zip(body, other).prefix { $0 == $1 }.count
        func around(_ data: Data) -> String {
            let start = max(0, offset - 24)
            let slice = data[(data.startIndex + start)..<(data.startIndex + min(data.count, offset + 24))]
            return String(decoding: slice, as: UTF8.self).debugDescription
        }
        return "(\(body.count) bytes) differs at byte \(offset) (\(around(body)) against \(around(other))) from"
    }

    /// Item 7: the smoke paths against that backend (flag ON and warm offline against flag OFF).
    private func smoke() async throws -> Item {
        let report = try await SmokeRun(
            sourceDirectory: sourceDirectory, backendURL: backendURL, strict: strict, logger: logger
        ).execute()
        var evidence = report.paths.map { path in
            "\(path.name): \(path.lines) answer lines"
                + (path.empty ? ", EMPTY" : "")
                + path.disagreements.map {
                    ", \($0.mode.rawValue) differs \($0.fromAdminRows ? "only by admin rows " : "")at line \($0.line)"
                }.joined()
        }
        if !report.adminRows.isEmpty {
            evidence.append(
                "admin rows served (flag OFF cannot have them): \(report.adminRowCount) (\(report.adminRowList()))"
                    + (strict ? ": failures under --strict" : ": listed, not failures without --strict"))
        }
        return Item(number: 7, title: Self.smokeTitle, passed: report.passed, evidence: evidence)
    }
}
