/// The name of an environment variable the project reads. Every key is declared here, once, with who reads
/// it and what it means; the README's configuration table lists the same keys with their defaults.
public struct SettingKey: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
}

extension SettingKey {
    // MARK: Both commands

    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`: the log level (default `info`,
    /// `parity-runner`: `warning`).
    public static let logLevel: SettingKey = "LOG_LEVEL"
    /// Set (to anything) to keep colour out of `parity-runner`'s terminal output.
    public static let noColor: SettingKey = "NO_COLOR"
    /// The bundled JSON directory (`--source`); default the project's `ReferenceData/`.
    public static let referenceDataDirectory: SettingKey = "REFERENCE_DATA_DIR"

    // MARK: reference-backend and the tests

    /// `postgresql://user:password@host:port/db` (or `?host=/socket/dir`): the backend's database; for the
    /// tests, a server to use instead of the throwaway cluster.
    public static let databaseURL: SettingKey = "DATABASE_URL"
    /// `serve`: the interface to listen on (default `127.0.0.1`).
    public static let apiHost: SettingKey = "REFERENCE_API_HOST"
    /// `serve`: the port, 0 to 65535 (default 8080; 0 = any free port).
    public static let apiPort: SettingKey = "REFERENCE_API_PORT"
    /// `serve`: the connection pool's size, 1 to 1000 (default 8).
    public static let apiDatabaseConnections: SettingKey = "REFERENCE_API_DB_CONNECTIONS"
    /// `serve`: seconds a request waits for the database before answering 503 (default 5).
    public static let apiDatabaseTimeout: SettingKey = "REFERENCE_API_DB_TIMEOUT"
    /// `serve`: seconds a connection with no request in progress stays open (default 30).
    public static let apiIdleTimeout: SettingKey = "REFERENCE_API_IDLE_TIMEOUT"
    /// `serve`: seconds a request may take to arrive whole after its first byte, else 408 (default 10).
    public static let apiRequestTimeout: SettingKey = "REFERENCE_API_REQUEST_TIMEOUT"
    /// `serve`: client connections open at once, 1 to 1,000,000 (default 1024).
    public static let apiMaximumClients: SettingKey = "REFERENCE_API_MAX_CLIENTS"

    // MARK: The app (ReferenceProviders)

    /// `true`/`1`/`yes`/`on` selects the backend provider; anything else keeps the local path (fail-safe).
    public static let useBackendReference: SettingKey = "USE_BACKEND_REFERENCE"
    /// The backend's base URL (default `http://127.0.0.1:8080`).
    public static let backendURL: SettingKey = "REFERENCE_BACKEND_URL"
    /// The local provider's SQLite file (default `<cache>/reference-parity/reference.sqlite`).
    public static let sqlitePath: SettingKey = "REFERENCE_SQLITE_PATH"
    /// The remote provider's warm cache directory, `off` for none (default `<cache>/reference-parity/remote-cache`).
    public static let remoteCacheDirectory: SettingKey = "REFERENCE_CACHE_DIR"
    /// Seconds per backend request (default 10).
    public static let httpTimeout: SettingKey = "REFERENCE_HTTP_TIMEOUT"
    /// With the flag OFF: the share of reads (0 to 1) that also fetch the backend's bootstrap in the background and
    /// compare it with the local answer (shadow mode; default 0, off).
    public static let shadowRate: SettingKey = "REFERENCE_SHADOW_RATE"

    // MARK: The throwaway cluster

    /// The directory of the PostgreSQL server binaries (default: PATH, `pg_config --bindir`, the newest
    /// `/usr/lib/postgresql/*/bin`).
    public static let postgresBinaries: SettingKey = "PG_BINDIR"
    /// The unprivileged user that owns the cluster when running as root (default `postgres`).
    public static let clusterUser: SettingKey = "REFERENCE_PG_USER"
    /// Where running clusters live (default `/dev/shm`, else `/tmp`).
    public static let clusterRunDirectory: SettingKey = "REFERENCE_PG_RUN_DIR"
    /// The cache of initialised clusters, `off` for none (default `$XDG_CACHE_HOME/reference-parity`, else
    /// `~/.cache/reference-parity`).
    public static let clusterCache: SettingKey = "REFERENCE_PG_CACHE"

    // MARK: The system's

    /// The base of per-user caches (XDG).
    public static let xdgCacheHome: SettingKey = "XDG_CACHE_HOME"
    /// Where programs are looked up.
    public static let path: SettingKey = "PATH"
}
