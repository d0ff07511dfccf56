import Foundation
import ReferenceProviders

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain GET for the checklist's endpoint probes: 30 s per request, 60 s in all, never longer.
enum URLSessionFetch {
    static let session = URLSession.uncached(request: 30, resource: 60)

    static func get(_ url: URL) async throws -> (Data, Int) {
        let (data, response) = try await session.boundedData(for: URLRequest(url: url))
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}
