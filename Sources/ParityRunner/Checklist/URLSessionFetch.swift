import Foundation
import ReferenceProviders

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain GET for the checklist's endpoint probes: 30 s per request, 60 s in all, never longer.
enum URLSessionFetch {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.timeoutIntervalForRequest = 30
        configuration.timeoutIntervalForResource = 60
        return URLSession(configuration: configuration)
    }()

    static func get(_ url: URL) async throws -> (Data, Int) {
        let (data, response) = try await session.boundedData(for: URLRequest(url: url))
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}
