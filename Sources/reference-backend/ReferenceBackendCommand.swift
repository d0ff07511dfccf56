import ArgumentParser
import Foundation
import Logging
import ReferenceBackend
import ThrowawayPostgres

/// `reference-backend migrate|seed|serve`: a thin shell over the ReferenceBackend library.
@main
struct ReferenceBackendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference-backend",
        abstract: "Migrate, seed and serve the PostgreSQL reference-data backend.",
        discussion: """
            Exit status: 0 success, 2 bad input or usage, 3 database or infrastructure failure.
            """,
        subcommands: [Migrate.self]
    )

    static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "") ?? .info
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

    /// Prints the error and exits with the contract's status: 2 for usage errors (argument parser's 64),
    /// otherwise the error's own.
    static func exitWithError(_ error: any Error) -> Never {
        let code = exitCode(for: error)
        if code == .success || code == .validationFailure || error is ExitCode {
            let text = fullMessage(for: error)
            if !text.isEmpty {
                let stream = code == .success ? FileHandle.standardOutput : FileHandle.standardError
                stream.write(Data((text + "\n").utf8))
            }
            Foundation.exit(code == .validationFailure ? ExitStatus.badInput.rawValue : code.rawValue)
        }
        FileHandle.standardError.write(Data("error: \(message(for: error))\n".utf8))
        Foundation.exit(exitStatus(for: error).rawValue)
    }
}

/// Options shared by the subcommands that talk to a database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: "PostgreSQL URL (postgresql://user:password@host:port/db, or ?host=/socket/dir). Default: $DATABASE_URL."
    )
    var databaseURL: String?

    /// The URL from the option or `DATABASE_URL`; a usage error when neither is given.
    func resolve() throws -> DatabaseURL {
        guard let text = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !text.isEmpty else {
            throw ValidationError("no database: pass --database-url URL or set DATABASE_URL")
        }
        return try DatabaseURL(parsing: text)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the pending SQL migrations (checksummed, one transaction each, under an advisory lock).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = Logger(label: "reference-backend.migrate")
        let url = try database.resolve()
        let outcome = try await Migrator(logger: logger).migrate(url)
        print(
            outcome.applied.isEmpty
                ? "schema is up to date at version \(outcome.schemaVersion)"
                : "applied migrations \(outcome.applied.map(String.init).joined(separator: ", ")); schema version \(outcome.schemaVersion)"
        )
    }
}
