import Logging
import PostgresSupport
import Synchronization

/// Whether the database answered the last time the API asked. During an outage every request fails the same
/// way; logging each would bury the one line that matters, so this logs one warning when the database goes
/// away and one notice when it returns (swift-log's guidance for libraries), and the rest at debug.
final class DatabaseAvailability: Sendable {
    private let available = Atomic<Bool>(true)
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// A database call failed in `operation` (health check, version read, document build).
    func failed(_ operation: String, _ error: any Error) {
        let metadata: Logger.Metadata = [
            "api.operation": "\(operation)", "api.error": "\(describePostgresError(error))",
        ]
        if available.exchange(false, ordering: .relaxed) {
            logger.warning("the database is unavailable; requests that need it get 503", metadata: metadata)
        } else {
            logger.debug("the database is still unavailable", metadata: metadata)
        }
    }

    /// A database call succeeded.
    func succeeded() {
        if !available.exchange(true, ordering: .relaxed) {
            logger.notice("the database is available again")
        }
    }
}
