import Foundation
import Normalization
import ReferenceCatalog

/// The outcome of `parity-runner smoke`: per path, whether flag ON and warm offline answered exactly as flag
/// OFF did, and where they first differ.
public struct SmokeReport: Sendable {
    /// Where one mode's answer first differs from flag OFF's.
    public struct Disagreement: Sendable, Hashable {
        public let mode: SmokeRun.Mode
        /// 1-based line of the answer.
        public let line: Int
        public let expected: String?
        public let found: String?
        /// The answer without the backend's admin rows equals flag OFF's: the admin rows explain the whole
        /// difference (listed, not a failure unless strict).
        public let fromAdminRows: Bool

        /// nil when `answer` equals `reference`. `withoutAdminRows` is the same mode's answer with the admin
        /// rows left out, when it could be computed.
        init?(mode: SmokeRun.Mode, reference: [String], answer: [String], withoutAdminRows: [String]? = nil) {
            guard reference != answer else { return nil }
            self.fromAdminRows = withoutAdminRows == reference
            let index =
                zip(reference, answer).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(reference.count, answer.count)
            self.mode = mode
            self.line = index + 1
            self.expected = index < reference.count ? reference[index] : nil
            self.found = index < answer.count ? answer[index] : nil
        }
    }

    public struct PathResult: Sendable, Hashable {
        public let name: String
        /// Lines of the flag OFF answer.
        public let lines: Int
        /// The flag OFF answer was empty: nothing was proven.
        public let empty: Bool
        public let disagreements: [Disagreement]
        /// Whether a difference that admin rows explain fails the path too.
        public let strict: Bool

        public var passed: Bool { !empty && disagreements.allSatisfy { $0.fromAdminRows && !strict } }
    }

    public let source: String
    public let backend: String
    public let paths: [PathResult]
    /// Admin rows the remote modes served and flag OFF cannot have, by table (key descriptions); found when a
    /// remote answer differed from flag OFF.
    public let adminRows: [String: [String]]
    public let milliseconds: Double
    /// `--shadow`: what the shadow comparisons counted, by table and outcome, and each differing table's first
    /// differences.
    public let shadow: ShadowCounts?

    public struct ShadowCounts: Sendable {
        public let counts: [String: [String: Int]]
        public let firstDifferences: [String: String]

        /// `table: outcome n, ...` lines, differing tables first.
        var lines: [String] {
            let tables = counts.keys.sorted {
                (firstDifferences[$0] == nil ? 1 : 0, $0) < (firstDifferences[$1] == nil ? 1 : 0, $1)
            }
            return tables.map { table in
                let outcomes = (counts[table] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                return "\(table): \(outcomes.joined(separator: ", "))"
                    + (firstDifferences[table].map { "; first: \($0)" } ?? "")
            }
        }
    }

    public var adminRowCount: Int { adminRows.values.reduce(0) { $0 + $1.count } }

    /// The admin rows as `table: a=x; table: b=y`, at most `limit` of them and a count of the rest.
    public func adminRowList(limit: Int = 10) -> String {
        let keys = adminRows.keys.sorted().flatMap { table in adminRows[table, default: []].map { "\(table): \($0)" } }
        return keys.prefix(limit).joined(separator: "; ")
            + (keys.count > limit ? "; and \(keys.count - limit) more" : "")
    }

    public var passed: Bool { paths.allSatisfy(\.passed) }

    public func text() -> String {
        var lines = ["smoke: \(paths.count) paths through ExerciseConfigService, flag OFF vs flag ON vs warm offline"]
        lines.append("  source  \(source)")
        lines.append("  backend \(backend)")
        if !adminRows.isEmpty {
            lines.append(
                "  admin rows served by the backend (flag OFF cannot have them): \(adminRowCount): \(adminRowList())")
        }
        lines.append("")
        for path in paths {
            lines.append("\(path.passed ? "PASS" : "FAIL")  \(path.name): \(path.lines) answer lines")
            if path.empty { lines.append("  the flag OFF answer is empty: nothing is proven") }
            for disagreement in path.disagreements {
                lines.append(
                    "  \(disagreement.mode.rawValue) differs from flag OFF at line \(disagreement.line)"
                        + (disagreement.fromAdminRows ? ", only by admin rows" : "") + ": "
                        + "expected \(show(disagreement.expected)), found \(show(disagreement.found))")
            }
        }
        if let shadow {
            lines.append("")
            lines.append("shadow comparisons (flag OFF answering, the backend compared in the background):")
            for line in shadow.lines { lines.append("  \(line)") }
        }
        lines.append("")
        let failed = paths.filter { !$0.passed }.count
        let byAdminRows = paths.filter { $0.passed && !$0.disagreements.isEmpty }.count
        lines.append(
            (passed
                ? "PASS: all modes agree on \(paths.count) paths" : "FAIL: \(failed) of \(paths.count) paths differ")
                + (byAdminRows > 0 ? " (\(byAdminRows) differ only by admin rows, not a failure without --strict)" : "")
                + String(format: "; %.2f s", milliseconds / 1000))
        return lines.joined(separator: "\n") + "\n"
    }

