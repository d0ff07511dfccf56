import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import TestSupport
import Testing
import ThrowawayPostgres

/// One token names one content, ever: restores, clones of one template and re-created databases never
/// publish a token that other content already had, so a client's `If-None-Match` never keeps stale data.
@Suite("Version token", .integration)
struct VersionTokenTests {
    let logger = TestDatabases.logger

    func token(_ url: DatabaseURL) async throws -> String {
        try await url.withConnection(logger: logger) { try await ReferenceVersion.read(on: $0, logger: logger).token }
    }

    func rename(_ url: DatabaseURL, to name: String) async throws {
        try await url.withConnection(logger: logger) { connection in
            try await connection.execute(
                "UPDATE muscles SET name = '\(name)' WHERE muscle_key = 'biceps'", logger: logger)
        }
    }

    /// `pg_dump -Fc` of `url`'s database, or `pg_restore --clean` into it.
    func tool(_ program: String, _ arguments: [String], _ url: DatabaseURL) async throws {
        guard case .unixSocket(let directory, let port) = url.endpoint else {
            throw TestSupportError("the restore test needs the throwaway cluster (a unix-socket URL)")
        }
        let outcome = try await ChildProcess.run(
            program, ["-h", directory, "-p", "\(port)", "-U", url.username, "-d", url.database] + arguments)
        #expect(outcome.status == 0, "\(program): \(outcome.errorText)")
    }

    @Test(
        "after a restore, a different change gets a new token: a client holding the lost change's ETag gets 200 and the new content",
        .enabled(
            if: ProcessInfo.processInfo.environment["DATABASE_URL"] == nil,
            "pg_dump and pg_restore run against the throwaway cluster's socket"))
    func restore() async throws {
        let binaries = try await PostgresBinaries.locate()
        try await withLiveBackend { backend in
            let url = backend.databaseURL
            let dump = FileManager.default.temporaryDirectory.appendingPathComponent(
                "restore-\(UUID().uuidString.prefix(8)).dump")
            defer { try? FileManager.default.removeItem(at: dump) }
            let dumped = try await token(url)
            try await tool(binaries.pgDump, ["-Fc", "-f", dump.path], url)

            try await rename(url, to: "Biceps (first)")
            let first = try await HTTP.request(backend.url("/api/v1/reference/bootstrap"))
            let firstTag = try #require(first.header("ETag"))

            try await tool(binaries.pgRestore, ["--clean", "--if-exists", "--single-transaction", dump.path], url)
            #expect(try await token(url) == dumped, "a restore brings back the token of the content it restores")

            try await rename(url, to: "Biceps (second)")
            let second = try await token(url)
            #expect(second != dumped)
            #expect(!firstTag.contains(second), "\(firstTag) vs \(second)")
            let revalidated = try await HTTP.request(
                backend.url("/api/v1/reference/bootstrap"), headers: ["If-None-Match": firstTag])
            #expect(revalidated.status == 200)
            #expect(revalidated.text.contains("Biceps (second)"))
            #expect(revalidated.header("ETag") != firstTag)
        }
    }

    @Test("two clones of one template seeded differently publish different tokens; a re-created database too")
    func clonesAndRecreation() async throws {
        try await TestDatabases.withDatabase { first in
            try await TestDatabases.withDatabase { second in
                #expect(try await token(first) == token(second), "same (empty) content, same token")
                try await rename(first, to: "x")  // no row yet: nothing changes
                for url in [first, second] {
                    try await url.withConnection(logger: logger) { connection in
                        try await connection.execute(
                            "INSERT INTO body_regions (body_region_key, name, sort_order) VALUES ('arms', 'Arms', 1)",
                            logger: logger)
                    }
                }
                try await first.withConnection(logger: logger) { connection in
                    try await connection.execute("UPDATE body_regions SET name = 'Upper limbs'", logger: logger)
                }
                try await second.withConnection(logger: logger) { connection in
                    try await connection.execute("UPDATE body_regions SET name = 'Arms and hands'", logger: logger)
                }
                let (a, b) = (try await token(first), try await token(second))
                #expect(a.split(separator: ".").first == b.split(separator: ".").first, "same sequence number")
                #expect(a != b)
            }
        }
        // Dropped and re-created under the same name, then changed the same way: still a new token.
        let server = try await TestDatabases.serverURL()
        let name = "recreated_\(UUID().uuidString.prefix(8).lowercased())"
        var tokens: [String] = []
        for _ in 0..<2 {
            try await server.createDatabase(name, template: nil, logger: logger)
            let url = server.with(database: name)
            _ = try await Migrator(logger: logger).migrate(url)
            try await url.withConnection(logger: logger) { connection in
                try await connection.execute(
                    "INSERT INTO body_regions (body_region_key, name, sort_order) VALUES ('arms', 'Arms', 1)",
                    logger: logger)
            }
            tokens.append(try await token(url))
            try await server.withConnection(logger: logger) { connection in
                try await connection.execute("DROP DATABASE \(quoteIdentifier(name)) WITH (FORCE)", logger: logger)
            }
        }
        #expect(tokens[0] != tokens[1])
    }

    @Test("an identical re-seed keeps the token")
    func identicalReseed() async throws {
        try await withLiveBackend { backend in
            let before = try await token(backend.databaseURL)
            _ = try await Seeder(logger: logger).seed(
                sourceDirectory: try SourceFixture.small().write(), into: backend.databaseURL)
            #expect(try await token(backend.databaseURL) == before)
        }
    }
}
