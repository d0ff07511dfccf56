import Foundation

/// The OpenAPI 3.1 document of the API, shipped as a resource (`openapi.yaml`) and served at
/// `/openapi.yaml`.
enum OpenAPIDocument {
    static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.1.0\n" }
        return text
    }()
}
