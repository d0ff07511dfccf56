import Foundation
import Settings

/// Where initialised clusters are cached.
public enum ClusterCacheLocation: Sendable, Hashable {
    /// `$REFERENCE_PG_CACHE` (`off`: no cache), else `$XDG_CACHE_HOME/reference-parity`, else
    /// `~/.cache/reference-parity`.
    case environment
    /// This directory.
    case directory(String)
    /// No cache: every start initialises (and prepares) a new cluster.
    case off

    /// The cache root this location names, nil when caching is off.
    func root(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        switch self {
        case .off: return nil
        case .directory(let path): return path
        case .environment:
            let settings = Settings(environment: environment)
            if let configured = settings.text(.clusterCache) { return configured == "off" ? nil : configured }
            if let xdg = settings.text(.xdgCacheHome) { return xdg + "/reference-parity" }
            return NSHomeDirectory() + "/.cache/reference-parity"
        }
    }
}
