import Foundation

/// Runs a program to its end without blocking a Swift Concurrency thread: the pipes are drained and the
/// exit awaited on other threads. (Blocking calls like `waitUntilExit()` in a test hold one of the
/// cooperative pool's few threads; two of them at once on a 2-core machine stall every other test's tasks,
/// including the servers those tests talk to.)
public enum ChildProcess {
    public struct Outcome: Sendable {
        public let status: Int32
        public let output: Data
        public let error: Data

        public var outputText: String { String(decoding: output, as: UTF8.self) }
        public var errorText: String { String(decoding: error, as: UTF8.self) }
    }

    public static func run(_ executable: String, _ arguments: [String]) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { process in
            exited.continuation.yield(process.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        async let outputData = readToEnd(output.fileHandleForReading)
        async let errorData = readToEnd(error.fileHandleForReading)
        var status: Int32 = -1
        for await code in exited.stream { status = code }
        return Outcome(status: status, output: await outputData, error: await errorData)
    }

    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }
}
