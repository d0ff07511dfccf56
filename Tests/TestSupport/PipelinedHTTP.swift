import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Raw HTTP/1.1 on one connection, for what URLSession cannot do: several requests written at once
/// (pipelined), `Connection: close`, and the exact status line and headers of each answer.
public enum PipelinedHTTP {
    public struct Request: Sendable {
        public var method: HTTPMethod
        public var path: String
        public var headers: [(String, String)]

        public init(_ method: HTTPMethod = .GET, _ path: String, headers: [(String, String)] = []) {
            self.method = method
            self.path = path
            self.headers = headers
        }
    }

    public struct Response: Sendable {
        public let status: Int
        public let headers: [(name: String, value: String)]
        public let body: Data

        public func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    /// Writes every request in one flush on a new connection, then reads an answer for each (fewer when the
    /// server closes early). When the last request says `Connection: close`, it also reads on to the end:
    /// `closedByServer` tells whether the server then closed the connection.
    /// With `halfClose`, the client shuts its sending side right after the requests (as `nc -N` does), and
    /// still expects every answer.
    public static func exchange(
        _ baseURL: URL, _ requests: [Request], halfClose: Bool = false, timeout: Duration = .seconds(20)
    ) async throws -> (responses: [Response], closedByServer: Bool) {
        let host = baseURL.host ?? "127.0.0.1"
        let port = baseURL.port ?? 80
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        return try await withThrowingTaskGroup(of: ([Response], Bool).self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    var parts: [HTTPClientRequestPart] = []
                    for request in requests {
                        var headers = HTTPHeaders([("Host", "\(host):\(port)")])
                        headers.add(contentsOf: request.headers)
                        parts.append(
                            .head(
                                HTTPRequestHead(
                                    version: .http1_1, method: request.method, uri: request.path, headers: headers)))
                        parts.append(.end(nil))
                    }
                    try await outbound.write(contentsOf: parts)
                    if halfClose { outbound.finish() }
                    var responses: [Response] = []
                    var head: HTTPResponseHead?
                    var body = Data()
                    var iterator = inbound.makeAsyncIterator()
                    while responses.count < requests.count, let part = try await iterator.next() {
                        switch part {
                        case .head(let received):
                            head = received
                            body = Data()
                        case .body(let buffer):
                            body.append(contentsOf: buffer.readableBytesView)
                        case .end:
                            if let head {
                                responses.append(
                                    Response(
                                        status: Int(head.status.code),
                                        headers: head.headers.map { ($0.name, $0.value) }, body: body))
                            }
                            head = nil
                        }
                    }
                    let asksToClose =
                        requests.last?.headers.contains {
                            $0.0.lowercased() == "connection" && $0.1.lowercased() == "close"
                        } ?? false
                    var closed = false
                    if asksToClose && responses.count == requests.count { closed = try await iterator.next() == nil }
                    return (responses, closed)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw CancellationError()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
