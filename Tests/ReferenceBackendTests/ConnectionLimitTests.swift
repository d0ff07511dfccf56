import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing

/// The API against clients that are idle, slow, too many or broken, over real sockets (README, "Configuration":
/// `REFERENCE_API_IDLE_TIMEOUT`, `REFERENCE_API_REQUEST_TIMEOUT`, `REFERENCE_API_MAX_CLIENTS`).
@Suite("Connection limits and malformed requests", .integration)
struct ConnectionLimitTests {
    let logger = TestDatabases.logger

    /// A new client's `GET /health`: the server still answers.
    func probe(_ backend: LiveBackend) async throws -> Int? {
        let connection = try await RawConnection.open(backend.baseURL)
        try await connection.send("GET /health HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
        let status = try await connection.waitForAnswer()?.status
        await connection.close()
        return status
    }

    /// The answer is the API's JSON error with `code`, its `Content-Length` is the body's, and the server
    /// closes the connection after it.
    func expectJSONError(
        _ connection: RawConnection, status: Int, code: String, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let answer = try await connection.waitForAnswer()
        #expect(
            answer?.status == status, "\(what): \(String(decoding: connection.received.prefix(300), as: UTF8.self))",
            sourceLocation: sourceLocation)
        #expect(
            answer?.headers["content-length"] == answer.map { "\($0.body.count)" },
            "\(what): \(String(decoding: connection.received.prefix(400), as: UTF8.self))",
            sourceLocation: sourceLocation)
        #expect(
            answer?.headers["content-type"]?.hasPrefix("application/json") == true, "\(what)",
            sourceLocation: sourceLocation)
        let body = try answer.map { try JSONParser.parse($0.body) }
        #expect(body?["error"]?["code"]?.stringValue == code, "\(what)", sourceLocation: sourceLocation)
        #expect(body?["error"]?["message"]?.stringValue?.isEmpty == false, "\(what)", sourceLocation: sourceLocation)
        #expect(
            try await connection.waitUntilClosed(timeout: .seconds(10)), "\(what): still open",
            sourceLocation: sourceLocation)
    }

    @Test("a connection with no request in progress is closed after the idle timeout, before or after a request")
    func idleTimeout() async throws {
        let timeout = Duration.seconds(1)
        try await withLiveBackend(clients: ConnectionLimits(idleTimeout: timeout)) { backend in
            // The server's idle clock starts after the connect begins, and after it wrote the answer (so after
            // the request was sent): each connection closes no earlier than the timeout after those instants
            // (close times taken on the event loop), and does close.
            let beforeOpen = ContinuousClock.now
            let silent = try await RawConnection.open(backend.baseURL)
            let kept = try await RawConnection.open(backend.baseURL)
            let sent = ContinuousClock.now
            try await kept.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await kept.waitForAnswer()?.status == 200)
            #expect(try await silent.waitUntilClosed(timeout: .seconds(10)), "a silent connection stays open")
            #expect(try await kept.waitUntilClosed(timeout: .seconds(10)), "an idle keep-alive connection stays open")
            let silentOpen = try #require(silent.closedAt) - beforeOpen
            #expect(silentOpen >= timeout, "a silent connection was closed after \(silentOpen)")
            let keptOpen = try #require(kept.closedAt) - sent
            #expect(keptOpen >= timeout, "a keep-alive connection was closed \(keptOpen) after its request")
            #expect(try await probe(backend) == 200)
        }
    }

    @Test(
        "a request dribbled a byte at a time is answered 408 after the request timeout and cut off; probes pass meanwhile"
    )
    func slowLoris() async throws {
        try await withLiveBackend(clients: ConnectionLimits(requestTimeout: .seconds(1))) { backend in
            let slow = try await RawConnection.open(backend.baseURL)
            try await slow.send("GET /health HTTP/1.1\r\nHost: slow\r\n")
            let dribble = Task {
                for _ in 0..<100 where !slow.closedByServer {
                    try? await slow.send("X")
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(try await probe(backend) == 200)
            try await expectJSONError(slow, status: 408, code: "request_timeout", "slow-loris")
            dribble.cancel()
            #expect(try await probe(backend) == 200)
        }
    }

    @Test(
        "past the cap the idlest connection makes room; with every connection busy a new one gets 503; then it recovers"
    )
    func connectionCap() async throws {
        try await withLiveBackend(clients: ConnectionLimits(maximumClients: 3)) { backend in
            var idle: [RawConnection] = []
            for _ in 0..<3 {
                idle.append(try await RawConnection.open(backend.baseURL))
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await probe(backend) == 200)
            #expect(try await idle[0].waitUntilClosed(timeout: .seconds(10)), "the idlest connection was not closed")
            for connection in idle { await connection.close() }

            // Three requests held by the database (a lock on units), then a fourth client.
            try await backend.databaseURL.withConnection(logger: logger) { locker in
                try await locker.execute("BEGIN", logger: logger)
                try await locker.execute("LOCK TABLE units IN ACCESS EXCLUSIVE MODE", logger: logger)
                var busy: [RawConnection] = []
                for _ in 0..<3 {
                    let connection = try await RawConnection.open(backend.baseURL)
                    try await connection.send(
                        "GET /api/v1/reference/units?includeInactive=true HTTP/1.1\r\nHost: busy\r\n\r\n")
                    busy.append(connection)
                }
                try await Task.sleep(for: .milliseconds(300))
                let refused = try await RawConnection.open(backend.baseURL)
                try await expectJSONError(refused, status: 503, code: "too_many_connections", "fourth client")
                try await locker.execute("ROLLBACK", logger: logger)
                for connection in busy {
                    #expect(try await connection.waitForAnswer()?.status == 200)
                    await connection.close()
                }
            }
            #expect(try await probe(backend) == 200)
        }
    }

    @Test("what the HTTP decoder rejects is answered with the JSON error, a Content-Length and a closed connection")
    func malformedRequests() async throws {
        let huge = String(repeating: "a", count: 1 << 20)
        let manyHeaders = (0..<10_000).map { "X-H\($0): v\r\n" }.joined()
        let cases: [(String, String, Int, String)] = [
            ("unknown method", "FOO / HTTP/1.1\r\nHost: t\r\n\r\n", 405, "method_not_allowed"),
            ("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 405, "method_not_allowed"),
            ("HTTP/2.0 request line", "GET /health HTTP/2.0\r\nHost: t\r\n\r\n", 505, "http_version_not_supported"),
            ("1 MB path", "GET /\(huge) HTTP/1.1\r\nHost: t\r\n\r\n", 431, "request_too_large"),
            ("1 MB header", "GET /health HTTP/1.1\r\nHost: t\r\nX-Big: \(huge)\r\n\r\n", 431, "request_too_large"),
            ("10,000 headers", "GET /health HTTP/1.1\r\nHost: t\r\n\(manyHeaders)\r\n", 431, "request_too_large"),
            ("control byte in a header", "GET /health HTTP/1.1\r\nHost: t\r\nX-A: a\u{1}b\r\n\r\n", 400, "bad_request"),
            (
                "Content-Length and Transfer-Encoding",
                "GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                400,
                "bad_request"
            ),
        ]
        try await withLiveBackend { backend in
            for (what, request, status, code) in cases {
                let connection = try await RawConnection.open(backend.baseURL)
                try? await connection.send(request)
                try await expectJSONError(connection, status: status, code: code, what)
                if status == 405 {
                    #expect(RawConnection.answer(in: connection.received)?.headers["allow"] == "GET, HEAD", "\(what)")
                }
                await connection.close()
            }
            #expect(try await probe(backend) == 200)
        }
    }

    @Test("an answer after a valid request and before a malformed one on the same connection comes first")
    func malformedAfterValid() async throws {
        try await withLiveBackend { backend in
            let connection = try await RawConnection.open(backend.baseURL)
            try await connection.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\nFOO / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await connection.waitUntilClosed(timeout: .seconds(10)))
            let text = String(decoding: connection.received, as: UTF8.self)
            let statuses = text.matches(of: #/HTTP\/1\.1 (\d{3}) /#).map { String($0.output.1) }
            #expect(statuses == ["200", "405"], "\(text)")
        }
    }

    @Test("HTTP/1.0 and Connection: close are answered with Connection: close, then the server closes")
    func closingRequests() async throws {
        try await withLiveBackend { backend in
            for request in [
                "GET /health HTTP/1.0\r\n\r\n", "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                "GET /api/v1/reference/units HTTP/1.0\r\n\r\n",
            ] {
                let connection = try await RawConnection.open(backend.baseURL)
                try await connection.send(request)
                let answer = try await connection.waitForAnswer()
                #expect(
                    answer?.status == 200,
                    "\(request): \(String(decoding: connection.received.prefix(300), as: UTF8.self)) closed: \(connection.closedByServer)"
                )
                #expect(answer?.headers["connection"]?.lowercased() == "close", "\(request)")
                #expect(try await connection.waitUntilClosed(timeout: .seconds(10)), "\(request): still open")
                await connection.close()
            }
            // HTTP/1.0 asking for keep-alive keeps it.
            let kept = try await RawConnection.open(backend.baseURL)
            try await kept.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await kept.waitForAnswer()?.status == 200)
            try await Task.sleep(for: .milliseconds(300))
            #expect(!kept.closedByServer)
            await kept.close()
        }
    }
}
