import Logging
import NIOCore
import Synchronization

/// What one client may hold of the server (README, "Configuration"): how long a connection may sit idle or
/// take to send a request, and how many connections may be open at once.
public struct ConnectionLimits: Sendable, Hashable {
    /// A connection with no request in progress is closed after this long (`REFERENCE_API_IDLE_TIMEOUT`
    /// seconds, default 30).
    public var idleTimeout: Duration
    /// A request must arrive whole (head and body) within this long of its first byte, or it is answered 408
    /// and the connection closed: a slow-loris client is cut off (`REFERENCE_API_REQUEST_TIMEOUT` seconds,
    /// default 10).
    public var requestTimeout: Duration
    /// Client connections open at once (`REFERENCE_API_MAX_CLIENTS`, default 1024). A new connection past it
    /// takes the place of the connection that has been without a request the longest (as nginx drains idle
    /// keep-alive connections); when every connection has a request in progress, the new one is answered 503
    /// and closed.
    public var maximumClients: Int

    public init(
        idleTimeout: Duration = .seconds(30), requestTimeout: Duration = .seconds(10), maximumClients: Int = 1024
    ) {
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.maximumClients = max(1, maximumClients)
    }
}

/// One open client connection, as `ClientConnections` sees it.
final class ClientConnection: Sendable {
    let channel: any Channel
    /// The uptime in nanoseconds since which the connection has had no request in progress, or `.max` while
    /// it has one (then it is never closed to make room).
    let quietSince = Atomic<UInt64>(NIODeadline.now().uptimeNanoseconds)

    init(channel: any Channel) { self.channel = channel }
}

/// The server's open client connections, and the cap on them (`ConnectionLimits.maximumClients`).
final class ClientConnections: Sendable {
    let limit: Int
    private let logger: Logger
    private let metrics: APIMetrics?
    private let open = Mutex<(connections: [ObjectIdentifier: ClientConnection], warned: Bool)>(([:], false))

    init(limit: Int, metrics: APIMetrics? = nil, logger: Logger) {
        self.metrics = metrics
        self.limit = limit
        self.logger = logger
    }

    /// Admits `connection`: at once under the cap; past it, in place of the connection quiet the longest,
    /// which is closed. False when every open connection has a request in progress.
    func admit(_ connection: ClientConnection) -> Bool {
        let (admitted, evicted, warn) = open.withLock { state -> (Bool, ClientConnection?, Bool) in
            if state.connections.count < limit {
                state.connections[ObjectIdentifier(connection)] = connection
                return (true, nil, false)
            }
            let warn = !state.warned
            state.warned = true
            var oldest: ClientConnection?
            var oldestSince = UInt64.max
            for candidate in state.connections.values {
                let since = candidate.quietSince.load(ordering: .relaxed)
                if since < oldestSince {
                    oldest = candidate
                    oldestSince = since
                }
            }
            guard let oldest else { return (false, nil, warn) }
            state.connections[ObjectIdentifier(oldest)] = nil
            state.connections[ObjectIdentifier(connection)] = connection
            return (true, oldest, warn)
        }
        if warn {
            logger.warning(
                "client connections reached the limit; closing the longest idle ones to make room, or answering 503",
                metadata: ["api.max_clients": "\(limit)"])
        }
        if let evicted {
            metrics?.closed(.evicted)
            evicted.channel.close(promise: nil)
        }
        return admitted
    }

    func remove(_ connection: ClientConnection) {
        open.withLock { state in
            state.connections[ObjectIdentifier(connection)] = nil
            if state.connections.count < limit * 3 / 4 { state.warned = false }
        }
    }
}
