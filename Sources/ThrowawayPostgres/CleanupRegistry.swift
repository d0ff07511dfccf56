import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Makes sure throwaway clusters die with the process. At normal exit (`atexit`) every live cluster is stopped
/// and its directory removed. Signals are the executable's business: a program that wants the same on
/// SIGINT or SIGTERM calls ``ThrowawayCleanup/stopAll()`` from its own handler (parity-runner does). A process
/// killed outright leaves its run directory behind; the next cluster start removes it.
enum CleanupRegistry {
    private static let state = Mutex<(installed: Bool, actions: [UUID: @Sendable () -> Void])>((false, [:]))

    static func register(_ action: @escaping @Sendable () -> Void) -> UUID {
        let id = UUID()
        let needsInstall = state.withLock { state in
            state.actions[id] = action
            defer { state.installed = true }
            return !state.installed
        }
        if needsInstall { atexit { CleanupRegistry.runAll() } }
        return id
    }

    static func unregister(_ id: UUID) {
        _ = state.withLock { $0.actions.removeValue(forKey: id) }
    }

    static func runAll() {
        let actions = state.withLock { state in
            defer { state.actions.removeAll() }
            return Array(state.actions.values)
        }
        for action in actions { action() }
    }
}

/// The cleanup an executable calls from its signal handler before it exits.
public enum ThrowawayCleanup {
    /// Stops every throwaway cluster of this process at once (SIGQUIT) and removes its directory. Safe to
    /// call from any thread, more than once.
    public static func stopAll() { CleanupRegistry.runAll() }
}
