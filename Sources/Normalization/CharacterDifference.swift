import ReferenceCatalog

/// Where two texts first differ, said so a person can see it even when the characters look alike or do not
/// show at all: `character 3: local U+0020 SPACE, remote U+200B ZERO WIDTH SPACE`.
public enum CharacterDifference {
    /// The first difference between two normalized values that are texts, arrays of texts or JSON objects
    /// (nested strings included); nil when they are of other kinds or no text differs.
    public static func describe(_ local: JSONValue, _ remote: JSONValue) -> String? {
        switch (local, remote) {
        case (.string(let a), .string(let b)):
            return describe(a, b)
        case (.array(let a), .array(let b)):
            for (index, (left, right)) in zip(a, b).enumerated() where left != right || !sameBytes(left, right) {
                return describe(left, right).map { "element \(index + 1), \($0)" }
            }
            if a.count != b.count { return "local has \(a.count) elements, remote \(b.count)" }
            return nil
        case (.object(let a), .object(let b)):
            for member in a {
                guard let other = b[member.key] else { continue }
                if member.value != other || !sameBytes(member.value, other),
                    let inner = describe(member.value, other)
                {
                    return "at \(member.key): \(inner)"
                }
            }
            return nil
        default:
            return nil
        }
    }

    /// The first differing Unicode scalar of two texts, 1-based.
    public static func describe(_ local: String, _ remote: String) -> String? {
        let left = Array(local.unicodeScalars)
        let right = Array(remote.unicodeScalars)
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? left[index] : nil
            let b = index < right.count ? right[index] : nil
            if a != b { return "character \(index + 1): local \(name(a)), remote \(name(b))" }
        }
        return nil
    }

    /// `U+200B ZERO WIDTH SPACE`; `(end of text)` past the end.
    public static func name(_ scalar: Unicode.Scalar?) -> String {
        guard let scalar else { return "(end of text)" }
        let name = scalar.properties.nameAlias ?? scalar.properties.name ?? "(unnamed)"
        return "\(codePoint(scalar)) \(name)"
    }

    /// `U+0041`.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// The text with every character that is not printable ASCII written as `<U+XXXX>`, so an invisible or
    /// look-alike character shows on any terminal: `Ab<U+200B> Roller`.
    public static func visible(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value < 0x7F {
                result.unicodeScalars.append(scalar)
            } else {
                result += "<\(codePoint(scalar))>"
            }
        }
        return result
    }

    /// Swift's `String ==` equates canonically equivalent text; canonical values are NFC already, so this
    /// compares their bytes too, to be sure nothing the contract does not name is equated.
    static func sameBytes(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.string(let a), .string(let b)): a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)): a.count == b.count && zip(a, b).allSatisfy { sameBytes($0, $1) }
        case (.object(let a), .object(let b)):
            a.count == b.count
                && zip(a.members, b.members).allSatisfy {
                    $0.key.utf8.elementsEqual($1.key.utf8) && sameBytes($0.value, $1.value)
                }
        default: true
        }
    }
}
