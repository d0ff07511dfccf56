import ArgumentParser
import Foundation
import Logging
import ParityRunner
import PostgresSupport
import ReferenceBackend
import ThrowawayPostgres

#if canImport(Glibc)
import Glibc
#endif

/// Throwaway PostgreSQL: cold start (no cache) and warm start (cached, migrated cluster) to the first query
/// on a migrated database; template clone; stop. Reference in the same run: `initdb --no-sync`, `pg_ctl -w`
/// start and stop, and `postgres` started directly and polled.
struct PostgresBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "postgres")

    @Option var runs = 5

    func run() async throws {
        let logger = Measure.quietLogger
        var cold: [Double] = []
        var warm: [Double] = []
        var clone: [Double] = []
        var stop: [Double] = []
        for _ in 0..<runs {
            let cache = FileManager.default.temporaryDirectory.appendingPathComponent(
                "bench-cache-\(UUID().uuidString.prefix(8))")
            setenv("REFERENCE_PG_CACHE", cache.path, 1)
            defer { try? FileManager.default.removeItem(at: cache) }
            // Cold: initdb, migrate the template, cache it, start a copy, clone, first query.
            let (coldDatabases, coldTime) = try await Measure.time {
                let databases = try await ReferenceDatabases.throwaway(logger: logger)
                let url = try await databases.makeDatabase()
                try await firstQuery(url, logger: logger)
                return databases
            }
            cold.append(coldTime)
            await coldDatabases.shutdown()
            // Warm: the cache is there.
            let (databases, warmTime) = try await Measure.time {
                let databases = try await ReferenceDatabases.throwaway(logger: logger)
                let url = try await databases.makeDatabase()
                try await firstQuery(url, logger: logger)
                return databases
            }
            warm.append(warmTime)
            let (_, cloneTime) = try await Measure.time { try await databases.makeDatabase() }
            clone.append(cloneTime)
            let (_, stopTime) = await Measure.time { await databases.shutdown() }
            stop.append(stopTime)
        }
        unsetenv("REFERENCE_PG_CACHE")

        // References, same machine, same run.
        let binaries = try await PostgresBinaries.locate()
        var initdb: [Double] = []
        var pgctlStart: [Double] = []
        var pgctlStop: [Double] = []
        for _ in 0..<runs {
            let directory = try makeOwnedDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let (_, initTime) = try await Measure.time {
                try Measure.run(
                    "/usr/bin/setpriv",
                    [
                        "--reuid=postgres", "--regid=postgres", "--init-groups", binaries.initdb, "-D",
                        directory + "/data", "--no-sync",
                        "-A", "trust", "-U", "postgres",
                    ])
            }
            initdb.append(initTime)
            let options = "-k \(directory) -c listen_addresses= -c fsync=off"
            let (_, startTime) = try await Measure.time {
                try Measure.spawn(
                    "/usr/bin/setpriv",
                    [
                        "--reuid=postgres", "--regid=postgres", "--init-groups", binaries.directory + "/pg_ctl", "-D",
                        directory + "/data",
                        "-o", options, "-l", directory + "/log", "-w", "start",
                    ])
            }
            pgctlStart.append(startTime)
            let (_, stopTime) = try await Measure.time {
                try Measure.spawn(
                    "/usr/bin/setpriv",
                    [
                        "--reuid=postgres", "--regid=postgres", "--init-groups", binaries.directory + "/pg_ctl", "-D",
                        directory + "/data",
                        "-m", "immediate", "-w", "stop",
                    ])
            }
            pgctlStop.append(stopTime)
        }
        print("\nThrowaway PostgreSQL \(binaries.version), median of \(runs) runs\n")
        Measure.row(["step", "this project", "reference (same run)", "ratio"])
        Measure.row(["---", "---:", "---:", "---:"])
        Measure.row([
            "cold start to first query on a migrated database (initdb + migrate + cache + start + clone)",
            Measure.ms(Measure.median(cold)),
            "initdb --no-sync \(Measure.ms(Measure.median(initdb))) + pg_ctl -w start \(Measure.ms(Measure.median(pgctlStart)))",
            String(format: "%.2f", Measure.median(cold) / (Measure.median(initdb) + Measure.median(pgctlStart))),
        ])
        Measure.row([
            "warm start to first query on a migrated, empty database", Measure.ms(Measure.median(warm)),
            "pg_ctl -w start \(Measure.ms(Measure.median(pgctlStart)))",
            String(format: "%.2f", Measure.median(warm) / Measure.median(pgctlStart)),
        ])
        Measure.row([
            "template clone per suite (CREATE DATABASE ... TEMPLATE)", Measure.ms(Measure.median(clone)),
            "24-94 ms (issue)", "",
        ])
        Measure.row([
            "stop and remove", Measure.ms(Measure.median(stop)),
            "pg_ctl -m immediate -w stop \(Measure.ms(Measure.median(pgctlStop)))",
            String(format: "%.2f", Measure.median(stop) / Measure.median(pgctlStop)),
        ])
        print(
            "\nraw (ms): cold \(cold.map { Int($0) }), warm \(warm.map { Int($0) }), clone \(clone.map { Int($0) }), stop \(stop.map { Int($0) })"
        )
    }

    private func firstQuery(_ url: DatabaseURL, logger: Logger) async throws {
        try await url.withConnection(logger: logger) { connection in
            _ = try await connection.strings("SELECT version_seq::text FROM reference_metadata", logger: logger)
        }
    }

    private func makeOwnedDirectory() throws -> String {
        let directory = "/tmp/bench-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let entry = getpwnam("postgres") { chown(directory, entry.pointee.pw_uid, entry.pointee.pw_gid) }
        return directory
    }
}
