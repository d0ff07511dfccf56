import ArgumentParser
import Foundation
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders
import ThrowawayPostgres

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The time from a change's commit on the primary to its new `referenceVersion` through the API on the
/// primary and through the API on a streaming standby (issue 26, item 5): ReferenceData seeded, then `runs`
/// one-row changes, each polled for on both APIs every millisecond.
struct ReplicationBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replication",
        abstract: "Commit on the primary to the new version through the primary's API and a standby's API.")

    @Option(help: "Changes committed and waited for.") var runs = 20

    func run() async throws {
        let logger = Measure.quietLogger
        let primary = try await ThrowawayCluster.start(logger: logger)
        try await primary.createDatabase("reference", logger: logger)
        let primaryURL = primary.url(database: "reference")
        _ = try await Migrator(logger: logger).migrate(primaryURL)
        _ = try await Seeder(logger: logger).seed(
            sourceDirectory: ReferenceDataLocation.projectDirectory, into: primaryURL)
        let standby = try await primary.startStandby(logger: logger)
        let onPrimary = try await RunningAPI.start(databaseURL: primaryURL, logger: logger)
        let onStandby = try await RunningAPI.start(databaseURL: standby.url(database: "reference"), logger: logger)
        let session = URLSession.uncached(request: 10, resource: 30)
        func version(_ api: RunningAPI) async throws -> String? {
            let (data, _) = try await session.data(
                from: URL(string: api.baseURL.absoluteString + "/api/v1/reference/version")!)
            return try JSONParser.parse(data)["referenceVersion"]?.stringValue
        }
        func waitFor(_ api: RunningAPI, _ token: String?, notEqual: Bool) async throws -> String? {
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let seen = try await version(api)
                if notEqual ? seen != token : seen == token { return seen }
                try await Task.sleep(for: .milliseconds(1))
            }
            throw ValidationError("no new version within 30 s")
        }
        let connection = try await primaryURL.connect(logger: logger)
        var throughPrimary: [Double] = []
        var throughStandby: [Double] = []
        do {
            var current = try await version(onPrimary)
            _ = try await waitFor(onStandby, current, notEqual: false)
            for run in 0..<runs {
                try await connection.execute(
                    "UPDATE units SET name = 'kilogram \(run)' WHERE unit_key = 'kg'", logger: logger)
                let committed = ContinuousClock.now
                let next = try await waitFor(onPrimary, current, notEqual: true)
                throughPrimary.append((ContinuousClock.now - committed).fractionalMilliseconds)
                _ = try await waitFor(onStandby, next, notEqual: false)
                throughStandby.append((ContinuousClock.now - committed).fractionalMilliseconds)
                current = next
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
        await onStandby.stop()
        await onPrimary.stop()
        await standby.stop()
        await primary.stop()
        func row(_ name: String, _ values: [Double]) -> String {
            let sorted = values.sorted()
            let p90 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.9))]
            return String(
                format: "| %@ | %.1f ms | %.1f ms | %.1f ms | %.1f ms |", name, Measure.median(values), p90,
                sorted.first ?? 0, sorted.last ?? 0)
        }
        print("\(runs) one-row changes committed on the primary, each polled for every 1 ms")
        print("")
        print("| new version seen through | median | p90 | min | max |")
        print("| --- | ---: | ---: | ---: | ---: |")
        print(row("the primary's API", throughPrimary))
        print(row("a streaming standby's API", throughStandby))
    }
}
