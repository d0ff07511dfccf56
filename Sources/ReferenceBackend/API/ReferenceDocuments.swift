import CompressNIO
import Foundation
import Logging
import NIOCore
import PostgresNIO
import PostgresSupport
import ReferenceCatalog
import Synchronization

/// A document's bytes for one version, and its gzip form, made on the first request that accepts gzip and
/// kept: compressing costs about as long as building (seconds for a million rows), and the clients of a
/// version may never ask for it. Two first requests at once may both compress; the first result is kept.
final class CachedDocument: Sendable {
    let plain: ByteBuffer
    let etag: String
    private let compressed = Mutex<ByteBuffer?>(nil)

    init(plain: ByteBuffer, etag: String) {
        self.plain = plain
        self.etag = etag
    }

    /// The gzip form when a request has made it already; nil otherwise (nothing is compressed here).
    var gzipIfMade: ByteBuffer? { compressed.withLock { $0 } }

    func gzip() throws -> ByteBuffer {
        if let done = compressed.withLock({ $0 }) { return done }
        var input = plain
        let made = try input.compress(with: .gzip(), allocator: ByteBufferAllocator())
        return compressed.withLock { stored in
            if let stored { return stored }
            stored = made
            return made
        }
    }
}

/// The API's documents, built once per reference version.
///
/// Every request first learns the current version from the `VersionGate` (one cheap query shared by
/// concurrent requests, never older than the request), so a change committed in the database shows on the
/// next request. When the version moved, the documents are rebuilt from one snapshot (single flight too) and
/// kept until the version moves again.
actor ReferenceDocuments {
    private let client: PostgresClient
    private let gate: VersionGate
    private let timeout: Duration
    /// The pool's size: a snapshot is read over two connections when it has two.
    private let connections: Int
    private let logger: Logger
    private let metrics: APIMetrics?
    private var mayUseReaderRole: Bool?

    private struct Built: Sendable {
        let version: VersionInfo
        let generatedAt: String
        let bootstrap: CachedDocument
        /// Where each table's rows array lies in the bootstrap's bytes: a table document is made from it on
        /// its first request (the bytes are not held twice for tables nobody asks for).
        let rowRanges: [String: Range<Int>]
        var tables: [String: CachedDocument] = [:]
    }
    private var built: Built? {
        didSet { publish() }
    }
    private var building: Task<Built, any Error>?

    /// `built`, for `DocumentFastPath` to serve on the event loop without a task or this actor: the bootstrap,
    /// and the table documents made so far.
    private nonisolated let published = Mutex<Built?>(nil)

    private func publish() {
        let now = built
        published.withLock { $0 = now }
    }

    /// The document `name` (`bootstrap` or a table) of `version` when it is built already, or nil.
    nonisolated func builtDocument(_ name: Substring, for version: VersionInfo) -> CachedDocument? {
        published.withLock { published -> CachedDocument? in
            guard let published, published.version == version else { return nil }
            return name == "bootstrap" ? published.bootstrap : published.tables[String(name)]
        }
    }

    init(
        client: PostgresClient, connections: Int, gate: VersionGate, timeout: Duration, metrics: APIMetrics?,
        logger: Logger
    ) {
        self.metrics = metrics
        self.client = client
        self.connections = connections
        self.gate = gate
        self.timeout = timeout
        self.logger = logger
    }

    /// Whether the connecting user may `SET ROLE reference_reader`; asked once, on first use.
    func readerRole() async throws -> Bool {
        if let mayUseReaderRole { return mayUseReaderRole }
        let (client, logger, metrics) = (client, logger, metrics)
        let member = try await withDatabaseDeadline(timeout) {
            try await client.withConnection(recordingWaitIn: metrics) { connection in
                let rows = try await connection.query(
                    "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = 'reference_reader'",
                    logger: logger)
                for try await member in rows.decode(Bool.self) { return member }
                return false
            }
        }
        if !member {
            logger.warning("the API user cannot take the role reference_reader; reading with its own privileges")
        }
        mayUseReaderRole = member
        return member
    }

    /// The current version, read by a query that started after this call.
    nonisolated func currentVersion() async throws -> VersionInfo {
        try await gate.current()
    }

    /// The bootstrap document for the current version.
    func bootstrap() async throws -> (CachedDocument, VersionInfo) {
        let built = try await documents(for: try await currentVersion())
        return (built.bootstrap, built.version)
    }

    /// One table's document for the current version.
    func table(_ name: String) async throws -> (CachedDocument, VersionInfo) {
        let built = try await documents(for: try await currentVersion())
        if let document = built.tables[name] { return (document, built.version) }
        guard let range = built.rowRanges[name] else { throw APIError.unknownTable(name) }
        var body = ByteBuffer(
            string: "{" + Self.header(built.version, generatedAt: built.generatedAt)
                + ",\"table\":\"\(name)\",\"rows\":")
        body.writeImmutableBuffer(built.bootstrap.plain.getSlice(at: range.lowerBound, length: range.count)!)
        body.writeStaticString("}")
        let document = Self.document(body, version: built.version)
        if self.built?.version == built.version { self.built?.tables[name] = document }
        return (document, built.version)
    }

    private func documents(for version: VersionInfo) async throws -> Built {
        while true {
            if let built, built.version == version { return built }
            guard let building else { break }
            let result = try await building.value
            if result.version == version || result.version.reference.sequence > version.reference.sequence {
                return result
            }
            // That build was for an older version: build this one, unless somebody already started another.
            if self.building == building { break }
        }
        // No suspension between the checks above and `building = task`: a request arriving meanwhile must find
        // this build (two builds at once gave one version two documents, and, each holding one pooled
        // connection while it waited for a second, could exhaust the pool until their deadline).
        let task = Task.detached { [client, logger, timeout, connections, metrics] in
            let readerRole = try await self.readerRole()
            let snapshot = try await withDatabaseDeadline(timeout * 6) {
                try await client.readSnapshot(
                    readerRole: readerRole, connections: connections, metrics: metrics, logger: logger)
            }
            return try Self.build(snapshot, logger: logger)
        }
        building = task
        defer { if building == task { building = nil } }
        let result = try await task.value
        // One document per version: a version already built keeps its bytes (and its ETag means them).
        if let built, built.version == result.version { return built }
        if built == nil || result.version.reference.sequence >= built!.version.reference.sequence
            || result.version.reference.content != built!.version.reference.content
        {
            built = result
        }
        return result
    }

    private static func build(_ snapshot: TableSnapshot, logger: Logger) throws -> Built {
        let started = ContinuousClock.now
        let header = Self.header(snapshot.version, generatedAt: snapshot.generatedAt)
        var bootstrap = ByteBuffer(string: "{" + header + ",\"tables\":{")
        var rowRanges: [String: Range<Int>] = [:]
        for (index, table) in snapshot.tables.enumerated() {
            if index > 0 { bootstrap.writeStaticString(",") }
            bootstrap.writeString("\"\(table.name)\":")
            let start = bootstrap.writerIndex
            bootstrap.writeImmutableBuffer(table.rowsJSON)
            rowRanges[table.name] = start..<bootstrap.writerIndex
        }
        bootstrap.writeStaticString("}}")
        let document = document(bootstrap, version: snapshot.version)
        logger.debug(
            "built reference documents",
            metadata: [
                "api.reference_version": "\(snapshot.version.reference.token)",
                "api.bootstrap_bytes": "\(document.plain.readableBytes)",
                "api.build_ms": "\((ContinuousClock.now - started).milliseconds)",
            ])
        return Built(
            version: snapshot.version, generatedAt: snapshot.generatedAt, bootstrap: document, rowRanges: rowRanges)
    }

    static func header(_ version: VersionInfo, generatedAt: String) -> String {
        "\"schemaVersion\":\(version.schemaVersion),\"referenceVersion\":\"\(version.reference.token)\",\"generatedAt\":\"\(generatedAt)\""
    }

    private static func document(_ plain: ByteBuffer, version: VersionInfo) -> CachedDocument {
        CachedDocument(plain: plain, etag: version.reference.token)
    }
}
