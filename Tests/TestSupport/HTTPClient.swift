import Foundation
import ReferenceProviders

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Real HTTP over 127.0.0.1 for the tests, through URLSession.
public enum HTTP {
    public struct Result: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: Data

        public func header(_ name: String) -> String? {
            headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
        }

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    private static let session = URLSession.uncached(request: 30, resource: 60)

    public static func request(
        _ url: URL, method: String = "GET", headers: [String: String] = [:]
    ) async throws -> Result {
        var request = URLRequest(url: url)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.boundedData(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)"] = "\(value)" }
        return Result(status: http.statusCode, headers: fields, body: data)
    }
}
