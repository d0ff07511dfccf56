import Foundation
import Logging
import ReferenceCatalog
import Settings

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
    /// `REFERENCE_SHADOW_RATE`, 0 to 1, default 0: with the flag OFF, the share of reads that also compare the
    /// backend's bootstrap with the local answer in the background (``ShadowReferenceProvider``).
    public var shadowRate: Double

    public init(
        useBackendReference: Bool = false, backendURL: URL = URL(string: "http://127.0.0.1:8080")!,
        sourceDirectory: URL = ReferenceDataLocation.defaultDirectory(),
        sqlitePath: String = Self.defaultCacheRoot + "/reference.sqlite",
        cacheDirectory: URL? = URL(fileURLWithPath: Self.defaultCacheRoot + "/remote-cache"),
        timeout: TimeInterval = 10,
        shadowRate: Double = 0
    ) {
        self.shadowRate = shadowRate
        self.useBackendReference = useBackendReference
        self.backendURL = backendURL
        self.sourceDirectory = sourceDirectory
        self.sqlitePath = sqlitePath
        self.cacheDirectory = cacheDirectory
        self.timeout = timeout
    }

    public static var defaultCacheRoot: String {
        (Settings().text(.xdgCacheHome) ?? NSHomeDirectory() + "/.cache") + "/reference-parity"
    }

    /// Reads every key from `environment`, with the defaults above. The flag is fail-safe: anything but
    /// `true`/`1`/`yes`/`on` keeps the local path. A backend URL that is not an http(s) URL, or a timeout that
    /// is not a positive number of seconds, is a ``SettingError`` naming the key.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SettingError) -> Self {
        let settings = Settings(environment: environment)
        var configuration = Self()
        configuration.useBackendReference = ["1", "true", "yes", "on"].contains(
            (settings.text(.useBackendReference) ?? "").lowercased())
        if let url = try settings.httpURL(.backendURL) { configuration.backendURL = url }
        configuration.sourceDirectory = ReferenceDataLocation.defaultDirectory(environment: environment)
        if let path = settings.text(.sqlitePath) { configuration.sqlitePath = path }
        if let cache = settings.text(.remoteCacheDirectory) {
            configuration.cacheDirectory = cache == "off" ? nil : URL(fileURLWithPath: cache)
        }
        if let timeout = try settings.seconds(.httpTimeout) { configuration.timeout = timeout }
        if let rate = try settings.share(.shadowRate) { configuration.shadowRate = rate }
        return configuration
    }
}

/// The factory: the flag picks the provider. With the flag OFF nothing touches the network, unless a shadow
/// rate is set: then the local provider still answers, and that share of reads compares the backend's
/// bootstrap with it in the background (``ShadowReferenceProvider``; its figures go to `shadowReporter`, by
/// default swift-metrics' global factory).
public func createReferenceProvider(
    config: ReferenceProviderConfiguration, logger: Logger = Logger(label: "reference.provider"),
    shadowReporter: ShadowReporter? = nil
)
    -> any ReferenceDataProvider
{
    if config.useBackendReference {
        return RemotePostgresProvider(
            baseURL: config.backendURL, cache: config.cacheDirectory.map(FileReferenceCacheStore.init(directory:)),
            timeout: config.timeout, logger: logger)
    }
    let local = LocalJsonSqliteProvider(
        sourceDirectory: config.sourceDirectory, databasePath: config.sqlitePath, logger: logger)
    guard config.shadowRate > 0 else { return local }
    return ShadowReferenceProvider(
        primary: local,
        candidate: RemotePostgresProvider(
            baseURL: config.backendURL, cache: nil, timeout: config.timeout, logger: logger),
        rate: config.shadowRate, reporter: shadowReporter ?? ShadowReporter(logger: logger))
}
