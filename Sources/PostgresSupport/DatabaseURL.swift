import NIOSSL
import PostgresNIO

/// Where and how to connect to PostgreSQL, parsed from a `postgres://` or `postgresql://` URL.
///
/// TCP: `postgresql://user:password@host:5432/database?sslmode=disable`.
/// Unix socket: `postgresql://user@/database?host=/run/postgresql` or a percent-encoded socket directory as
/// host (`postgresql://user@%2Frun%2Fpostgresql/database`); the socket file is `<dir>/.s.PGSQL.<port>`.
/// `sslmode` is `disable`, `prefer` (default for TCP) or `require`. The password never appears in
/// ``description``.
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    public enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        case unixSocket(directory: String, port: Int)
    }

    public enum SSLMode: String, Sendable, Hashable {
        case disable, prefer, require
    }

    public var endpoint: Endpoint
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode

    public init(
        endpoint: Endpoint, username: String, password: String? = nil, database: String, sslMode: SSLMode = .disable
    ) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    /// Parses `text`; throws ``DatabaseURLError`` saying what is wrong, with the password redacted.
    public init(parsing text: String) throws(DatabaseURLError) {
        let redacted = DatabaseURL.redact(text)
        func fail(_ reason: String) -> DatabaseURLError { DatabaseURLError(url: redacted, reason: reason) }

        guard let schemeEnd = text.range(of: "://") else {
            throw fail("expected postgresql://[user[:password]@][host][:port]/database")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw fail("unsupported scheme '\(scheme)', expected postgresql:// or postgres://")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query: [String: String] = [:]
        if let questionMark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: questionMark)...].split(separator: "&") where !pair.isEmpty {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let key = Self.percentDecode(parts[0]), let value = Self.percentDecode(parts[1])
                else { throw fail("malformed query parameter '\(pair)'") }
                query[key] = value
            }
            rest = rest[..<questionMark]
        }
        let authority: Substring
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        } else {
            authority = rest
        }
        var hostPort = authority
        var user: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = Self.percentDecode(userInfo[..<colon])
                password = Self.percentDecode(userInfo[userInfo.index(after: colon)...])
                guard password != nil else { throw fail("malformed percent-encoding in the password") }
            } else {
                user = Self.percentDecode(userInfo)
            }
            guard user != nil else { throw fail("malformed percent-encoding in the user name") }
        }
        var host = ""
        var port = 5432
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw fail("unterminated IPv6 address") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else {
                    throw fail("port must be a number from 1 to 65535")
                }
                port = value
            } else if !after.isEmpty {
                throw fail("unexpected text after the IPv6 address")
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            guard let decoded = Self.percentDecode(hostPort[..<colon]) else { throw fail("malformed host") }
            host = decoded
            guard let value = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(value) else {
                throw fail("port must be a number from 1 to 65535")
            }
            port = value
        } else {
            guard let decoded = Self.percentDecode(hostPort) else { throw fail("malformed host") }
            host = decoded
        }
        if let portParameter = query["port"] {
            guard let value = Int(portParameter), (1...65535).contains(value) else {
                throw fail("port must be a number from 1 to 65535")
            }
            port = value
        }
        if let hostParameter = query["host"] { host = hostParameter }
        guard let database = Self.percentDecode(path), !database.isEmpty else {
            throw fail("no database name: add /DATABASE after the host")
        }
        guard !database.contains("/") else { throw fail("database name must not contain '/'") }
        let sslMode: SSLMode
        if let mode = query["sslmode"] {
            guard let parsed = SSLMode(rawValue: mode) else {
                throw fail("sslmode '\(mode)' is not supported; use disable, prefer or require")
            }
            sslMode = parsed
        } else {
            sslMode = host.hasPrefix("/") ? .disable : .prefer
        }
        if let user = query["user"] { self.username = user } else { self.username = user ?? "postgres" }
        if let passwordParameter = query["password"] { password = passwordParameter }
        if host.isEmpty {
            throw fail("no host: give host:port, or a unix socket directory with ?host=/path")
        }
        self.endpoint = host.hasPrefix("/") ? .unixSocket(directory: host, port: port) : .tcp(host: host, port: port)
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    /// The URL with the password replaced by `****`, safe for logs and messages.
    public var description: String {
        let credentials = password == nil ? username : "\(username):****"
        switch endpoint {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "postgresql://\(credentials)@\(shownHost):\(port)/\(database)"
        case .unixSocket(let directory, let port):
            return "postgresql://\(credentials)@/\(database)?host=\(directory)&port=\(port)"
        }
    }

    /// The same server and credentials, another database.
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    public var connectionConfiguration: PostgresConnection.Configuration {
        get throws {
            switch endpoint {
            case .unixSocket(let directory, let port):
                return .init(
                    unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: username, password: password,
                    database: database)
            case .tcp(let host, let port):
                return .init(
                    host: host, port: port, username: username, password: password, database: database, tls: try tls)
            }
        }
    }

    public var clientConfiguration: PostgresClient.Configuration {
        get throws {
            switch endpoint {
            case .unixSocket(let directory, let port):
                return .init(
                    unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: username, password: password,
                    database: database)
            case .tcp(let host, let port):
                let tls: PostgresClient.Configuration.TLS
                switch sslMode {
                case .disable: tls = .disable
                case .prefer: tls = .prefer(TLSConfiguration.makeClientConfiguration())
                case .require: tls = .require(TLSConfiguration.makeClientConfiguration())
                }
                return .init(
                    host: host, port: port, username: username, password: password, database: database, tls: tls)
            }
        }
    }

    private var tls: PostgresConnection.Configuration.TLS {
        get throws {
            switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        }
    }

    /// Replaces the password of a URL-shaped string with `****` without parsing it fully.
    public static func redact(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return text }
        let afterScheme = text[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        var result = text
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            result.replaceSubrange(authority.index(after: colon)..<at, with: "****")
        }
        if let range = result.range(of: "password=") {
            let end = result[range.upperBound...].firstIndex(of: "&") ?? result.endIndex
            result.replaceSubrange(range.upperBound..<end, with: "****")
        }
        return result
    }

    private static func percentDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// A database URL that cannot be used, with the reason; the URL is shown with its password redacted.
public struct DatabaseURLError: Error, Sendable, CustomStringConvertible {
    public let url: String
    public let reason: String
    public var description: String { "invalid database URL '\(url)': \(reason)" }
}
