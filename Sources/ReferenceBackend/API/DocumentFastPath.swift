import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import PostgresSupport
import ReferenceCatalog
import Synchronization

/// Answers the requests a client and a CDN send most, in the HTTP pipeline itself, right after the HTTP/1
/// decoder, below the router: a revalidation (`If-None-Match` naming the current reference version) of the
/// bootstrap or a table document with 304, and a GET of one whose document for the current version is built
/// already with its bytes (gzip when accepted and already compressed).
///
/// These answers have nothing to compute, so the router's per-request cost (header conversion, a task, the
/// middleware chain, a response writer) would be most of their cost. This handler learns the current version
/// from the same `VersionGate` as the router, so a change committed in the database still shows on the next
/// request, and writes the same answer the router would (status line, headers, bytes; one request log line
/// with `api.layer=fast-path`). Everything else passes through untouched: other paths and methods, requests
/// with a query or a body, HTTP/1.0 or `Connection: close`, a HEAD or a tag that does not match when there is
/// no built document to answer with, a document not built yet for the version (the router builds it), a
/// channel whose writes are backed up (the router waits for it), and any request when the version cannot be
/// read (the router then answers 503 in the API's error shape).
///
/// Responses leave in request order: a request is only taken here when no earlier request on the connection
/// is still with the router, and while one waits for the version, later requests wait behind it.
final class DocumentFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A request this handler may answer: the document it names, and how it asks for it.
    struct Wanted: Equatable {
        /// `bootstrap` or a catalog table's name.
        let document: Substring
        let ifNoneMatch: String?
        let gzip: Bool
        let isHead: Bool
    }

    private let gate: VersionGate
    private let documents: ReferenceDocuments
    private let logger: Logger
    private let metrics: APIMetrics?

    /// Requests passed to the router whose response has not ended yet.
    private var withRouter = 0
    /// The request waiting for the version, when there is one.
    private var held: (request: HTTPRequestHead, wanted: Wanted, started: ContinuousClock.Instant)?
    /// Whether the held request's `.end` has arrived (it comes right after the head: no body is accepted).
    private var heldEnded = false
    /// Drop the next `.end`: it closes a request answered here before its end arrived.
    private var skipNextEnd = false
    /// What arrived while a request was held, replayed in order once it is answered: request parts, and
    /// events such as the client's half-close (which must not reach the router before the held answer).
    private var queued = CircularBuffer<Inbound>()
    private enum Inbound {
        case part(HTTPServerRequestPart)
        case event(Any)
    }
    /// Whether a read was asked for while a request was held with `queuedPartsBeforePause` parts behind it
    /// (it is passed on once the request is answered, so a client cannot pile up requests behind one that
    /// waits for the database).
    private var readDeferred = false
    /// How many request parts may queue behind a held request before reading stops. Reading on while a
    /// request waits for the version keeps the socket's read interest registered: stopping and restarting
    /// it costs two `epoll_ctl` calls per request, as many system calls as the request's read and write.
    static let queuedPartsBeforePause = 32
    /// The last 304 head written, reused while the version, encoding and second stay the same.
    private var lastAnswer: (token: String, gzip: Bool, date: String, head: HTTPResponseHead)?

    init(gate: VersionGate, documents: ReferenceDocuments, metrics: APIMetrics?, logger: Logger) {
        self.metrics = metrics
        self.gate = gate
        self.documents = documents
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        receive(unwrapInboundIn(data), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if held != nil { queued.append(.event(event)) } else { context.fireUserInboundEventTriggered(event) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // While a request is held, nothing went downstream: the router's reader wakes up when it is replayed.
        if held == nil { context.fireChannelReadComplete() }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { withRouter = max(0, withRouter - 1) }
        context.write(data, promise: promise)
    }

    func read(context: ChannelHandlerContext) {
        if held == nil || queued.count < Self.queuedPartsBeforePause { context.read() } else { readDeferred = true }
    }

    func channelInactive(context: ChannelHandlerContext) {
        held = nil
        queued.removeAll()
        context.fireChannelInactive()
    }

    private func receive(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        if held != nil {
            if case .end = part, !heldEnded { heldEnded = true } else { queued.append(.part(part)) }
            return
        }
        if skipNextEnd, case .end = part {
            skipNextEnd = false
            return
        }
        if case .head(let request) = part, withRouter == 0, let wanted = Self.wanted(request) {
            held = (request, wanted, .now)
            heldEnded = false
            gate.current(on: context.eventLoop).assumeIsolatedUnsafeUnchecked().whenComplete { result in
                self.answer(with: result, context: context)
            }
            return
        }
        if case .head = part { withRouter += 1 }
        context.fireChannelRead(wrapInboundOut(part))
    }

    /// Answers the held request: 304 when its tag names the current version, the built document's bytes for
    /// a GET, otherwise hands it to the router.
    private func answer(with result: Result<VersionInfo, any Error>, context: ChannelHandlerContext) {
        guard let (request, wanted, started) = held else { return }  // the connection closed meanwhile
        held = nil
        if case .success(let version) = result, let tag = wanted.ifNoneMatch,
            ReferenceAPI.matches(tag, token: version.reference.token)
        {
            skipNextEnd = !heldEnded
            RequestLog.write(
                logger, metrics: metrics, method: request.method.rawValue, path: request.uri, status: 304,
                duration: ContinuousClock.now - started, bodyBytes: 0, gzip: false, layer: .fastPath)
            context.write(
                wrapOutboundOut(.head(notModifiedHead(token: version.reference.token, gzip: wanted.gzip))),
                promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else if case .success(let version) = result, !wanted.isHead, context.channel.isWritable,
            let document = documents.builtDocument(wanted.document, for: version),
            let body = wanted.gzip ? document.gzipIfMade : document.plain
        {
            skipNextEnd = !heldEnded
            RequestLog.write(
                logger, metrics: metrics, method: request.method.rawValue, path: request.uri, status: 200,
                duration: ContinuousClock.now - started, bodyBytes: body.readableBytes, gzip: wanted.gzip,
                layer: .fastPath)
            context.write(
                wrapOutboundOut(
                    .head(documentHead(token: document.etag, gzip: wanted.gzip, length: body.readableBytes))),
                promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            withRouter += 1
            context.fireChannelRead(wrapInboundOut(.head(request)))
            if heldEnded { context.fireChannelRead(wrapInboundOut(.end(nil))) }
        }
        while held == nil, let next = queued.popFirst() {
            switch next {
            case .part(let part): receive(part, context: context)
            case .event(let event): context.fireUserInboundEventTriggered(event)
            }
        }
        if held == nil {
            context.fireChannelReadComplete()
            if readDeferred {
                readDeferred = false
                context.read()
            }
        }
    }

    /// The router's 304 head for a document: `ReferenceAPI.documentHeaders`, `Date` and `Server`.
    private func notModifiedHead(token: String, gzip: Bool) -> HTTPResponseHead {
        let date = HTTPDate.now()
        if let lastAnswer, lastAnswer.token == token, lastAnswer.gzip == gzip, lastAnswer.date == date {
            return lastAnswer.head
        }
        var headers = HTTPHeaders()
        for field in ReferenceAPI.documentHeaders(token: token, gzip: gzip) {
            headers.add(name: field.name.rawName, value: field.value)
        }
        headers.add(name: "Date", value: date)
        headers.add(name: "Server", value: ReferenceAPI.serverName)
        let head = HTTPResponseHead(version: .http1_1, status: .notModified, headers: headers)
        lastAnswer = (token, gzip, date, head)
        return head
    }

    /// The router's 200 head for a document: `ReferenceAPI.documentBodyHeaders`, its length, `Date` and
    /// `Server`, in the router's order.
    private func documentHead(token: String, gzip: Bool, length: Int) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        for field in ReferenceAPI.documentBodyHeaders(token: token, gzip: gzip) {
            headers.add(name: field.name.rawName, value: field.value)
        }
        headers.add(name: "Content-Length", value: String(length))
        headers.add(name: "Date", value: HTTPDate.now())
        headers.add(name: "Server", value: ReferenceAPI.serverName)
        return HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
    }

    /// What a request asks for when this handler may answer it: an HTTP/1.1 keep-alive GET of the bootstrap or
    /// a catalog table, or a HEAD of one with `If-None-Match`, without query or body.
    static func wanted(_ request: HTTPRequestHead) -> Wanted? {
        let ifNoneMatch = request.headers.first(name: "if-none-match")
        guard request.method == .GET || (request.method == .HEAD && ifNoneMatch != nil),
            request.version == .http1_1, request.uri.hasPrefix(documentPrefix)
        else { return nil }
        let name = request.uri.dropFirst(documentPrefix.count)
        guard name == "bootstrap" || ReferenceCatalog.table(named: String(name)) != nil else { return nil }
        let headers = request.headers
        if let length = headers.first(name: "content-length"), length != "0" { return nil }
        if headers.contains(name: "transfer-encoding") || !request.isKeepAlive { return nil }
        return Wanted(
            document: name, ifNoneMatch: ifNoneMatch,
            gzip: ReferenceAPI.acceptsGzip(headers.first(name: "accept-encoding")), isHead: request.method == .HEAD)
    }

    private static let documentPrefix = "/api/v1/reference/"
}

/// The `Date` header's IMF-fixdate, formatted once per second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        let second = time.tv_sec
        return cache.withLock { cache in
            if cache.second != second { cache = (second, format(second)) }
            return cache.text
        }
    }

    static func format(_ second: Int) -> String {
        var seconds = time_t(second)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
