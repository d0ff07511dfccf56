import Foundation
import Testing

/// Golden files: compared byte for byte (line endings normalised), recorded only on request.
///
/// `UPDATE_GOLDEN=1 swift test --filter GoldenFiles` rewrites the files that differ and fails those tests,
/// so a recording run is never mistaken for a passing one. With `CI` set, nothing is ever recorded.
public enum Golden {
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("GoldenFiles/Snapshots")

    public static func assertMatches(
        _ actual: String, file name: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let url = directory.appendingPathComponent(name)
        let actual = normalizeLineEndings(actual)
        let expected = (try? String(contentsOf: url, encoding: .utf8)).map(normalizeLineEndings)
        if expected == actual { return }
        let environment = ProcessInfo.processInfo.environment
        if environment["UPDATE_GOLDEN"] == "1" && environment["CI"] == nil {
            do {
                try Data(actual.utf8).write(to: url, options: .atomic)
                Issue.record(
                    "recorded \(name); run the tests again without UPDATE_GOLDEN", sourceLocation: sourceLocation)
            } catch {
                Issue.record("cannot record \(name): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let expected else {
            Issue.record(
                "no golden file \(name): record it with UPDATE_GOLDEN=1 swift test --filter GoldenFiles",
                sourceLocation: sourceLocation)
            return
        }
        Issue.record(
            "\(name) differs from its golden file:\n\(lineDiff(expected: expected, actual: actual))",
            sourceLocation: sourceLocation)
    }

    static func normalizeLineEndings(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// The first differing lines, `-` golden, `+` actual, with line numbers.
    static func lineDiff(expected: String, actual: String, limit: Int = 20) -> String {
        let left = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let right = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var output: [String] = []
        for index in 0..<max(left.count, right.count) where output.count < limit * 2 {
            let a = index < left.count ? String(left[index]) : nil
            let b = index < right.count ? String(right[index]) : nil
            if a != b {
                if let a { output.append("-\(index + 1): \(a)") }
                if let b { output.append("+\(index + 1): \(b)") }
            }
        }
        return output.joined(separator: "\n") + "\n(\(left.count) golden lines, \(right.count) actual lines)"
    }
}
