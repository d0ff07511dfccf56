import Foundation
import ReferenceCatalog

/// A normalized field: its canonical value, or why the raw value cannot belong to the column.
public enum NormalizedField: Sendable, Hashable {
    case value(JSONValue)
    case mismatch(String)
}

/// Turns raw values into their canonical form, column by column, as the catalog and NORMALIZATION.md say.
/// Pure: no I/O. Normalizing twice gives the same result as normalizing once.
public enum Normalizer {
    /// Normalizes `raw` (nil: the key was absent) for `column`.
    public static func normalize(_ raw: JSONValue?, for column: ColumnSpec) -> NormalizedField {
        guard let raw else {
            return column.isNullable ? .value(.null) : .mismatch("missing key in a required column")
        }
        if raw == .null {
            return column.isNullable ? .value(.null) : .mismatch("null in a required column")
        }
        switch column.type {
        case .text:
            guard case .string(let text) = raw else { return mismatch(raw, expected: "string") }
            let canonical = canonicalText(text)
            if column.isNullable && canonical.isEmpty { return .value(.null) }
            return .value(.string(canonical))
        case .boolean:
            guard case .bool = raw else { return mismatch(raw, expected: "boolean") }
            return .value(raw)
        case .integer, .smallint:
            guard case .number(let number) = raw, let decimal = ExactDecimal(number.literal), decimal.isInteger else {
                return mismatch(raw, expected: "integer")
            }
            return .value(.number(JSONNumber(literal: decimal.description)))
        case .numeric:
            guard case .number(let number) = raw, let decimal = ExactDecimal(number.literal) else {
                return mismatch(raw, expected: "decimal number")
            }
            return .value(.number(JSONNumber(literal: decimal.description)))
        case .textArray(let semantics):
            guard case .array(let elements) = raw else { return mismatch(raw, expected: "array of strings") }
            var canonical: [String] = []
            canonical.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                guard case .string(let text) = element else {
                    return .mismatch("element \(index) is \(element.kindName) \(element), expected string")
                }
                canonical.append(canonicalText(text))
            }
            if semantics == .set { canonical.sort(by: utf8Precedes) }
            return .value(.array(canonical.map(JSONValue.string)))
        case .jsonObject:
            guard case .object = raw else { return mismatch(raw, expected: "JSON object") }
            return .value(canonicalJSON(raw))
        }
    }

    private static func mismatch(_ raw: JSONValue, expected: String) -> NormalizedField {
        .mismatch("expected \(expected), found \(raw.kindName) \(raw)")
    }

    /// Leading and trailing Unicode White_Space removed, then NFC. Nothing else changes.
    public static func canonicalText(_ text: String) -> String {
        let trimmed = text.trimmingWhiteSpace()
        return trimmed.utf8.allSatisfy { $0 < 0x80 } ? trimmed : trimmed.precomposedStringWithCanonicalMapping
    }

    /// JSON inside a JSON column: object keys sorted by UTF-8 bytes, numbers as exact decimals, strings NFC.
    public static func canonicalJSON(_ value: JSONValue) -> JSONValue {
        switch value {
        case .null, .bool: value
        case .number(let number):
            .number(JSONNumber(literal: ExactDecimal(number.literal)?.description ?? number.literal))
        case .string(let text): .string(text.precomposedStringWithCanonicalMapping)
        case .array(let elements): .array(elements.map(canonicalJSON))
        case .object(let object):
            .object(
                JSONObject(
                    object.members
                        .map {
                            JSONObject.Member(
                                key: $0.key.precomposedStringWithCanonicalMapping, value: canonicalJSON($0.value))
                        }
                        .sorted { utf8Precedes($0.key, $1.key) }))
        }
    }

    /// UTF-8 byte order (never locale collation).
    @inline(__always)
    public static func utf8Precedes(_ left: String, _ right: String) -> Bool {
        left.utf8.lexicographicallyPrecedes(right.utf8)
    }
}
