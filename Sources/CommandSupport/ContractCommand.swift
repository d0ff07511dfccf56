import ArgumentParser
import Foundation
import Logging
import Settings
import Synchronization

/// What both executables share: logging to standard error at `LOG_LEVEL`, and the command-line contract's
/// exit statuses (DESIGN.md): usage errors exit 2 (not argument parser's 64), other errors their own status.
public protocol ContractCommand: AsyncParsableCommand {
    /// The log level when `LOG_LEVEL` is unset.
    static var defaultLogLevel: Logger.Level { get }
    /// The prefix of error lines, e.g. `parity-runner: error:`.
    static var errorPrefix: String { get }
    /// What runs before the command, synchronously, before any task exists (to install a global executor,
    /// say).
    static func beforeAnyTask(_ command: any ParsableCommand)
    /// Called on SIGINT, SIGTERM or SIGHUP before the process dies of that signal; nil installs no handler.
    static var cleanupOnSignal: (@Sendable () -> Void)? { get }
}

extension ContractCommand {
    /// Default: nothing.
    public static func beforeAnyTask(_ command: any ParsableCommand) {}

    /// Default: none, and no signal handler is installed.
    public static var cleanupOnSignal: (@Sendable () -> Void)? { nil }

    /// The process's entry point (call it from a synchronous `main`): logging, parsing, ``beforeAnyTask(_:)``
    /// and the signal handlers first, then the command runs in a task; the process exits with the contract's
    /// status when it ends.
    public static func runAsMain() -> Never {
        let level: Logger.Level
        do {
            level = try Settings().choice(.logLevel, as: Logger.Level.self) ?? defaultLogLevel
        } catch {
            exitWithError(error)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let parsed: any ParsableCommand
        do {
            parsed = try parseAsRoot()
        } catch {
            exitWithError(error)
        }
        beforeAnyTask(parsed)
        if let cleanupOnSignal { SignalCleanup.install(cleanupOnSignal) }
        let command = UncheckedCommand(parsed)
        Task {
            do {
                var command = command.value
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
                Foundation.exit(ExitStatus.success.rawValue)
            } catch {
                exitWithError(error)
            }
        }
        dispatchMain()
    }

    /// Prints the error and exits with the contract's status.
    public static func exitWithError(_ error: any Error) -> Never {
        let code = exitCode(for: error)
        if code == .success || code == .validationFailure || error is ExitCode {
            let text = fullMessage(for: error)
            if !text.isEmpty {
                let stream = code == .success ? FileHandle.standardOutput : FileHandle.standardError
                stream.write(Data((text + "\n").utf8))
            }
            Foundation.exit(code == .validationFailure ? ExitStatus.badInput.rawValue : code.rawValue)
        }
        FileHandle.standardError.write(Data("\(errorPrefix) \(message(for: error))\n".utf8))
        Foundation.exit(exitStatus(for: error).rawValue)
    }
}

/// A parsed command handed to the task that runs it (commands are plain values, but not declared Sendable).
private struct UncheckedCommand: @unchecked Sendable {
    let value: any ParsableCommand
    init(_ value: any ParsableCommand) { self.value = value }
}

/// Runs a cleanup on SIGINT, SIGTERM and SIGHUP, then dies of the same signal, as a shell expects. A command
/// that can stop cleanly (`parity-runner watch`) registers a ``GracefulStop`` instead: the first signal asks it
/// to stop, a second one ends the process as before.
enum SignalCleanup {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func install(_ cleanup: @escaping @Sendable () -> Void) {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if GracefulStop.request(signalNumber) { return }
                cleanup()
                signal(signalNumber, SIG_DFL)
                kill(getpid(), signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }
}

/// A command's own way to stop on the first SIGINT, SIGTERM or SIGHUP (the handler gets the signal's number),
/// in place of dying of it. Only where ``ContractCommand/cleanupOnSignal`` installs the signal handlers.
public enum GracefulStop {
    private static let handler = Mutex<(stop: (@Sendable (Int32) -> Void)?, requested: Bool)>((nil, false))

    /// Registers the command's stop.
    public static func install(_ stop: @escaping @Sendable (Int32) -> Void) {
        handler.withLock { $0.stop = stop }
    }

    /// Calls the registered stop the first time; false when there is none or it was already asked.
    static func request(_ signalNumber: Int32) -> Bool {
        let stop = handler.withLock { state -> (@Sendable (Int32) -> Void)? in
            guard let stop = state.stop, !state.requested else { return nil }
            state.requested = true
            return stop
        }
        guard let stop else { return false }
        stop(signalNumber)
        return true
    }
}
