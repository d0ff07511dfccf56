import ArgumentParser
import Foundation
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders
import TestSupport
import ThrowawayPostgres

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The time from a change's commit on the primary to its new `referenceVersion` through the API on the
/// primary, the API on a streaming standby, and the nginx cache (the shipped template) in front of the
/// standby's API (issue 26, item 5). Two kinds of change: a one-row UPDATE, and a whole seed of a source that
/// differs from the seeded one in a few tables. Each is polled for every millisecond on every path, the way a
/// warm app asks: `/version`, and the bootstrap with the last ETag (304 until it changes).
struct ReplicationBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replication",
        abstract: "Commit on the primary to the new version through the primary's API, a standby's and a cache's.")

    @Option(help: "Changes of each kind committed and waited for.") var runs = 20

    @Option(
        help: ArgumentHelp(
            "synchronous_commit for the reference database: on (PostgreSQL's default) or off (the throwaway cluster's).",
            valueName: "on|off"))
    var synchronousCommit = "on"

    @Option(help: "The cache's CACHE_FRESH_FOR (nginx time syntax).") var freshFor = "1s"

    func validate() throws {
        guard ["on", "off"].contains(synchronousCommit) else {
            throw ValidationError("--synchronous-commit takes on or off, not '\(synchronousCommit)'")
        }
    }

    func run() async throws {
        let logger = Measure.quietLogger
        let primary = try await ThrowawayCluster.start(logger: logger)
        try await primary.createDatabase("reference", logger: logger)
        let primaryURL = primary.url(database: "reference")
        _ = try await Migrator(logger: logger).migrate(primaryURL)
        // Sessions opened from here on (the seeds' and the row changes') commit with this setting.
        try await primaryURL.withConnection(logger: logger) { connection in
            try await connection.execute(
                "ALTER DATABASE reference SET synchronous_commit = \(synchronousCommit)", logger: logger)
        }
        let original = ReferenceDataLocation.projectDirectory
        let changed = try ChangedSource.make(from: original)
        defer { try? FileManager.default.removeItem(at: changed) }
        _ = try await Seeder(logger: logger).seed(sourceDirectory: original, into: primaryURL)
        let standby = try await primary.startStandby(logger: logger)
        let onPrimary = try await RunningAPI.start(databaseURL: primaryURL, logger: logger)
        let onStandby = try await RunningAPI.start(databaseURL: standby.url(database: "reference"), logger: logger)
        let cache = try await NginxCache.start(upstream: onStandby.baseURL, freshFor: freshFor)
        let paths = [
            Path(name: "the primary's API", base: onPrimary.baseURL),
            Path(name: "a streaming standby's API", base: onStandby.baseURL),
            Path(name: "the cache in front of the standby's API", base: cache.url),
        ]
        var rowTimes = Timings(paths: paths)
        var seedTimes = Timings(paths: paths)
        var seedDurations: [Double] = []
        let connection = try await primaryURL.connect(logger: logger)
        do {
            var current = try await Poller.version(paths[0])
            for path in paths { _ = try await Poller.waitForVersion(path, "version \(current)") { $0 == current } }
            for run in 0..<runs {
                current = try await Poller.timeToNewVersion(after: current, paths: paths, into: &rowTimes) {
                    try await connection.execute(
                        "UPDATE units SET name = 'kilogram \(run)' WHERE unit_key = 'kg'", logger: logger)
                    return ContinuousClock.now
                }
            }
            for run in 0..<runs {
                let source = run.isMultiple(of: 2) ? changed : original
                current = try await Poller.timeToNewVersion(after: current, paths: paths, into: &seedTimes) {
                    let (report, duration) = try await Measure.time {
                        try await Seeder(logger: logger).seed(sourceDirectory: source, into: primaryURL)
                    }
                    guard report.versionChanged else { throw ValidationError("seed \(run) changed no row") }
                    seedDurations.append(duration)
                    return ContinuousClock.now
                }
            }
        } catch {
            try? await connection.close()
            await Self.stop(cache, onStandby, onPrimary, standby, primary)
            throw error
        }
        try? await connection.close()
        await Self.stop(cache, onStandby, onPrimary, standby, primary)

        print(
            "\(runs) changes of each kind committed on the primary (synchronous_commit=\(synchronousCommit)),"
                + " each polled for every 1 ms; cache CACHE_FRESH_FOR=\(freshFor)")
        print("")
        print("| change | new version seen through | median | p90 | min | max |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        rowTimes.print(change: "one-row UPDATE")
        seedTimes.print(change: "whole seed (\(Measure.ms(Measure.median(seedDurations))) median per seed)")
    }

    private static func stop(
        _ cache: NginxCache, _ onStandby: RunningAPI, _ onPrimary: RunningAPI, _ standby: ThrowawayCluster,
        _ primary: ThrowawayCluster
    ) async {
        await cache.stop()
        await onStandby.stop()
        await onPrimary.stop()
        await standby.stop()
        await primary.stop()
    }
}

/// One way to the API: its base URL and the name it is reported under.
private struct Path {
    let name: String
    let base: URL
    func url(_ suffix: String) -> URL { URL(string: base.absoluteString + "/api/v1/reference/" + suffix)! }
}

/// Milliseconds from commit to the new version, per path: through `/version` and through the bootstrap.
private struct Timings {
    let paths: [Path]
    var version: [[Double]]
    var bootstrap: [[Double]]

    init(paths: [Path]) {
        self.paths = paths
        version = Array(repeating: [], count: paths.count)
        bootstrap = Array(repeating: [], count: paths.count)
    }

