import ArgumentParser
import Foundation
import ParityRunner
import ReferenceBackend
import ReferenceCatalog

/// Seeds ReferenceData into a throwaway cluster and serves the API on the given port until killed, printing
/// `ready` when it listens: the server side of `Benchmarks/api.sh`.
struct ServeForBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve")

    @Option var port = 18080
    @Option(help: "The source directory to seed (default: ReferenceData).") var source: String?
    @Option(help: "Seconds a connection with no request in progress stays open.") var idleTimeout = 30.0
    @Option(help: "Seconds a request may take to arrive whole.") var requestTimeout = 10.0
    @Option(help: "Client connections open at once.") var maxClients = 1024
    @Option(help: "GET /metrics and the figures behind it: on or off.") var metrics = "on"

    func run() async throws {
        let logger = Measure.quietLogger
        let databases = try await ReferenceDatabases.throwaway(logger: logger)
        try await databases.withShutdown { databases in
            let url = try await databases.makeDatabase()
            _ = try await Seeder(logger: logger).seed(
                sourceDirectory: source.map { URL(fileURLWithPath: $0) } ?? ReferenceDataLocation.projectDirectory,
                into: url)
            try await ReferenceAPI(
                configuration: .init(
                    host: "127.0.0.1", port: port, databaseURL: url, maximumConnections: 8,
                    clients: ConnectionLimits(
                        idleTimeout: .milliseconds(Int(idleTimeout * 1000)),
                        requestTimeout: .milliseconds(Int(requestTimeout * 1000)), maximumClients: maxClients),
                    metrics: metrics != "off"),
                logger: logger
            ).run { _ in
                FileHandle.standardOutput.write(Data("ready\ndatabase \(url)\n".utf8))
            }
        }
    }
}
