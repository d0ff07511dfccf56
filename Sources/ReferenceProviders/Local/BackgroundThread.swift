import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs long, blocking work (an import of the whole bundle into SQLite) on a thread of its own at a lower
/// scheduling priority: it does not hold one of the cooperative threads (two on a 2-core machine) for
/// seconds, and it gives way to foreground work on the same cores (the app's first screen; in the parity run,
/// the seed, which otherwise loses about 1.7 s of 17 to the import on 1.33M rows).
enum BackgroundThread {
    /// How much lower than the caller: Linux's nice scale, per thread.
    static let niceness: Int32 = 10

    static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                lowerPriority()
                continuation.resume(with: Result { try work() })
            }
            thread.name = "reference-import"
            thread.start()
        }
    }

    /// Raises this thread's nice value (`setpriority` on its thread id; `gettid` is looked up because the
    /// Glibc module does not export it). Nothing happens where either is missing.
    private static func lowerPriority() {
        #if canImport(Glibc)
        typealias GetThreadID = @convention(c) () -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gettid") else { return }
        let threadID = unsafeBitCast(symbol, to: GetThreadID.self)()
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(threadID), niceness)
        #endif
    }
}
