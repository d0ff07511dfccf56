import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1.1 channel with two handlers right after the request decoder: `ConnectionGuard`
/// (the client limits, and the JSON answers to what the decoder rejects), then `DocumentFastPath` (a
/// revalidation or a built document answered before the request is converted, routed or handed to a task).
struct ReferenceHTTP1Channel: ServerChildChannel {
    let base: HTTP1Channel
    let gate: VersionGate
    let documents: ReferenceDocuments
    let limits: ConnectionLimits
    let clients: ClientConnections
    let metrics: APIMetrics?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing {
            [gate, documents, limits, clients, metrics] value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let connectionGuard = ConnectionGuard(
                limits: limits, clients: clients, channel: channel, metrics: metrics, logger: logger)
            try pipeline.addHandler(connectionGuard, position: .after(decoder))
            try pipeline.addHandler(
                DocumentFastPath(gate: gate, documents: documents, metrics: metrics, logger: logger),
                position: .after(connectionGuard))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
