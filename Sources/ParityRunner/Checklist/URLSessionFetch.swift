import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain GET for the checklist's endpoint probes.
enum URLSessionFetch {
    static func get(_ url: URL) async throws -> (Data, Int) {
        let (data, response) = try await URLSession.shared.data(from: url)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}
