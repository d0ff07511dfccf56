import ArgumentParser
import Foundation
import Logging
import ReferenceBackend

/// What both executables share: logging to standard error at `LOG_LEVEL`, and the command-line contract's
/// exit statuses (DESIGN.md): usage errors exit 2 (not argument parser's 64), other errors their own status.
public protocol ContractCommand: AsyncParsableCommand {
    /// The log level when `LOG_LEVEL` is unset.
    static var defaultLogLevel: Logger.Level { get }
    /// The prefix of error lines, e.g. `parity-runner: error:`.
    static var errorPrefix: String { get }
}

extension ContractCommand {
    public static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel =
                Logger.Level(rawValue: ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "") ?? defaultLogLevel
            return handler
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exitWithError(error)
        }
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
