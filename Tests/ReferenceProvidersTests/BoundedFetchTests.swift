import Foundation
import ReferenceCatalog
import ReferenceProviders
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `URLSession.boundedData(for:)`: the answer when there is one, and an end by the session's own bound when
/// the server never answers.
@Suite("Bounded fetch", .integration)
struct BoundedFetchTests {
    static func session(resource: TimeInterval) -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = resource
        configuration.timeoutIntervalForResource = resource
        return URLSession(configuration: configuration)
    }

    @Test("a server that accepts and never answers: the fetch ends as a timeout within the bound and its margin")
    func silentServer() async throws {
        let listener = try SilentListener()
        let started = ContinuousClock.now
        await #expect(throws: URLError.self) {
            _ = try await Self.session(resource: 1).boundedData(for: URLRequest(url: listener.url), margin: 2)
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("an answer is passed on whole")
    func answered() async throws {
        try await withLiveBackend { backend in
            let (data, response) = try await Self.session(resource: 30).boundedData(
                for: URLRequest(url: backend.url("/api/v1/reference/units")))
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(try JSONParser.parse(data)["table"] == "units")
        }
    }
}
