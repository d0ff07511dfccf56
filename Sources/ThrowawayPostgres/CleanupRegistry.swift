import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Makes sure throwaway clusters die with the process: at normal exit (`atexit`), and on SIGINT, SIGTERM and
/// SIGHUP, every live cluster is stopped and its directory removed before the process exits.
enum CleanupRegistry {
    private static let state = Mutex<(installed: Bool, actions: [UUID: @Sendable () -> Void])>((false, [:]))
    nonisolated(unsafe) private static var signalSources: [any DispatchSourceSignal] = []

    static func register(_ action: @escaping @Sendable () -> Void) -> UUID {
        let id = UUID()
        let needsInstall = state.withLock { state in
            state.actions[id] = action
            defer { state.installed = true }
            return !state.installed
        }
        if needsInstall { install() }
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

    private static func install() {
        atexit { CleanupRegistry.runAll() }
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                CleanupRegistry.runAll()
                // Exit the way a shell expects after a fatal signal.
                signal(signalNumber, SIG_DFL)
                kill(getpid(), signalNumber)
            }
            source.resume()
            sources.append(source)
        }
        signalSources = sources
    }
}
