import Foundation

/// Runs a program to its end without holding a Swift Concurrency thread: the pipes are drained and the exit
/// awaited on other threads. (`waitUntilExit()` in async code holds one of the cooperative pool's few
/// threads; two of them at once on a 2-core machine stall every other task in the process, including the
/// servers a test talks to.)
public enum ChildProcess {
    public struct Outcome: Sendable {
        public let status: Int32
        /// Standard output (and standard error, when they were merged).
        public let output: Data
        public let error: Data

        public var outputText: String { String(decoding: output, as: UTF8.self) }
        public var errorText: String { String(decoding: error, as: UTF8.self) }
    }

    /// Runs `executable` with `arguments`; with `mergingStandardError`, standard error goes to `output` too.
    /// With `environment`, the child gets exactly that environment instead of this process's. `started` gets
    /// the child's process id once it runs (to signal it).
    public static func run(
        _ executable: String, _ arguments: [String], mergingStandardError: Bool = false,
        environment: [String: String]? = nil, started: (@Sendable (Int32) -> Void)? = nil
    ) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let error = mergingStandardError ? output : Pipe()
        process.standardOutput = output
        process.standardError = error
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { process in
            exited.continuation.yield(process.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        started?(process.processIdentifier)
        async let outputData = readToEnd(output)
        async let errorData = mergingStandardError ? Data() : readToEnd(error)
        var status: Int32 = -1
        for await code in exited.stream { status = code }
        return Outcome(status: status, output: await outputData, error: await errorData)
    }

    /// Waits until `process` (already running) has exited, without holding a thread.
    public static func exit(of process: Process) async {
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.finish() }
        if !process.isRunning { return }
        for await _ in exited.stream {}
    }

    private static func readToEnd(_ pipe: Pipe) async -> Data {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }
        }
    }
}
