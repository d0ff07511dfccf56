import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP connection to a test server, for what no HTTP client sends: malformed request lines, a head
/// dribbled a byte at a time, a connection that never sends anything. Bytes in, bytes out, and whether the
/// server closed it.
public final class RawConnection: Sendable {
    private let channel: any Channel
    private let state: Collector

    private init(channel: any Channel, state: Collector) {
        self.channel = channel
        self.state = state
    }

    public static func open(_ baseURL: URL) async throws -> RawConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: baseURL.host ?? "127.0.0.1", port: baseURL.port ?? 80).get()
        return RawConnection(channel: channel, state: collector)
    }

    /// Everything received so far.
    public var received: Data { state.received.withLock { $0.data } }
    /// Whether the server has closed its side (or the whole connection).
    public var closedByServer: Bool { state.received.withLock { $0.closed } }
    /// When the server closed (or the connection failed), if it has.
    public var closedAt: ContinuousClock.Instant? { state.received.withLock { $0.closedAt } }
    /// When the last bytes arrived, if any have.
    public var lastReadAt: ContinuousClock.Instant? { state.received.withLock { $0.lastReadAt } }

    /// Sends `text` as it is (UTF-8).
    public func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Waits until the server closes its side or `timeout` passes; true when it closed.
    @discardableResult
    public func waitUntilClosed(timeout: Duration) async throws -> Bool {
        try await wait(timeout: timeout) { _ in false }
        return closedByServer
    }

    /// Waits until `done(received)` holds, the server closes, or `timeout` passes.
    public func wait(timeout: Duration, until done: (Data) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !closedByServer, !done(received), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits for a whole first answer (head, and body by `Content-Length`), the server closing, or `timeout`.
    public func waitForAnswer(
        timeout: Duration = .seconds(10)
    ) async throws
        -> (status: Int, headers: [String: String], body: Data)?
    {
        try await wait(timeout: timeout) { Self.answer(in: $0) != nil }
        return Self.answer(in: received)
    }

    /// The first answer in `data`, when it is whole: status, headers (lower-cased names) and body.
    public static func answer(in data: Data) -> (status: Int, headers: [String: String], body: Data)? {
        guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = head[0].split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] =
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "") ?? 0
        guard data.count - end.upperBound >= length else { return nil }
        return (status, headers, Data(data[end.upperBound...].prefix(length)))
    }

    public func close() async {
        try? await channel.close()
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        /// What arrived, whether the server closed, and when (read on the event loop, so a busy test process
        /// does not shift the times).
        struct Received {
            var data = Data()
            var closed = false
            var closedAt: ContinuousClock.Instant?
            var lastReadAt: ContinuousClock.Instant?

            mutating func close() {
                if !closed { closedAt = .now }
                closed = true
            }
        }
        let received = Mutex(Received())

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLock {
                $0.data.append(contentsOf: buffer.readableBytesView)
                $0.lastReadAt = .now
            }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed = event { received.withLock { $0.close() } }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            received.withLock { $0.close() }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            received.withLock { $0.close() }
            context.close(promise: nil)
        }
    }
}
