import Foundation
import ReferenceCatalog
import Synchronization
import ThrowawayPostgres

#if canImport(Glibc)
import Glibc
#endif

/// A real nginx on 127.0.0.1 caching in front of an API, configured from the project's own
/// `deploy/nginx/reference-cache.conf.template` (what `docker-compose.yml` runs), rendered as the nginx image
/// renders it. `ci/setup` installs nginx.
public final class NginxCache: Sendable {
    public let url: URL
    public let directory: String
    private let process: Mutex<Process?>

    private init(url: URL, directory: String, process: Process) {
        self.url = url
        self.directory = directory
        self.process = Mutex(process)
    }

    public func url(_ path: String) -> URL { URL(string: url.absoluteString + path)! }

    static func binary() throws -> String {
        let candidates = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestSupportError("nginx is not installed (ci/setup installs it)")
        }
        return found
    }

    /// Starts nginx with the template rendered for `upstream` (host:port), documents kept `freshFor`.
    public static func start(upstream: URL, freshFor: String = "1s") async throws -> NginxCache {
        let nginx = try binary()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nginx-cache-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory + "/cache", withIntermediateDirectories: true)
        // Workers run as nobody when the master is root.
        for path in [directory, directory + "/cache"] { chmod(path, 0o777) }
        let port = try SilentListener().port  // a free port, released when the listener goes
        let template = try String(
            contentsOf: ReferenceDataLocation.projectDirectory.deletingLastPathComponent()
                .appendingPathComponent("deploy/nginx/reference-cache.conf.template"), encoding: .utf8)
        let rendered =
            template
            .replacingOccurrences(of: "${CACHE_DIR}", with: directory + "/cache")
            .replacingOccurrences(of: "${CACHE_LISTEN}", with: "127.0.0.1:\(port)")
            .replacingOccurrences(
                of: "${REFERENCE_UPSTREAM}", with: "\(upstream.host ?? "127.0.0.1"):\(upstream.port ?? 80)"
            )
            .replacingOccurrences(of: "${CACHE_FRESH_FOR}", with: freshFor)
        let configuration = """
            daemon off;
            worker_processes 1;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log warn;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(directory)/client_body;
                proxy_temp_path \(directory)/proxy;
                fastcgi_temp_path \(directory)/fastcgi;
                uwsgi_temp_path \(directory)/uwsgi;
                scgi_temp_path \(directory)/scgi;
            \(rendered)
            }
            """
        try configuration.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-p", directory, "-c", directory + "/nginx.conf"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let cache = NginxCache(
            url: URL(string: "http://127.0.0.1:\(port)")!, directory: directory, process: process)
        for _ in 0..<200 {
            if let answer = try? await HTTP.request(cache.url("/health")), answer.status == 200 { return cache }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? ""
        await cache.stop()
        throw TestSupportError("nginx did not start in front of \(upstream): \(log)")
    }

    /// Stops nginx (fast shutdown) and removes its directory.
    public func stop() async {
        guard
            let running = process.withLock({ state -> Process? in
                defer { state = nil }
                return state
            })
        else { return }
        if running.isRunning { kill(running.processIdentifier, SIGTERM) }
        await ChildProcess.exit(of: running)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
