import ArgumentParser
import Foundation
import Logging
import ReferenceBackend
import ReferenceCatalog
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
        subcommands: [Migrate.self, Seed.self]
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

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the JSON source, then seed it into the database in one transaction.",
        discussion: """
            Upsert only, never delete: seed rows missing from the source are deactivated, admin rows are never
            touched. Every validation problem is reported (exit 2) before anything is written; any database
            failure rolls everything back (exit 3).
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Directory of <table>.json files. Default: the project's ReferenceData/.")
    var source: String?

    @Option(help: "Output: text or json.")
    var format: OutputFormat = .text

    @Option(name: .customLong("allow-empty"), help: "Allow this table's source to be empty while it has active seed rows (repeatable).")
    var allowEmpty: [String] = []

    @Option(name: .customLong("allow-mass-deactivation"), help: "Exempt this table from --max-deactivation-share (repeatable).")
    var allowMassDeactivation: [String] = []

    @Option(name: .customLong("max-deactivation-share"), help: "Largest share (0-1) of a table's active seed rows one run may deactivate.")
    var maxDeactivationShare: Double = 0.5

    @Flag(name: .customLong("adopt-admin-rows"), help: "Let source rows take over admin rows with the same key.")
    var adoptAdminRows = false

    enum OutputFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        for table in allowEmpty + allowMassDeactivation where ReferenceCatalog.table(named: table) == nil {
            throw ValidationError("'\(table)' is not a catalog table")
        }
        guard (0...1).contains(maxDeactivationShare) else {
            throw ValidationError("--max-deactivation-share must be between 0 and 1")
        }
    }

    func run() async throws {
        let logger = Logger(label: "reference-backend.seed")
        let url = try database.resolve()
        let directory = source.map { URL(fileURLWithPath: $0) } ?? ReferenceDataLocation.defaultDirectory()
        let options = SeedOptions(
            allowEmptyTables: Set(allowEmpty), maxDeactivationShare: maxDeactivationShare,
            allowMassDeactivationTables: Set(allowMassDeactivation), adoptAdminRows: adoptAdminRows)
        let report = try await Seeder(options: options, logger: logger).seed(sourceDirectory: directory, into: url)
        switch format {
        case .text: print(report.text)
        case .json: print(JSONWriter(prettyPrinted: true).string(report.json))
        }
    }
}
