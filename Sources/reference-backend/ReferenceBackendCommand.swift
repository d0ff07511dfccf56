import ArgumentParser
import CommandSupport
import Foundation
import Logging
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import Settings

/// `reference-backend migrate|seed|serve`: a thin shell over the ReferenceBackend library.
@main
enum ReferenceBackendMain {
    static func main() { ReferenceBackendCommand.runAsMain() }
}

struct ReferenceBackendCommand: ContractCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference-backend",
        abstract: "Migrate, seed and serve the PostgreSQL reference-data backend.",
        discussion: """
            Exit status: 0 success, 2 bad input or usage, 3 database or infrastructure failure.
            """,
        subcommands: [Migrate.self, Seed.self, Serve.self]
    )

    static let defaultLogLevel: Logger.Level = .info
    static let errorPrefix = "error:"

    /// `serve` runs its tasks on the NIO event loops (installed here, before any task exists).
    static func beforeAnyTask(_ command: any ParsableCommand) {
        if command is Serve { ReferenceAPI.runTasksOnEventLoops() }
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
        guard let text = databaseURL ?? Settings().text(.databaseURL) else {
            throw ValidationError("no database: pass --database-url URL or set DATABASE_URL")
        }
        return try DatabaseURL(parsing: text)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the pending SQL migrations (checksummed, one transaction each, under an advisory lock).",
        discussion: """
            No statement waits long for a lock: one that cannot get its lock within --statement-lock-timeout is
            cancelled (while a DDL statement waits, every later reader of its table waits behind it), its
            migration rolled back and tried again after a growing pause, until --lock-timeout is spent; then
            exit 3, naming the sessions that held the lock. --status only reads: exit 0 when the schema is up
            to date, 1 when a migration is pending, changed or unknown to this build.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(
        name: .customLong("lock-timeout"),
        help:
            "Seconds to wait in all for locks (the migration lock and every table lock, retries included) before giving up (exit 3)."
    )
    var lockTimeout: Double = 60

    @Option(
        name: .customLong("statement-lock-timeout"),
        help: "Seconds one statement may wait for a table lock before it is cancelled and its migration retried.")
    var statementLockTimeout: Double = 1

    @Flag(help: "Report applied, pending, changed and unknown migrations; write nothing.")
    var status = false

    @Option(help: "Output of --status: text or json.")
    var format: Seed.OutputFormat = .text

    func validate() throws {
        guard lockTimeout > 0, lockTimeout.isFinite, lockTimeout <= 86_400 else {
            throw ValidationError("--lock-timeout must be a number of seconds greater than 0 (at most 86400)")
        }
        guard statementLockTimeout > 0, statementLockTimeout.isFinite, statementLockTimeout <= 86_400 else {
            throw ValidationError("--statement-lock-timeout must be a number of seconds greater than 0 (at most 86400)")
        }
    }

    func run() async throws {
        let logger = Logger(label: "reference-backend.migrate")
        let url = try database.resolve()
        let migrator = Migrator(
            lockTimeout: .milliseconds(lockTimeout * 1000),
            statementLockTimeout: .milliseconds(statementLockTimeout * 1000), logger: logger)
        if status {
            let report = try await migrator.status(url)
            switch format {
            case .text: print(report.text)
            case .json: print(JSONWriter(prettyPrinted: true).string(report.json))
            }
            if !report.isUpToDate { throw ExitCode(1) }
            return
        }
        let outcome = try await migrator.migrate(url)
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

    @Option(
        name: .customLong("allow-empty"),
        help: "Allow this table's source to be empty while it has active seed rows (repeatable).")
    var allowEmpty: [String] = []

    @Option(
        name: .customLong("allow-mass-deactivation"),
        help: "Exempt this table from --max-deactivation-share (repeatable).")
    var allowMassDeactivation: [String] = []

    @Option(
        name: .customLong("max-deactivation-share"),
        help: "Largest share (0-1) of a table's active seed rows one run may deactivate.")
    var maxDeactivationShare: Double = 0.5

    @Flag(name: .customLong("adopt-admin-rows"), help: "Let source rows take over admin rows with the same key.")
    var adoptAdminRows = false

    @Flag(
        name: .customLong("dry-run"),
        help:
            "Validate and compute what the seed would do, writing nothing (a READ ONLY transaction); exit 1 if it would change anything."
    )
    var dryRun = false

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
        if dryRun {
            let plan = try await Seeder(options: options, logger: logger).plan(sourceDirectory: directory, against: url)
            switch format {
            case .text: print(plan.text)
            case .json: print(JSONWriter(prettyPrinted: true).string(plan.json))
            }
            if !plan.isEmpty { throw ExitCode(1) }
            return
        }
        let report = try await Seeder(options: options, logger: logger).seed(sourceDirectory: directory, into: url)
        switch format {
        case .text: print(report.text)
        case .json: print(JSONWriter(prettyPrinted: true).string(report.json))
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the read-only reference API over HTTP until SIGINT or SIGTERM.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Interface to listen on. Default: $REFERENCE_API_HOST or 127.0.0.1.")
    var host: String?

    @Option(help: "Port to listen on (0: any free port). Default: $REFERENCE_API_PORT or 8080.")
    var port: Int?

    enum Switch: String, ExpressibleByArgument, CaseIterable { case on, off }

    @Option(help: "GET /metrics (Prometheus text format) and the figures behind it: on or off.")
    var metrics: Switch = .on

    func run() async throws {
        let settings = Settings()
        let logger = Logger(label: "reference-backend.api")
        let url = try database.resolve()
        let port = try port ?? settings.integer(.apiPort, in: 0...65535) ?? 8080
        guard (0...65535).contains(port) else {
            throw ValidationError("the port must be a number from 0 to 65535")
        }
        let configuration = ReferenceAPI.Configuration(
            host: host ?? settings.text(.apiHost) ?? "127.0.0.1", port: port, databaseURL: url,
            maximumConnections: try settings.integer(.apiDatabaseConnections, in: 1...1000) ?? 8,
            databaseTimeout: .milliseconds(1000 * (try settings.seconds(.apiDatabaseTimeout, maximum: 3600) ?? 5)),
            clients: ConnectionLimits(
                idleTimeout: .milliseconds(1000 * (try settings.seconds(.apiIdleTimeout, maximum: 86_400) ?? 30)),
                requestTimeout: .milliseconds(1000 * (try settings.seconds(.apiRequestTimeout, maximum: 3600) ?? 10)),
                maximumClients: try settings.integer(.apiMaximumClients, in: 1...1_000_000) ?? 1024),
            metrics: metrics == .on)
        try await ReferenceAPI(configuration: configuration, logger: logger).run { port in
            logger.info(
                "listening",
                metadata: ["api.address": "http://\(configuration.host):\(port)", "api.database": "\(url)"])
        }
    }
}
