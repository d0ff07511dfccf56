import Foundation
import Logging
import ReferenceCatalog
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The backend provider: fetches the bootstrap over HTTP with URLSession, as the app does, behind a warm
/// cache.
///
/// * With a cached copy it revalidates with `If-None-Match`: a 304 costs no download.
/// * When the backend cannot be reached, `allowStaleCache` decides whether the cached copy may be used;
///   without a cache that is a typed error (``ReferenceProviderError/backendUnreachable(url:reason:cachedCopyAvailable:)``).
/// * A cache entry that is damaged or from another catalog is discarded.
/// * Every document is checked against the catalog before it is used or cached (``BootstrapValidation``):
///   one that fails is a typed ``ReferenceProviderError/invalidDocument(url:problems:)``, the cached copy
///   stays as it was, and with `allowStaleCache` the app keeps working on it. (`validatesDocuments: false`
///   is for the parity runner, which must see raw values so that type drift shows as differences.)
public final class RemotePostgresProvider: ReferenceDataProvider, Sendable {
    public struct Statistics: Sendable, Hashable {
        /// HTTP requests sent.
        public var requests = 0
        /// 200 responses whose body was downloaded.
        public var downloads = 0
        /// 304 responses.
        public var notModified = 0
        /// Bootstraps served from the cache because the backend was unreachable.
        public var staleCacheUses = 0
        /// Cache entries thrown away as damaged or incompatible.
        public var discardedCacheEntries = 0
    }

    public let baseURL: URL
    public let validatesDocuments: Bool
    private let cache: (any ReferenceCacheStore)?
    private let session: URLSession
    private let logger: Logger
    private let counters = Mutex(Statistics())
    private static let cacheKey = "bootstrap"

    /// - Parameters:
    ///   - baseURL: the backend, e.g. `http://127.0.0.1:8080`.
    ///   - cache: the warm cache; `nil` for none (every call downloads).
    ///   - timeout: seconds for one request (connect and response).
    public init(
        baseURL: URL, cache: (any ReferenceCacheStore)?, timeout: TimeInterval = 10, validatesDocuments: Bool = true,
        logger: Logger = Logger(label: "reference.remote")
    ) {
        self.baseURL = baseURL
        self.validatesDocuments = validatesDocuments
        self.cache = cache
        self.logger = logger
        self.session = URLSession.uncached(request: timeout, resource: timeout * 3)
    }

    public var statistics: Statistics { counters.withLock { $0 } }

