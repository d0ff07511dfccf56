import ArgumentParser
import Foundation
import Logging
import PostgresSupport
import ReferenceBackend

#if canImport(Glibc)
import Glibc
#endif

/// Benchmarks of the project against named references, run in the same process and session. Results are
/// printed as Markdown table rows for BENCHMARKS.md. Build in release: `swift run -c release reference-bench`.
@main
enum BenchMain {
    /// `serve` runs its tasks on the NIO event loops, installed here before any task exists.
    static func main() {
        if CommandLine.arguments.dropFirst().first == ServeForBench.configuration.commandName {
            ReferenceAPI.runTasksOnEventLoops()
        }
        Task {
            await Bench.main()
            exit(0)
        }
        dispatchMain()
    }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference-bench",
        abstract:
            "Benchmarks: throwaway PostgreSQL, seed, normalization, providers; and a server for the API benchmark.",
        subcommands: [
            PostgresBench.self, SeedBench.self, NormalizeBench.self, ProviderBench.self, ReportBench.self,
            LargeBench.self, ReplicationBench.self,
            ServeForBench.self,
        ]
    )
}

/// Timing helpers.
enum Measure {
    static func time<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
        let started = ContinuousClock.now
        let result = try await body()
        return (result, (ContinuousClock.now - started).fractionalMilliseconds)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Peak resident set size of this process, in MiB.
    static func peakRSSMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static func ms(_ value: Double) -> String { String(format: "%.1f ms", value) }

    static func row(_ cells: [String]) { print("| " + cells.joined(separator: " | ") + " |") }

    static var quietLogger: Logger {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        return logger
    }

    /// Runs a program to completion with posix_spawn and waitpid, output discarded: for programs that leave a
    /// daemon behind (pg_ctl start), which Foundation's Process does not reap reliably.
    static func spawn(_ executable: String, _ arguments: [String]) throws {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &fileActions, nil, argv, environ)
        guard spawned == 0 else { throw ValidationError("cannot start \(executable): \(spawned)") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard status == 0 else {
            throw ValidationError("\(executable) \(arguments.joined(separator: " ")) failed: \(status)")
        }
    }

    /// Runs a program to completion; returns its standard output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], captureOutput: Bool = true) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // A daemon started by the program (pg_ctl start) would hold a captured pipe open forever.
        let output = Pipe()
        process.standardOutput = captureOutput ? output : FileHandle.nullDevice
        process.standardError = captureOutput ? FileHandle.standardError : FileHandle.nullDevice
        try process.run()
        let data = captureOutput ? output.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError(
                "\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
