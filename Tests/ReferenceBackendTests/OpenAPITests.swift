import Foundation
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing
import Yams

/// Real responses checked against the served OpenAPI document (the subset of JSON Schema it uses: `$ref`,
/// `type`, `required`, `properties`, `additionalProperties: false`, `items`, `enum`).
@Suite("OpenAPI document", .integration)
struct OpenAPITests {
    struct Validator {
        let document: [String: Any]

        func resolve(_ schema: [String: Any]) -> [String: Any] {
            guard let reference = schema["$ref"] as? String else { return schema }
            var node: Any = document
            for part in reference.dropFirst(2).split(separator: "/") { node = (node as! [String: Any])[String(part)]! }
            return resolve(node as! [String: Any])
        }

        func problems(_ value: JSONValue, _ rawSchema: [String: Any], at path: String = "$") -> [String] {
            let schema = resolve(rawSchema)
            var found: [String] = []
            if let allowed = schema["enum"] as? [Any] {
                let strings = allowed.map { "\($0)" }
                if !strings.contains(value.stringValue ?? value.description) {
                    found.append("\(path): \(value) not in \(strings)")
                }
            }
            switch (schema["type"] as? String, value) {
            case (nil, _), ("string", .string), ("boolean", .bool): break
            case ("integer", .number(let number)) where number.int64Value != nil: break
            case ("array", .array(let elements)):
                if let items = schema["items"] as? [String: Any] {
                    for (index, element) in elements.enumerated() {
                        found += problems(element, items, at: "\(path)[\(index)]")
                    }
                }
            case ("object", .object(let object)):
                for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                    found.append("\(path): missing \(key)")
                }
                let properties = schema["properties"] as? [String: Any] ?? [:]
                for member in object {
                    if let property = properties[member.key] as? [String: Any] {
                        found += problems(member.value, property, at: "\(path).\(member.key)")
                    } else if schema["additionalProperties"] as? Bool == false {
                        found.append("\(path): unexpected \(member.key)")
                    }
                }
            case (let type?, _): found.append("\(path): expected \(type), found \(value.kindName)")
            }
            return found
        }

        func responseSchema(_ path: String, _ status: Int) -> [String: Any] {
            let paths = document["paths"] as! [String: Any]
            let operation = (paths[path] as! [String: Any])["get"] as! [String: Any]
            let response = resolve((operation["responses"] as! [String: Any])["\(status)"] as! [String: Any])
            let content = (response["content"] as! [String: Any])["application/json"] as! [String: Any]
            return content["schema"] as! [String: Any]
        }
    }

    @Test("every endpoint's real responses match the document served at /openapi.yaml")
    func responsesMatch() async throws {
        try await withLiveBackend { backend in
            let served = try await HTTP.request(backend.url("/openapi.yaml"))
            #expect(served.status == 200)
            let document = try #require(try Yams.load(yaml: served.text) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let validator = Validator(document: document)
            let cases: [(String, String, Int)] = [
                ("/health", "/health", 200),
                ("/api/v1/reference/version", "/api/v1/reference/version", 200),
                ("/api/v1/reference/bootstrap", "/api/v1/reference/bootstrap", 200),
                ("/api/v1/reference/units", "/api/v1/reference/{table}", 200),
                ("/api/v1/reference/units?includeInactive=true", "/api/v1/reference/{table}", 200),
                ("/api/v1/reference/nope", "/api/v1/reference/{table}", 404),
                ("/api/v1/reference/units?includeInactive=1", "/api/v1/reference/{table}", 400),
            ]
            for (path, template, status) in cases {
                let result = try await HTTP.request(backend.url(path))
                #expect(result.status == status, "\(path)")
                let problems = validator.problems(
                    try JSONParser.parse(result.body), validator.responseSchema(template, status))
                #expect(problems.isEmpty, "\(path): \(problems.prefix(5))")
            }
            // 304s (the fast path's and the router's) carry the headers the NotModified response declares.
            let responses = (document["components"] as? [String: Any])?["responses"] as? [String: Any]
            let declared = try #require(
                ((responses?["NotModified"] as? [String: Any])?["headers"] as? [String: Any])?.keys)
            #expect(Set(declared) == ["ETag", "Cache-Control", "Vary"])
            let bootstrap = try await HTTP.request(backend.url("/api/v1/reference/bootstrap"))
            let tag = try #require(bootstrap.header("ETag"))
            for path in [
                "/api/v1/reference/bootstrap", "/api/v1/reference/units",
                "/api/v1/reference/units?includeInactive=false",
            ] {
                let notModified = try await HTTP.request(backend.url(path), headers: ["If-None-Match": tag])
                #expect(notModified.status == 304, "\(path)")
                for name in declared { #expect(notModified.header(name) != nil, "\(path): \(name)") }
            }
            // /metrics is declared as the text it serves, never cached.
            let metricsOperation = ((document["paths"] as? [String: Any])?["/metrics"] as? [String: Any])?["get"]
            let metricsContent =
                (((metricsOperation as? [String: Any])?["responses"] as? [String: Any])?["200"]
                as? [String: Any])?["content"] as? [String: Any]
            #expect(metricsContent?.keys.map { $0 } == ["text/plain"])
            let metrics = try await HTTP.request(backend.url("/metrics"))
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            #expect(metrics.header("Cache-Control") == "no-store")
            // The validator is not vacuous: a response missing a required key fails.
            let broken = try JSONParser.parse(#"{"schemaVersion": 3, "referenceVersion": 7}"#)
            #expect(validator.problems(broken, validator.responseSchema("/api/v1/reference/version", 200)).count == 2)
        }
    }

    @Test("the document's table list is the catalog's")
    func tableNames() throws {
        let text = try String(
            contentsOf: ReferenceDataLocation.projectDirectory.deletingLastPathComponent()
                .appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let names = (schemas?["TableName"] as? [String: Any])?["enum"] as? [String]
        #expect(names == ReferenceCatalog.tableNames)
    }
}