    func print(change: String) {
        for (index, path) in paths.enumerated() {
            Timings.row(change, "\(path.name), `/version`", version[index])
            Timings.row(change, "\(path.name), bootstrap revalidated (If-None-Match)", bootstrap[index])
        }
    }

    private static func row(_ change: String, _ name: String, _ values: [Double]) {
        let sorted = values.sorted()
        guard let first = sorted.first, let last = sorted.last else { return }
        let p90 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.9))]
        Measure.row([
            change, name, Measure.ms(Measure.median(values)), Measure.ms(p90), Measure.ms(first), Measure.ms(last),
        ])
    }
}

/// Polls every path at once, every millisecond, for a new version; checks that each path's bootstrap carries
/// the version its `/version` announced (never a mixed answer).
private enum Poller {
    static let session = URLSession.uncached(request: 10, resource: 30)
    static let deadline = Duration.seconds(30)

    static func version(_ path: Path) async throws -> String {
        let (data, _) = try await session.boundedData(for: URLRequest(url: path.url("version")))
        guard let version = try JSONParser.parse(data)["referenceVersion"]?.stringValue else {
            throw ValidationError("\(path.name): /version has no referenceVersion")
        }
        return version
    }

    /// Polls `path`'s `/version` every millisecond until `wanted` holds for it, and returns that version.
    static func waitForVersion(
        _ path: Path, _ what: String, where wanted: (String) -> Bool
    ) async throws -> String {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < deadline {
            let seen = try await version(path)
            if wanted(seen) { return seen }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw ValidationError("\(path.name): \(what) not seen within \(deadline)")
    }

    /// The ETag the bootstrap has now on `path`.
    static func etag(_ path: Path) async throws -> String {
        let (_, response) = try await session.boundedData(for: URLRequest(url: path.url("bootstrap")))
        guard let etag = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "ETag") else {
            throw ValidationError("\(path.name): the bootstrap has no ETag")
        }
        return etag
    }

    /// Waits until `path`'s bootstrap, asked with `etag`, is a 200 again; returns its version.
    static func waitForBootstrap(_ path: Path, notMatching etag: String) async throws -> String {
        let started = ContinuousClock.now
        var request = URLRequest(url: path.url("bootstrap"))
        request.setValue(etag, forHTTPHeaderField: "If-None-Match")
        while ContinuousClock.now - started < deadline {
            let (data, response) = try await session.boundedData(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if status == 200 {
                guard let version = try JSONParser.parse(data)["referenceVersion"]?.stringValue else {
                    throw ValidationError("\(path.name): the bootstrap has no referenceVersion")
                }
                return version
            }
            guard status == 304 else { throw ValidationError("\(path.name): the bootstrap answered \(status)") }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw ValidationError("\(path.name): the bootstrap did not change within \(deadline)")
    }

    /// Reads every path's bootstrap ETag (the version `current`'s), makes the change (`commit` returns the
    /// instant its commit returned), waits on every path at once for a version other than `current`, and
    /// records the times. Returns the new version, which every path must serve in `/version` and bootstrap.
    static func timeToNewVersion(
        after current: String, paths: [Path], into timings: inout Timings,
        commit: () async throws -> ContinuousClock.Instant
    ) async throws -> String {
        var etags: [String] = []
        for path in paths { etags.append(try await etag(path)) }
        let committed = try await commit()
        // Each path's `/version` and bootstrap are polled at once, each on its own.
        let results = try await withThrowingTaskGroup(of: (Int, Bool, Double, String).self) { group in
            for (index, path) in paths.enumerated() {
                let etag = etags[index]
                group.addTask {
                    let seen = try await waitForVersion(path, "a version after \(current)") { $0 != current }
                    return (index, false, (ContinuousClock.now - committed).fractionalMilliseconds, seen)
                }
                group.addTask {
                    let seen = try await waitForBootstrap(path, notMatching: etag)
                    return (index, true, (ContinuousClock.now - committed).fractionalMilliseconds, seen)
                }
            }
            var results: [(Int, Bool, Double, String)] = []
            for try await result in group { results.append(result) }
            return results
        }
        let next = results.first { $0.0 == 0 && !$0.1 }!.3
        for (index, isBootstrap, milliseconds, seen) in results {
            guard seen == next else {
                throw ValidationError(
                    "\(paths[index].name): \(isBootstrap ? "the bootstrap" : "/version") has \(seen), not \(next)")
            }
            if isBootstrap {
                timings.bootstrap[index].append(milliseconds)
            } else {
                timings.version[index].append(milliseconds)
            }
        }
        return next
    }
}

/// A copy of ReferenceData that differs from it in a few tables (a unit's name, an exercise's name, a
/// muscle's name), so that seeding it and the original in turn changes rows every time.
private enum ChangedSource {
    static let edits: [(file: String, from: String, to: String)] = [
        ("units.json", #""name": "kilogram""#, #""name": "kilogram (changed)""#),
        ("exercises.json", #""name": "Barbell Squat""#, #""name": "Barbell Back Squat (changed)""#),
        ("muscles.json", #""name": "Biceps""#, #""name": "Biceps (changed)""#),
    ]

    static func make(from original: URL) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "replication-source-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: original, to: directory)
        for edit in edits {
            let file = directory.appendingPathComponent(edit.file)
            let text = try String(contentsOf: file, encoding: .utf8)
            guard text.contains(edit.from) else {
                throw ValidationError("\(edit.file) has no \(edit.from) to change")
            }
            try text.replacingOccurrences(of: edit.from, with: edit.to).write(
                to: file, atomically: true, encoding: .utf8)
        }
        return directory
    }
}
