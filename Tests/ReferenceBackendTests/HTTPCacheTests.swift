import Foundation
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders
import TestSupport
import Testing

/// A real nginx cache in front of the API (issue 26, items 2 and 3), configured from the project's own
/// template (`deploy/nginx/reference-cache.conf.template`, what `docker-compose.yml` runs).
@Suite("HTTP cache in front of the API", .integration)
struct HTTPCacheTests {
    static let bootstrap = "/api/v1/reference/bootstrap"

    @Test("through the cache: stored and revalidated, /version and bootstrap agree, a re-seed shows within the bound")
    func revalidates() async throws {
        try await withLiveBackend { backend in
            let cache = try await NginxCache.start(upstream: backend.baseURL, freshFor: "1s")
            do {
                let direct = try await HTTP.request(backend.url(Self.bootstrap))
                let first = try await HTTP.request(cache.url(Self.bootstrap))
                let second = try await HTTP.request(cache.url(Self.bootstrap))
                #expect(first.body == direct.body, "the cache changed the document")
                #expect(second.body == first.body)
                #expect(second.header("X-Cache-Status") == "HIT", "\(second.headers)")
                #expect(second.header("ETag") == direct.header("ETag"))
                // Past its freshness, a revalidation (If-None-Match to the API, a 304) keeps the stored copy.
                try await Task.sleep(for: .milliseconds(2200))  // nginx counts freshness in whole seconds
                let revalidated = try await HTTP.request(cache.url(Self.bootstrap))
                #expect(revalidated.header("X-Cache-Status") == "REVALIDATED", "\(revalidated.headers)")
                #expect(revalidated.body == first.body)
                let version = try JSONParser.parse(try await HTTP.request(cache.url("/api/v1/reference/version")).body)
                #expect(version["referenceVersion"] == (try JSONParser.parse(first.body))["referenceVersion"])
                // /metrics and /health are never stored.
                _ = try await HTTP.request(cache.url("/metrics"))
                #expect(try await HTTP.request(cache.url("/metrics")).header("X-Cache-Status") == nil)

                try await ParityHarness.plant(
                    ["UPDATE units SET name = 'kilogramme' WHERE unit_key = 'kg'"], in: backend)
                let newVersion = try JSONParser.parse(
                    try await HTTP.request(backend.url("/api/v1/reference/version")).body)["referenceVersion"]
                var seen: JSONValue?
                for _ in 0..<60 {
                    let document = try JSONParser.parse(try await HTTP.request(cache.url(Self.bootstrap)).body)
                    seen = document["referenceVersion"]
                    if seen == newVersion {
                        let fresh = try JSONParser.parse(try await HTTP.request(backend.url(Self.bootstrap)).body)
                        #expect(document["tables"] == fresh["tables"], "a new version with other rows")
                        break
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(seen == newVersion, "the cache still served \(seen ?? .null) after 6 s")
            } catch {
                await cache.stop()
                throw error
            }
            await cache.stop()
        }
    }

    @Test("with the API down the cache serves its last copy, and the app's warm cache serves offline")
    func apiDown() async throws {
        let (url, _) = try await TestDatabases.seeded(try SourceFixture.small(), prefix: "cache-down")
        let api = try await RunningAPI.start(databaseURL: url, logger: TestDatabases.logger)
        let cache = try await NginxCache.start(upstream: api.baseURL, freshFor: "1s")
        let appCache = FileManager.default.temporaryDirectory.appendingPathComponent(
            "app-cache-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: appCache) }
        do {
            let provider = RemotePostgresProvider(
                baseURL: cache.url, cache: FileReferenceCacheStore(directory: appCache), timeout: 10)
            let warm = try await provider.getBootstrap()
            let stored = try await HTTP.request(cache.url(Self.bootstrap))
            await api.stop()
            try await Task.sleep(for: .milliseconds(2200))  // nginx counts freshness in whole seconds
            let stale = try await HTTP.request(cache.url(Self.bootstrap))
            #expect(stale.status == 200)
            #expect(stale.header("X-Cache-Status") == "STALE", "\(stale.headers)")
            #expect(stale.body == stored.body)
            await cache.stop()
            let offline = try await provider.getBootstrap(options: BootstrapOptions(allowStaleCache: true))
            #expect(offline.referenceVersion == warm.referenceVersion)
            #expect(offline.tables == warm.tables)
        } catch {
            await cache.stop()
            await api.stop()
            try? await TestDatabases.drop(url)
            throw error
        }
        try? await TestDatabases.drop(url)
    }
}
