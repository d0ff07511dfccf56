import Foundation
import ReferenceCatalog
import ReferenceProviders
import TestSupport
import Testing

@Suite("Local JSON/SQLite provider")
struct LocalProviderTests {
    func temporaryPath(_ name: String = "local.sqlite") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("provider-\(UUID().uuidString.prefix(8))/\(name)")
            .path
    }

    @Test("on the committed ReferenceData: every table's rows come back with the source's values and types")
    func roundTrip() async throws {
        let provider = LocalJsonSqliteProvider(
            sourceDirectory: ReferenceDataLocation.projectDirectory, databasePath: temporaryPath())
        let bootstrap = try await provider.getBootstrap()
        let source = try ReferenceSource.load(from: ReferenceDataLocation.projectDirectory)
        #expect(bootstrap.tables.count == 20)
        #expect(bootstrap.referenceVersion == "local-\(source.contentHash)")
        for table in source.tables {
            let served = try #require(bootstrap.tables[table.spec.name])
            #expect(served.rows.count == table.rows.count, "\(table.spec.name)")
            let sortedSource = table.rows.sorted { left, right in
                table.spec.primaryKeyIndices.map { left[$0].stringValue ?? "" }
                    .lexicographicallyPrecedes(table.spec.primaryKeyIndices.map { right[$0].stringValue ?? "" }) {
                        $0.utf8.lexicographicallyPrecedes($1.utf8)
                    }
            }
            #expect(served.rows.map { $0.values.map { $0 ?? .null } } == sortedSource, "\(table.spec.name)")
        }
        // Spot checks of the types SQLite does not have.
        let lb = bootstrap.tables["units"]?.rows.first {
            $0["unit_key", in: ReferenceCatalog.table(named: "units")!] == "lb"
        }
        #expect(
            lb?["si_factor", in: ReferenceCatalog.table(named: "units")!] == .number(JSONNumber(literal: "0.45359237")))
        let equipment = ReferenceCatalog.table(named: "equipment")!
        let bodyOnly = bootstrap.tables["equipment"]?.rows.first { $0["equipment_key", in: equipment] == "body-only" }
        #expect(bodyOnly?["is_bodyweight", in: equipment] == .bool(true))
    }

    @Test("imports once; re-imports when the bundled files change, and only then")
    func reimport() async throws {
        var fixture = try SourceFixture.small()
        let directory = try fixture.write()
        let path = temporaryPath()
        let first = try await LocalJsonSqliteProvider(sourceDirectory: directory, databasePath: path).getBootstrap()
        let inode = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64
        let again = try await LocalJsonSqliteProvider(sourceDirectory: directory, databasePath: path).getBootstrap()
        #expect(again.referenceVersion == first.referenceVersion)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64 == inode)

        fixture.update("muscles", where: { $0["muscle_key"] == "biceps" }) { $0["name"] = "Biceps brachii" }
        try fixture.write(to: directory)
        let changed = try await LocalJsonSqliteProvider(sourceDirectory: directory, databasePath: path).getBootstrap()
        #expect(changed.referenceVersion != first.referenceVersion)
        let muscles = ReferenceCatalog.table(named: "muscles")!
        let biceps = changed.tables["muscles"]?.rows.first { $0["muscle_key", in: muscles] == "biceps" }
        #expect(biceps?["name", in: muscles] == "Biceps brachii")
    }

    @Test("bad bundled data is a typed error naming file, row and field, and leaves the previous store in place")
    func badData() async throws {
        var fixture = try SourceFixture.small()
        let directory = try fixture.write()
        let path = temporaryPath()
        _ = try await LocalJsonSqliteProvider(sourceDirectory: directory, databasePath: path).getBootstrap()
        let inode = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64
        fixture.update("equipment", where: { $0["equipment_key"] == "cable" }) { $0["is_bodyweight"] = "no" }
        try fixture.write(to: directory)
        let error = await #expect(throws: ReferenceProviderError.self) {
            try await LocalJsonSqliteProvider(sourceDirectory: directory, databasePath: path).getBootstrap()
        }
        guard case .invalidBundledData(let validation)? = error else {
            Issue.record("expected invalidBundledData, got \(String(describing: error))")
            return
        }
        let problem = try #require(validation.problems.first)
        #expect(
            problem.file == "equipment.json" && problem.field == "is_bodyweight" && problem.key == "cable"
                && problem.row != nil)
        // The store from before is the same file, untouched.
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64 == inode)
        #expect(
            !FileManager.default.fileExists(atPath: path + ".importing-\(ProcessInfo.processInfo.processIdentifier)"))
    }

    @Test("first reads at once import once and agree; a failed first opening is not kept, the next read retries")
    func firstUseAtOnceAndRetry() async throws {
        let fixture = try SourceFixture.small()
        let directory = try fixture.write()
        let units = directory.appendingPathComponent("units.json")
        let saved = try Data(contentsOf: units)
        try FileManager.default.removeItem(at: units)
        let log = LogCapture()
        let provider = LocalJsonSqliteProvider(
            sourceDirectory: directory, databasePath: temporaryPath(), logger: log.logger(level: .debug))
        await #expect(throws: ReferenceProviderError.self) { try await provider.getTable("units") }

        try saved.write(to: units)
        let tables = try await withThrowingTaskGroup(of: ReferenceTable.self) { group in
            for _ in 0..<6 { group.addTask { try await provider.getTable("units") } }
            var read: [ReferenceTable] = []
            for try await table in group { read.append(table) }
            return read
        }
        #expect(tables.count == 6)
        #expect(Set(tables.map(\.rows.count)) == [fixture.count("units")])
        #expect(log.lines.filter { $0.message == "imported bundled reference data" }.count == 1)
        #expect(
            try await provider.referenceVersion() == "local-\(try ReferenceSource.load(from: directory).contentHash)")
    }

    @Test("per-table reads serve the same rows as the bootstrap")
    func tableReads() async throws {
        let provider = LocalJsonSqliteProvider(
            sourceDirectory: try SourceFixture.small().write(), databasePath: temporaryPath())
        let bootstrap = try await provider.getBootstrap()
        for name in ["units", "exercises", "exercise_muscles"] {
            #expect(try await provider.getTable(name) == bootstrap.tables[name])
        }
        await #expect(throws: ReferenceProviderError.self) { try await provider.getTable("nope") }
    }
}
