import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import Synchronization
import TestSupport
import Testing
import ThrowawayPostgres

/// The cluster cache as a fresh machine, a crashed run or a damaged disk leaves it: every case ends with one
/// valid entry and a running cluster. Each test uses a cache directory of its own.
@Suite("Cluster cache", .serialized, .integration)
struct ClusterCacheTests {
    static let key = "cache-test"

    /// A new, empty cache directory, removed by `body`'s end.
    func withEmptyCache<T>(_ body: (String) async throws -> T) async throws -> T {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cluster-cache-\(UUID().uuidString.prefix(8))"
        ).path
        defer { try? FileManager.default.removeItem(atPath: root) }
        return try await body(root)
    }

    /// Starts a cluster from the cache at `root` whose preparation creates a marker database; counts the
    /// preparations that ran.
    func start(
        _ root: String, preparations counter: Counter? = nil, logger: Logger = TestDatabases.logger
    ) async throws -> ThrowawayCluster {
        try await ThrowawayCluster.start(
            cacheKey: Self.key,
            prepare: { cluster in
                counter?.increment()
                try await cluster.createDatabase("prepared", logger: logger)
            },
            cache: .directory(root), logger: logger)
    }

    /// The cluster answers, and holds what the preparation made.
    func expectRunning(_ cluster: ThrowawayCluster) async throws {
        try await cluster.url().withConnection(logger: TestDatabases.logger) { connection in
            let names = try await connection.strings("SELECT datname FROM pg_database WHERE datname = 'prepared'")
            #expect(names == ["prepared"])
        }
    }

    /// The cache holds exactly one entry, complete, and nothing half-made beside it.
    func expectOneValidEntry(_ root: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        let entries = names.filter { !$0.hasSuffix(".lock") }
        #expect(entries.count == 1, "cache holds \(names)")
        let entry = root + "/" + (try #require(entries.first))
        #expect(!entry.contains(".staging-") && !entry.contains(".damaged-"))
        let marker = try String(contentsOfFile: entry + "/complete", encoding: .utf8)
        #expect(marker.contains("key: \(Self.key)\n"))
        for path in ["data/PG_VERSION", "data/global/pg_control", "data/base"] {
            #expect(FileManager.default.fileExists(atPath: entry + "/" + path), "\(path)")
        }
        // No nested data directory from a rename into an existing entry.
        #expect(!FileManager.default.fileExists(atPath: entry + "/data/data"))
    }

    func entryPath(_ root: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: root)
        return root + "/"
            + (try #require(
                names.first { !$0.hasSuffix(".lock") && !$0.contains(".staging-") && !$0.contains(".damaged-") }))
    }

    @Test(
        "eight tasks in one process preparing the same entry from an empty cache: one preparation, eight clusters",
        .integration(weight: 2))
    func eightTasks() async throws {
        try await withEmptyCache { root in
            let counter = Counter()
            let clusters = try await withThrowingTaskGroup(of: ThrowawayCluster.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await ThrowawayCluster.start(
                            cacheKey: Self.key,
                            prepare: { cluster in
                                counter.increment()
                                try await cluster.createDatabase("prepared", logger: TestDatabases.logger)
                            },
                            cache: .directory(root), logger: TestDatabases.logger)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(clusters.count == 8)
            #expect(Set(clusters.map(\.directory)).count == 8)
            #expect(counter.count == 1)
            for cluster in clusters { try await expectRunning(cluster) }
            for cluster in clusters { await cluster.stop() }
            try expectOneValidEntry(root)
        }
    }

    @Test(
        "a damaged entry is moved aside and rebuilt with one warning",
        arguments: ["data/global", "complete", "data/base", "data/PG_VERSION"])
    func damagedEntry(removed: String) async throws {
        try await withEmptyCache { root in
            try await start(root).stop()
            let entry = try entryPath(root)
            try FileManager.default.removeItem(atPath: entry + "/" + removed)
            let log = LogCapture()
            let preparations = Counter()
            let cluster = try await start(root, preparations: preparations, logger: log.logger(level: .warning))
            try await expectRunning(cluster)
            await cluster.stop()
            #expect(preparations.count == 1)
            let warnings = log.lines.filter { $0.level >= .warning }
            #expect(warnings.count == 1, "\(warnings.map(\.message))")
            #expect(warnings.first?.message.contains("damaged") == true)
            #expect(warnings.first?.metadata["throwaway.cache"] == entry)
            try expectOneValidEntry(root)
        }
    }

    @Test("an entry whose marker names another key or version is rebuilt")
    func foreignMarker() async throws {
        try await withEmptyCache { root in
            try await start(root).stop()
            let entry = try entryPath(root)
            try "reference-parity cluster cache entry\nformat: 1\npostgres: 9.6\nkey: other\n".write(
                toFile: entry + "/complete", atomically: true, encoding: .utf8)
            let preparations = Counter()
            let cluster = try await start(root, preparations: preparations)
            try await expectRunning(cluster)
            await cluster.stop()
            #expect(preparations.count == 1)
            try expectOneValidEntry(root)
        }
    }

    @Test("an entry that passes the cheap checks but does not start is rebuilt once, not a failure")
    func entryThatDoesNotStart() async throws {
        try await withEmptyCache { root in
            try await start(root).stop()
            let entry = try entryPath(root)
            // A control file of the right size but garbage content: postgres refuses to start on it.
            try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: entry + "/data/global/pg_control"))
            let preparations = Counter()
            let cluster = try await start(root, preparations: preparations)
            try await expectRunning(cluster)
            await cluster.stop()
            #expect(preparations.count == 1)
            try expectOneValidEntry(root)
        }
    }

    @Test("a staging directory and a lock left by a killed preparer are cleaned up")
    func killedPreparer() async throws {
        try await withEmptyCache { root in
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            // A preparer that was killed while holding the lock and half-way through staging.
            let binaries = try await PostgresBinaries.locate()
            let entryName = "pg\(binaries.version)-\(Self.key)"
            let lockPath = root + "/" + entryName + ".lock"
            let staging = root + "/" + entryName + ".staging-Ab12Cd"
            try FileManager.default.createDirectory(atPath: staging + "/data/base", withIntermediateDirectories: true)
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
            // -o: the lock stays with flock itself (not the sleep it runs), so killing flock releases it.
            holder.arguments = ["-o", lockPath, "sleep", "20"]
            try holder.run()
            // Wait until the holder has the lock.
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                let probe = open(lockPath, O_RDWR)
                if probe >= 0 {
                    let free = flock(probe, LOCK_EX | LOCK_NB) == 0
                    close(probe)
                    if !free { break }
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            let log = LogCapture()
            let starting = Task { try await start(root, logger: log.logger(level: .info)) }
            // The waiter says once what it waits for, then the holder dies.
            let announced = ContinuousClock.now + .seconds(30)
            while !log.lines.contains(where: { $0.message.contains("waiting for another process") }) {
                guard ContinuousClock.now < announced else {
                    kill(holder.processIdentifier, SIGKILL)
                    Issue.record("the start never said it was waiting for the lock")
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            kill(holder.processIdentifier, SIGKILL)
            let cluster = try await starting.value
            try await expectRunning(cluster)
            await cluster.stop()
            #expect(log.lines.filter { $0.message.contains("waiting for another process") }.count == 1)
            #expect(!FileManager.default.fileExists(atPath: staging))
            try expectOneValidEntry(root)
        }
    }

    @Test("a cache directory that cannot be created is a one-line error naming it and REFERENCE_PG_CACHE=off")
    func unusableDirectory() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "not-a-directory-\(UUID().uuidString.prefix(8))"
        ).path
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let root = file + "/cache"
        let error = await #expect(throws: ThrowawayPostgresError.self) { try await start(root) }
        let message = "\(error.map { "\($0)" } ?? "")"
        #expect(message.contains(root) && message.contains("REFERENCE_PG_CACHE=off"), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test("REFERENCE_PG_CACHE=off: every start prepares anew and nothing is cached")
    func cacheOff() async throws {
        let counter = Counter()
        for _ in 0..<2 {
            let cluster = try await ThrowawayCluster.start(
                cacheKey: Self.key,
                prepare: { cluster in
                    counter.increment()
                    try await cluster.createDatabase("prepared", logger: TestDatabases.logger)
                }, cache: .off, logger: TestDatabases.logger)
            try await expectRunning(cluster)
            await cluster.stop()
        }
        #expect(counter.count == 2)
    }
}