    public func getBootstrap(options: BootstrapOptions) async throws -> ReferenceBootstrap {
        let cached = loadCache()
        let (url, plain) = bootstrapRequest()
        var request = plain
        if let etag = cached?.0.etag { request.setValue(etag, forHTTPHeaderField: "If-None-Match") }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.boundedData(for: request)
        } catch {
            if options.allowStaleCache, let cached {
                counters.withLock { $0.staleCacheUses += 1 }
                logger.notice(
                    "backend unreachable; serving the cached bootstrap",
                    metadata: ["remote.error": "\(error.localizedDescription)"])
                return cached.1
            }
            throw ReferenceProviderError.backendUnreachable(
                url: url.absoluteString, reason: error.localizedDescription, cachedCopyAvailable: cached != nil)
        }
        guard let http = response as? HTTPURLResponse else {
            throw ReferenceProviderError.badResponse(url: url.absoluteString, reason: "not an HTTP response")
        }
        switch http.statusCode {
        case 304:
            counters.withLock { $0.notModified += 1 }
            guard let cached else {
                throw ReferenceProviderError.badResponse(url: url.absoluteString, reason: "304 without a cached copy")
            }
            return cached.1
        case 200:
            counters.withLock { $0.downloads += 1 }
            let bootstrap: ReferenceBootstrap
            do {
                if validatesDocuments {
                    let json = try JSONParser.parse(data)
                    let problems = BootstrapValidation.problems(of: json, origin: "bootstrap")
                    if !problems.isEmpty {
                        throw ReferenceProviderError.invalidDocument(url: url.absoluteString, problems: problems)
                    }
                    bootstrap = try ReferenceBootstrap(json: json)
                } else {
                    // Nothing to check as a whole: rows are decoded as they are read, without the document's tree.
                    bootstrap = try BootstrapReader.read(data)
                }
            } catch {
                let typed =
                    error as? ReferenceProviderError
                    ?? .badResponse(url: url.absoluteString, reason: "the body is not a bootstrap document: \(error)")
                if options.allowStaleCache, let cached {
                    counters.withLock { $0.staleCacheUses += 1 }
                    logger.warning(
                        "the backend sent an unusable bootstrap; serving the cached one",
                        metadata: ["remote.error": "\(typed)"])
                    return cached.1
                }
                throw typed
            }
            storeCache(CachedBootstrap(etag: http.value(forHTTPHeaderField: "ETag"), body: data))
            return bootstrap
        default:
            let reason = "HTTP \(http.statusCode): \(String(decoding: data.prefix(300), as: UTF8.self))"
            if http.statusCode >= 500, options.allowStaleCache, let cached {
                counters.withLock { $0.staleCacheUses += 1 }
                return cached.1
            }
            if http.statusCode >= 500 {
                throw ReferenceProviderError.backendUnreachable(
                    url: url.absoluteString, reason: reason, cachedCopyAvailable: cached != nil)
            }
            throw ReferenceProviderError.badResponse(url: url.absoluteString, reason: reason)
        }
    }

    /// The bootstrap document as the backend sent it with a 200: not decoded, checked or cached, for a caller
    /// that reads it table by table with ``BootstrapTables`` (the parity run, on documents of hundreds of
    /// megabytes, so that only one table is decoded at a time). Errors as for ``getBootstrap(options:)``
    /// without a cache. `compressed: false` asks for the body as is (`Accept-Encoding: identity`).
    public func downloadBootstrap(compressed: Bool = true) async throws -> Data {
        let (url, plain) = bootstrapRequest()
        var request = plain
        // URLSession asks for gzip on its own; over loopback compressing costs more than it saves (0.9 s for a
        // 345 MB document the server compresses on first request).
        if !compressed { request.setValue("identity", forHTTPHeaderField: "Accept-Encoding") }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.boundedData(for: request)
        } catch {
            throw ReferenceProviderError.backendUnreachable(
                url: url.absoluteString, reason: error.localizedDescription, cachedCopyAvailable: false)
        }
        guard let http = response as? HTTPURLResponse else {
            throw ReferenceProviderError.badResponse(url: url.absoluteString, reason: "not an HTTP response")
        }
        guard http.statusCode == 200 else {
            let reason = "HTTP \(http.statusCode): \(String(decoding: data.prefix(300), as: UTF8.self))"
            if http.statusCode >= 500 {
                throw ReferenceProviderError.backendUnreachable(
                    url: url.absoluteString, reason: reason, cachedCopyAvailable: false)
            }
            throw ReferenceProviderError.badResponse(url: url.absoluteString, reason: reason)
        }
        counters.withLock { $0.downloads += 1 }
        return data
    }

    /// The bootstrap's URL and a request for it, counted as sent.
    private func bootstrapRequest() -> (URL, URLRequest) {
        let url = baseURL.appendingPathComponent("api/v1/reference/bootstrap")
        var request = URLRequest(url: url)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        counters.withLock { $0.requests += 1 }
        return (url, request)
    }

    private func loadCache() -> (CachedBootstrap, ReferenceBootstrap)? {
        guard let cache else { return nil }
        guard let data = try? cache.read(Self.cacheKey) else { return nil }
        if let decoded = CachedBootstrap.decode(data) { return decoded }
        counters.withLock { $0.discardedCacheEntries += 1 }
        logger.warning("discarding a damaged or incompatible cached bootstrap")
        try? cache.remove(Self.cacheKey)
        return nil
    }

    private func storeCache(_ entry: CachedBootstrap) {
        guard let cache else { return }
        do {
            try cache.write(Self.cacheKey, entry.encoded())
        } catch {
            logger.warning("cannot write the bootstrap cache", metadata: ["remote.error": "\(error)"])
        }
    }
}