    public func json() -> JSONValue {
        var root = JSONObject()
        root.append("status", passed ? "pass" : "fail")
        root.append("source", .string(source))
        root.append("backend", .string(backend))
        var admin = JSONObject()
        for table in adminRows.keys.sorted() {
            admin.append(table, .array(adminRows[table, default: []].map(JSONValue.string)))
        }
        root.append("adminRows", .object(admin))
        root.append(
            "paths",
            .array(
                paths.map { path in
                    var object = JSONObject()
                    object.append("path", .string(path.name))
                    object.append("status", path.passed ? "pass" : "fail")
                    object.append("lines", .number(JSONNumber(path.lines)))
                    object.append("empty", .bool(path.empty))
                    object.append(
                        "disagreements",
                        .array(
                            path.disagreements.map { disagreement in
                                var item = JSONObject()
                                item.append("mode", .string(disagreement.mode.rawValue))
                                item.append("line", .number(JSONNumber(disagreement.line)))
                                item.append("fromAdminRows", .bool(disagreement.fromAdminRows))
                                item.append("expected", disagreement.expected.map(JSONValue.string) ?? .null)
                                item.append("found", disagreement.found.map(JSONValue.string) ?? .null)
                                return .object(item)
                            }))
                    return .object(object)
                }))
        if let shadow {
            var tables = JSONObject()
            for table in shadow.counts.keys.sorted() {
                var outcomes = JSONObject()
                for (outcome, count) in (shadow.counts[table] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    outcomes.append(outcome, .number(JSONNumber(count)))
                }
                if let first = shadow.firstDifferences[table] { outcomes.append("firstDifferences", .string(first)) }
                tables.append(table, .object(outcomes))
            }
            root.append("shadow", .object(tables))
        }
        root.append("totalMs", .number(JSONNumber(literal: String(format: "%.1f", milliseconds))))
        return .object(root)
    }

    public func markdown() -> String {
        var lines = ["## Smoke paths: \(passed ? "✅ pass" : "❌ fail")", ""]
        lines.append("Flag OFF vs flag ON (\(backend)) vs warm offline.")
        if !adminRows.isEmpty {
            lines.append("")
            lines.append(
                "Admin rows served by the backend (flag OFF cannot have them): \(adminRowCount): \(adminRowList()).")
        }
        lines.append("")
        lines.append("| path | status | answer lines | first difference |")
        lines.append("| --- | --- | ---: | --- |")
        for path in paths {
            let first =
                path.disagreements.first.map {
                    "\($0.mode.rawValue), line \($0.line)\($0.fromAdminRows ? " (admin rows only)" : ""): "
                        + "expected `\(show($0.expected))`, found `\(show($0.found))`"
                } ?? (path.empty ? "empty answer" : "")
            lines.append(
                "| \(path.name) | \(path.passed ? "pass" : "**fail**") | \(path.lines) | "
                    + first.replacingOccurrences(of: "|", with: "\\|") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func junit() -> String {
        let failures = paths.filter { !$0.passed }.count
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
        lines.append(
            "<testsuite name=\"parity-runner smoke\" tests=\"\(paths.count)\" failures=\"\(failures)\" errors=\"0\" "
                + "time=\"\(String(format: "%.3f", milliseconds / 1000))\">")
        for path in paths {
            let name = xml(path.name)
            if path.passed {
                lines.append("  <testcase classname=\"smoke\" name=\"\(name)\"/>")
                continue
            }
            lines.append("  <testcase classname=\"smoke\" name=\"\(name)\">")
            let detail =
                path.empty
                ? "the flag OFF answer is empty"
                : path.disagreements.map {
                    "\($0.mode.rawValue), line \($0.line): expected \(show($0.expected)), found \(show($0.found))"
                }.joined(separator: "\n")
            lines.append("    <failure type=\"smoke\" message=\"modes differ\">\(xml(detail))</failure>")
            lines.append("  </testcase>")
        }
        lines.append("</testsuite>")
        return lines.joined(separator: "\n") + "\n"
    }

    private func show(_ text: String?) -> String {
        guard let text else { return "(no line)" }
        let visible = CharacterDifference.visible(text)
        return visible.count > 200 ? String(visible.prefix(197)) + "..." : visible
    }

    private func xml(_ text: String) -> String { XMLText.escaped(text) }
}
