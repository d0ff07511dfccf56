import Foundation
import Logging
import ReferenceCatalog

/// Which provider the app uses, and how it is set up. Every key can come from the environment.
public struct ReferenceProviderConfiguration: Sendable {
    /// `USE_BACKEND_REFERENCE`: `true`/`1`/`yes`/`on` selects the backend; anything else (default) keeps
    /// the local JSON/SQLite path, which never touches the network.
    public var useBackendReference: Bool
    /// `REFERENCE_BACKEND_URL`, default `http://127.0.0.1:8080`.
    public var backendURL: URL
    /// `REFERENCE_DATA_DIR`, default the project's `ReferenceData/`.
    public var sourceDirectory: URL
    /// `REFERENCE_SQLITE_PATH`, default `<caches>/reference-parity/reference.sqlite`.
    public var sqlitePath: String
    /// `REFERENCE_CACHE_DIR`, default `<caches>/reference-parity/remote-cache`; `off` for no cache.
    public var cacheDirectory: URL?
    /// `REFERENCE_HTTP_TIMEOUT` in seconds, default 10.
    public var timeout: TimeInterval

    public init(
        useBackendReference: Bool = false, backendURL: URL = URL(string: "http://127.0.0.1:8080")!,
        sourceDirectory: URL = ReferenceDataLocation.defaultDirectory(),
        sqlitePath: String = Self.defaultCacheRoot + "/reference.sqlite",
        cacheDirectory: URL? = URL(fileURLWithPath: Self.defaultCacheRoot + "/remote-cache"), timeout: TimeInterval = 10
    ) {
        self.useBackendReference = useBackendReference
        self.backendURL = backendURL
        self.sourceDirectory = sourceDirectory
        self.sqlitePath = sqlitePath
        self.cacheDirectory = cacheDirectory
        self.timeout = timeout
    }

    public static var defaultCacheRoot: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache"
        return base + "/reference-parity"
    }

    /// Reads every key from `environment`, with the defaults above.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Self {
        var configuration = Self()
        configuration.useBackendReference = ["1", "true", "yes", "on"].contains(
            (environment["USE_BACKEND_REFERENCE"] ?? "").lowercased())
        if let url = environment["REFERENCE_BACKEND_URL"].flatMap(URL.init(string:)) { configuration.backendURL = url }
        configuration.sourceDirectory = ReferenceDataLocation.defaultDirectory(environment: environment)
        if let path = environment["REFERENCE_SQLITE_PATH"], !path.isEmpty { configuration.sqlitePath = path }
        if let cache = environment["REFERENCE_CACHE_DIR"], !cache.isEmpty {
            configuration.cacheDirectory = cache == "off" ? nil : URL(fileURLWithPath: cache)
        }
        if let timeout = environment["REFERENCE_HTTP_TIMEOUT"].flatMap(TimeInterval.init) {
            configuration.timeout = timeout
        }
        return configuration
    }
}

/// The factory: the flag picks the provider. With the flag OFF nothing touches the network.
public func createReferenceProvider(
    config: ReferenceProviderConfiguration, logger: Logger = Logger(label: "reference.provider")
)
    -> any ReferenceDataProvider
{
    if config.useBackendReference {
        return RemotePostgresProvider(
            baseURL: config.backendURL, cache: config.cacheDirectory.map(FileReferenceCacheStore.init(directory:)),
            timeout: config.timeout, logger: logger)
    }
    return LocalJsonSqliteProvider(
        sourceDirectory: config.sourceDirectory, databasePath: config.sqlitePath, logger: logger)
}
