import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import ReferenceCatalog

/// Keeps one client connection within `ConnectionLimits` and answers, in the API's JSON error shape, what the
/// router never sees. It sits right after the HTTP/1 decoder, before `DocumentFastPath`:
///
/// * a connection with no request in progress is closed after `idleTimeout`;
/// * a request that has not arrived whole `requestTimeout` after its first byte is answered 408 and the
///   connection closed (slow-loris);
/// * a request the decoder rejects (unknown method, `HTTP/2.0` on the request line, a head over the size
///   limit, a control byte in a header, both `Content-Length` and `Transfer-Encoding`...) is answered 405,
///   505, 431 or 400 with the JSON body, instead of Hummingbird's empty 400;
/// * `CONNECT` is answered 405 (the decoder would treat what follows as a tunnel);
/// * a request that does not keep the connection alive (`HTTP/1.0` without keep-alive, `Connection: close`)
///   gets `Connection: close` on its answer, and the connection is closed after it;
/// * a connection past the cap (`ClientConnections`) is answered 503 and closed.
///
/// Each of these answers waits for the answers to earlier requests on the connection, so responses stay in
/// request order, then closes the sending side and, a second later, the connection (so the client reads the
/// answer instead of a reset while it is still sending).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let limits: ConnectionLimits
    private let clients: ClientConnections
    private let connection: ClientConnection?
    private let logger: Logger
    private let metrics: APIMetrics?

    /// Requests passed on whose answer has not ended, with whether each keeps the connection alive.
    private var open = CircularBuffer<Bool>()
    /// When the request being read sent its first byte (nil when no request is partly read).
    private var readingSince: NIODeadline?
    /// When the connection last had no request in progress.
    private var quietSince = NIODeadline.now()
    /// Whether a request part arrived since the last read completed (a read without one started a request).
    private var partThisRead = false
    /// Nothing more is read: the connection closes after the answers owed.
    private var discarding = false
    /// An answer the guard writes once the answers owed before it are out.
    private var pending: APIError?
    private var timer: (task: Scheduled<Void>, deadline: NIODeadline)?

    init(
        limits: ConnectionLimits, clients: ClientConnections, channel: any Channel, metrics: APIMetrics?,
        logger: Logger
    ) {
        self.metrics = metrics
        self.limits = limits
        self.clients = clients
        self.logger = logger
        let connection = ClientConnection(channel: channel)
        self.connection = clients.admit(connection) ? connection : nil
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if connection == nil {
            metrics?.closed(.refused)
            answerAndClose(.tooManyClients(clients.limit), context: context)
        } else {
            arm(context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
        if let connection { clients.remove(connection) }
        context.fireChannelInactive()
    }

    // MARK: Requests in

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partThisRead = true
        guard !discarding else { return }
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head):
            if readingSince == nil { readingSince = .now() }
            if head.method == .CONNECT {
                answerAndClose(.methodNotAllowed(.connect), context: context)
                return
            }
            if open.isEmpty { connection?.quietSince.store(.max, ordering: .relaxed) }
            open.append(head.isKeepAlive)
            if !head.isKeepAlive { discarding = true }
            arm(context)
        case .body:
            break
        case .end:
            readingSince = nil
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Bytes arrived and no part came of them: a request has started.
        if !partThisRead, readingSince == nil, open.isEmpty, !discarding {
            readingSince = .now()
            arm(context)
        }
        partThisRead = false
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        logger.debug("the request could not be parsed", metadata: ["api.error": "\(parserError)"])
        metrics?.closed(.unparsable)
        answerAndClose(.unparsable(parserError), context: context)
    }

    // MARK: Answers out

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where open.first == false:
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            let keepAlive = open.popFirst() ?? true
            if !keepAlive {
                context.write(data, promise: promise)
                closeAfterFlush(context)
                return
            }
            context.write(data, promise: promise)
            if open.isEmpty {
                quietSince = .now()
                connection?.quietSince.store(UInt64(quietSince.uptimeNanoseconds), ordering: .relaxed)
                if let pending {
                    self.pending = nil
                    context.flush()
                    answerAndClose(pending, context: context)
                } else {
                    arm(context)
                }
            }
        default:
            context.write(data, promise: promise)
        }
    }

    /// Writes `error` as the answer to the request being read (after the answers owed), then closes.
    private func answerAndClose(_ error: APIError, context: ChannelHandlerContext) {
        discarding = true
        guard open.isEmpty else {
            pending = pending ?? error
            return
        }
        metrics?.error(error.metricKind)
        // Written as bytes below the response encoder, which would strip the body of any answer to CONNECT.
        var bytes = ByteBuffer()
        let body = error.body
        bytes.writeString("HTTP/1.1 \(error.status.code) \(error.status.reasonPhrase)\r\n")
        bytes.writeString("Content-Type: application/json; charset=utf-8\r\n")
        bytes.writeString("Content-Length: \(body.readableBytes)\r\n")
        bytes.writeString("Cache-Control: no-store\r\n")
        for field in error.headers { bytes.writeString("\(field.name.rawName): \(field.value)\r\n") }
        bytes.writeString("Connection: close\r\n")
        bytes.writeString("Date: \(HTTPDate.now())\r\nServer: \(ReferenceAPI.serverName)\r\n\r\n")
        bytes.writeImmutableBuffer(body)
        if let encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self) {
            encoder.write(NIOAny(bytes), promise: nil)
        }
        closeAfterFlush(context)
    }

    /// Flushes, closes the sending side, and closes the connection a second later (or at once if the client
    /// does not allow half-closing).
    private func closeAfterFlush(_ context: ChannelHandlerContext) {
        discarding = true
        timer?.task.cancel()
        timer = nil
        context.flush()
        let channel = context.channel
        let closed = context.eventLoop.makePromise(of: Void.self)
        context.close(mode: .output, promise: closed)
        closed.futureResult.whenComplete { result in
            guard case .success = result else { return channel.close(promise: nil) }
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
    }

    // MARK: Timeouts

    /// The moment the connection is closed unless something happens first.
    private var deadline: NIODeadline? {
        if discarding { return nil }
        if let readingSince { return readingSince + TimeAmount(limits.requestTimeout) }
        if open.isEmpty { return quietSince + TimeAmount(limits.idleTimeout) }
        return nil
    }

    /// Makes sure a timer fires by the current deadline. A timer already due by then is kept (when it fires
    /// early, `expire` sets the next one), so a request costs no timer of its own.
    private func arm(_ context: ChannelHandlerContext) {
        guard let deadline else { return }
        if let timer {
            if timer.deadline <= deadline { return }
            timer.task.cancel()
        }
        let task = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) {
            self.timer = nil
            self.expire(context)
        }
        timer = (task, deadline)
    }

    private func expire(_ context: ChannelHandlerContext) {
        guard let deadline else { return }
        if deadline > .now() { return arm(context) }
        if readingSince != nil {
            logger.debug("a request took too long to arrive; closing the connection")
            metrics?.closed(.requestTimeout)
            if open.isEmpty {
                answerAndClose(.requestTimeout(limits.requestTimeout), context: context)
            } else {
                context.close(promise: nil)
            }
        } else {
            logger.debug("closing an idle connection")
            metrics?.closed(.idleTimeout)
            context.close(promise: nil)
        }
    }
}
