import Foundation
import NIOCore
import NIOPosix

/// A real TCP server on 127.0.0.1 that answers every connection with the same raw bytes and closes it: for
/// testing what a client does with an answer no correct backend gives (HTML, an empty or truncated body, a
/// `Content-Length` it does not keep, a document that breaks the catalog).
public final class CannedHTTPServer: Sendable {
    public let port: Int
    private let channel: any Channel

    public var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Serves `body` with `status` and the given headers (`Content-Length` is the body's unless given).
    public static func start(
        status: String = "200 OK", headers: [(String, String)] = [("Content-Type", "application/json")],
        body: Data
    ) async throws -> CannedHTTPServer {
        var head = "HTTP/1.1 \(status)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !headers.contains(where: { $0.0.lowercased() == "content-length" }) {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        return try await start(raw: Data(head.utf8) + body)
    }

    /// Serves exactly `raw` (status line, headers and body) to every connection.
    public static func start(raw: Data) async throws -> CannedHTTPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture { try child.pipeline.syncOperations.addHandler(Answer(raw)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CannedHTTPServer(port: channel.localAddress?.port ?? 0, channel: channel)
    }

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    public func stop() async { try? await channel.close() }

    private final class Answer: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private let raw: Data
        private var answered = false

        init(_ raw: Data) { self.raw = raw }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !answered else { return }
            answered = true
            let buffer = context.channel.allocator.buffer(bytes: raw)
            let channel = context.channel
            context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
