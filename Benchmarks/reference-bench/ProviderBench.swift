import ArgumentParser
import Foundation
import ParityRunner
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Local provider first use (import of ReferenceData) and warm open; remote provider cold fetch and
/// revalidation (304) against the local backend. Medians of 5.
struct ProviderBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "providers")

    @Option var runs = 5

    func run() async throws {
        let logger = Measure.quietLogger
        let directory = ReferenceDataLocation.projectDirectory
        var firstUse: [Double] = []
        var warmOpen: [Double] = []
        for _ in 0..<runs {
            let path = "/tmp/bench-local-\(UUID().uuidString.prefix(8)).sqlite"
            defer { try? FileManager.default.removeItem(atPath: path) }
            let (_, first) = try await Measure.time {
                try await LocalJsonSqliteProvider(sourceDirectory: directory, databasePath: path, logger: logger)
                    .getTable("units")
            }
            firstUse.append(first)
            let (_, warm) = try await Measure.time {
                try await LocalJsonSqliteProvider(sourceDirectory: directory, databasePath: path, logger: logger)
                    .getTable("units")
            }
            warmOpen.append(warm)
        }
        var fullRead: [Double] = []
        let path = "/tmp/bench-local-\(UUID().uuidString.prefix(8)).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try await LocalJsonSqliteProvider(sourceDirectory: directory, databasePath: path, logger: logger)
            .getBootstrap()
        for _ in 0..<runs {
            let (_, time) = try await Measure.time {
                try await LocalJsonSqliteProvider(sourceDirectory: directory, databasePath: path, logger: logger)
                    .getBootstrap()
            }
            fullRead.append(time)
        }

        let databases = try await ReferenceDatabases.throwaway(logger: logger)
        try await databases.withShutdown { databases in
            let url = try await databases.makeDatabase()
            _ = try await Seeder(logger: logger).seed(sourceDirectory: directory, into: url)
            let api = try await RunningAPI.start(databaseURL: url, logger: logger)
            // The app checks every document (BootstrapValidation); `validatesDocuments: false` is the same
            // provider without the check (as the parity runner uses it): the reference, in the same run.
            var cold: [Bool: [Double]] = [:]
            var revalidate: [Bool: [Double]] = [:]
            for _ in 0..<runs {
                for validates in [false, true] {
                    let cache = FileReferenceCacheStore(
                        directory: URL(fileURLWithPath: "/tmp/bench-cache-\(UUID().uuidString.prefix(8))"))
                    defer { try? FileManager.default.removeItem(at: cache.directory) }
                    func provider() -> RemotePostgresProvider {
                        RemotePostgresProvider(
                            baseURL: api.baseURL, cache: cache, validatesDocuments: validates, logger: logger)
                    }
                    let (_, coldTime) = try await Measure.time { try await provider().getBootstrap() }
                    cold[validates, default: []].append(coldTime)
                    let (_, warmTime) = try await Measure.time { try await provider().getBootstrap() }
                    revalidate[validates, default: []].append(warmTime)
                }
            }
            let document = try JSONParser.parse(
                try await URLSession.shared.data(from: api.baseURL.appendingPathComponent("api/v1/reference/bootstrap"))
                    .0)
            var check: [Double] = []
            for _ in 0..<runs {
                let (problems, time) = await Measure.time {
                    BootstrapValidation.problems(of: document, origin: "bench")
                }
                precondition(problems.isEmpty, "the bench document is invalid: \(problems.prefix(3))")
                check.append(time)
            }
            await api.stop()
            print("\nProviders on ReferenceData (5,999 rows), median of \(runs)\n")
            Measure.row(["step", "time", "target"])
            Measure.row(["---", "---:", "---:"])
            Measure.row([
                "local: first use (hash, validate, import into SQLite, first read)",
                Measure.ms(Measure.median(firstUse)),
                "< 200 ms",
            ])
            Measure.row([
                "local: warm open (hash unchanged, first read)", Measure.ms(Measure.median(warmOpen)), "< 20 ms",
            ])
            Measure.row(["local: warm open and the whole bootstrap decoded", Measure.ms(Measure.median(fullRead)), ""])
            for validates in [false, true] {
                let label = validates ? "checked (the app's default)" : "unchecked (reference)"
                Measure.row([
                    "remote: cold fetch (download, parse, decode, cache), \(label)",
                    Measure.ms(Measure.median(cold[validates] ?? [])), "",
                ])
                Measure.row([
                    "remote: warm revalidation end to end (304, the cached copy read), \(label)",
                    Measure.ms(Measure.median(revalidate[validates] ?? [])), validates ? "< 20 ms" : "",
                ])
            }
            Measure.row([
                "BootstrapValidation of the ReferenceData document alone", Measure.ms(Measure.median(check)), "",
            ])
        }
    }
}
