import Foundation
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders
import TestSupport
import Testing

@Suite("Remote provider and warm cache", .integration)
struct RemoteProviderTests {
    let logger = TestDatabases.logger

    func cacheDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("remote-cache-\(UUID().uuidString.prefix(8))")
    }

    @Test("serves the API's tables, typed; a second call revalidates with a 304 and downloads nothing")
    func revalidation() async throws {
        try await withLiveBackend { backend in
            let cache = FileReferenceCacheStore(directory: cacheDirectory())
            let provider = RemotePostgresProvider(baseURL: backend.baseURL, cache: cache, timeout: 60, logger: logger)
            let first = try await provider.getBootstrap()
            #expect(first.referenceVersion == backend.seed.referenceVersion)
            #expect(first.schemaVersion == Migration.latestVersion)
            #expect(first.tables.count == 20)
            let second = try await provider.getBootstrap()
            #expect(second == first)
            #expect(provider.statistics.requests == 2)
            #expect(provider.statistics.downloads == 1)
            #expect(provider.statistics.notModified == 1)

            // A new app start (a new provider) with the warm cache: no download either.
            let restarted = RemotePostgresProvider(baseURL: backend.baseURL, cache: cache, timeout: 60, logger: logger)
            #expect(try await restarted.getBootstrap() == first)
            #expect(restarted.statistics.downloads == 0 && restarted.statistics.notModified == 1)
        }
    }

    @Test("a version change triggers exactly one download")
    func versionChange() async throws {
        try await withLiveBackend { backend in
            let provider = RemotePostgresProvider(
                baseURL: backend.baseURL, cache: FileReferenceCacheStore(directory: cacheDirectory()), timeout: 60,
                logger: logger)
            let before = try await provider.getBootstrap()
            try await backend.databaseURL.withConnection(logger: logger) { connection in
                try await connection.execute(
                    "UPDATE force_types SET name = 'Pulling' WHERE force_key = 'pull'", logger: logger)
            }
            let after = try await provider.getBootstrap()
            let again = try await provider.getBootstrap()
            #expect(after.referenceVersion != before.referenceVersion)
            #expect(again == after)
            #expect(provider.statistics.downloads == 2)
            #expect(provider.statistics.notModified == 1)
            let forceTypes = ReferenceCatalog.table(named: "force_types")!
            #expect(after.tables["force_types"]?.rows.contains { $0["name", in: forceTypes] == "Pulling" } == true)
        }
    }

    @Test("offline: the cached copy is used only with allowStaleCache; without a cache it is a typed error")
    func offline() async throws {
        try await withLiveBackend { backend in
            let cache = FileReferenceCacheStore(directory: cacheDirectory())
            let online = try await RemotePostgresProvider(
                baseURL: backend.baseURL, cache: cache, timeout: 60, logger: logger
            )
            .getBootstrap()
            await backend.stop()

            let offline = RemotePostgresProvider(baseURL: backend.baseURL, cache: cache, timeout: 2, logger: logger)
            let stale = try await offline.getBootstrap(options: BootstrapOptions(allowStaleCache: true))
            #expect(stale == online)
            #expect(offline.statistics.staleCacheUses == 1)
            let refused = await #expect(throws: ReferenceProviderError.self) {
                try await offline.getBootstrap(options: BootstrapOptions(allowStaleCache: false))
            }
            guard case .backendUnreachable(_, _, let cachedCopyAvailable)? = refused else {
                Issue.record("expected backendUnreachable, got \(String(describing: refused))")
                return
            }
            #expect(cachedCopyAvailable)

            let firstLaunch = RemotePostgresProvider(
                baseURL: backend.baseURL, cache: FileReferenceCacheStore(directory: cacheDirectory()), timeout: 2,
                logger: logger)
            let error = await #expect(throws: ReferenceProviderError.self) {
                try await firstLaunch.getBootstrap(options: BootstrapOptions(allowStaleCache: true))
            }
            guard case .backendUnreachable(_, _, let available)? = error else {
                Issue.record("expected backendUnreachable, got \(String(describing: error))")
                return
            }
            #expect(!available)
        }
    }

    @Test("a corrupt cache entry is discarded, never trusted", arguments: ["garbage", "truncated", "other-catalog"])
    func corruptCache(kind: String) async throws {
        try await withLiveBackend { backend in
            let directory = cacheDirectory()
            let cache = FileReferenceCacheStore(directory: directory)
            _ = try await RemotePostgresProvider(baseURL: backend.baseURL, cache: cache, timeout: 60, logger: logger)
                .getBootstrap()
            let entry = try #require(try cache.read("bootstrap"))
            switch kind {
            case "garbage": try cache.write("bootstrap", Data("not a cache entry".utf8))
            case "truncated": try cache.write("bootstrap", entry.prefix(entry.count / 2))
            default:
                let text = String(decoding: entry, as: UTF8.self).replacingOccurrences(
                    of: "\"catalog\":\"", with: "\"catalog\":\"x")
                try cache.write("bootstrap", Data(text.utf8))
            }
            let provider = RemotePostgresProvider(baseURL: backend.baseURL, cache: cache, timeout: 60, logger: logger)
            let bootstrap = try await provider.getBootstrap()
            #expect(bootstrap.tables.count == 20)
            #expect(provider.statistics.discardedCacheEntries == 1)
            #expect(provider.statistics.downloads == 1)
            // Offline with only the damaged entry: nothing to fall back on.
            try cache.write("bootstrap", Data("garbage".utf8))
            await backend.stop()
            await #expect(throws: ReferenceProviderError.self) {
                try await RemotePostgresProvider(baseURL: backend.baseURL, cache: cache, timeout: 2, logger: logger)
                    .getBootstrap(options: BootstrapOptions(allowStaleCache: true))
            }
        }
    }

    @Test("the request timeout is configurable: a backend that never answers fails fast")
    func timeout() async throws {
        let listener = try SilentListener()
        let provider = RemotePostgresProvider(baseURL: listener.url, cache: nil, timeout: 0.5, logger: logger)
        let started = ContinuousClock.now
        await #expect(throws: ReferenceProviderError.self) { try await provider.getBootstrap() }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}

@Suite("Provider factory and flag", .integration)
struct FactoryTests {
    @Test("USE_BACKEND_REFERENCE defaults to OFF; only true/1/yes/on turn it on")
    func flag() throws {
        #expect(try !ReferenceProviderConfiguration.fromEnvironment([:]).useBackendReference)
        for value in ["true", "1", "YES", "on"] {
            #expect(
                try ReferenceProviderConfiguration.fromEnvironment(["USE_BACKEND_REFERENCE": value]).useBackendReference
            )
        }
        for value in ["false", "0", "", "maybe"] {
            #expect(
                try !ReferenceProviderConfiguration.fromEnvironment(["USE_BACKEND_REFERENCE": value])
                    .useBackendReference)
        }
    }

    @Test("flag OFF: the local provider, and not a single connection to the backend")
    func flagOffMakesNoRequest() async throws {
        let listener = try SilentListener()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "factory-\(UUID().uuidString.prefix(8))")
        let configuration = try ReferenceProviderConfiguration.fromEnvironment([
            "REFERENCE_BACKEND_URL": listener.url.absoluteString,
            "REFERENCE_DATA_DIR": ReferenceDataLocation.projectDirectory.path,
            "REFERENCE_SQLITE_PATH": directory.appendingPathComponent("local.sqlite").path,
            "REFERENCE_CACHE_DIR": directory.appendingPathComponent("cache").path,
        ])
        let provider = createReferenceProvider(config: configuration)
        #expect(provider is LocalJsonSqliteProvider)
        let bootstrap = try await provider.getBootstrap()
        #expect(bootstrap.tables["exercises"]?.rows.count == 873)
        #expect(listener.acceptedConnections() == 0)
    }

    @Test("flag ON: the remote provider, talking to the configured backend")
    func flagOn() async throws {
        let listener = try SilentListener()
        let configuration = try ReferenceProviderConfiguration.fromEnvironment([
            "USE_BACKEND_REFERENCE": "true", "REFERENCE_BACKEND_URL": listener.url.absoluteString,
            "REFERENCE_CACHE_DIR": "off",
            "REFERENCE_HTTP_TIMEOUT": "0.5",
        ])
        let provider = createReferenceProvider(config: configuration)
        #expect(provider is RemotePostgresProvider)
        await #expect(throws: ReferenceProviderError.self) { try await provider.getBootstrap() }
        #expect(listener.acceptedConnections() == 1)
    }
}
