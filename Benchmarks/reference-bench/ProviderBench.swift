import ArgumentParser
import Foundation
import ParityRunner
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders

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
            var cold: [Double] = []
            var revalidate: [Double] = []
            for _ in 0..<runs {
                let cache = FileReferenceCacheStore(
                    directory: URL(fileURLWithPath: "/tmp/bench-cache-\(UUID().uuidString.prefix(8))"))
                defer { try? FileManager.default.removeItem(at: cache.directory) }
                let (_, coldTime) = try await Measure.time {
                    try await RemotePostgresProvider(baseURL: api.baseURL, cache: cache, logger: logger).getBootstrap()
                }
                cold.append(coldTime)
                let (_, warmTime) = try await Measure.time {
                    try await RemotePostgresProvider(baseURL: api.baseURL, cache: cache, logger: logger).getBootstrap()
                }
                revalidate.append(warmTime)
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
            Measure.row(["remote: cold fetch (download, parse, decode, cache)", Measure.ms(Measure.median(cold)), ""])
            Measure.row([
                "remote: revalidation (304, decode the cached copy)", Measure.ms(Measure.median(revalidate)), "",
            ])
        }
    }
}
