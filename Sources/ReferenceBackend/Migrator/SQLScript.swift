import Foundation

/// Splits a SQL script into statements at top-level semicolons, respecting quoted strings, quoted
/// identifiers, dollar-quoted bodies and comments. PostgreSQL's extended protocol (what PostgresNIO speaks)
/// takes one statement at a time, so migrations are sent statement by statement inside one transaction.
public enum SQLScript {
    public struct Statement: Sendable, Hashable {
        public let text: String
        /// 1-based line of the statement's first character in the script.
        public let line: Int
    }

    public static func statements(in script: String) -> [Statement] {
        let bytes = Array(script.utf8)
        var result: [Statement] = []
        var start = 0
        var index = 0
        var line = 1
        var startLine = 1
        var sawContent = false

        func flush(upTo end: Int) {
            let text = String(decoding: bytes[start..<end], as: UTF8.self)
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if sawContent && !trimmed.isEmpty { result.append(Statement(text: trimmed, line: startLine)) }
            sawContent = false
        }

        while index < bytes.count {
            let byte = bytes[index]
            if !sawContent && !(byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D) {
                if !(byte == UInt8(ascii: "-") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-")) {
                    sawContent = true
                    startLine = line
                }
            }
            switch byte {
            case 0x0A:
                line += 1
                index += 1
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < bytes.count && bytes[index] != 0x0A { index += 1 }
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                var depth = 0
                repeat {
                    if bytes[index] == UInt8(ascii: "/") && index + 1 < bytes.count
                        && bytes[index + 1] == UInt8(ascii: "*")
                    {
                        depth += 1
                        index += 2
                    } else if bytes[index] == UInt8(ascii: "*") && index + 1 < bytes.count
                        && bytes[index + 1] == UInt8(ascii: "/")
                    {
                        depth -= 1
                        index += 2
                    } else {
                        if bytes[index] == 0x0A { line += 1 }
                        index += 1
                    }
                } while depth > 0 && index < bytes.count
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                index += 1
                while index < bytes.count {
                    if bytes[index] == 0x0A { line += 1 }
                    if bytes[index] == byte {
                        if index + 1 < bytes.count && bytes[index + 1] == byte {
                            index += 2
                            continue
                        }
                        break
                    }
                    index += 1
                }
                index += 1
            case UInt8(ascii: "$"):
                // A dollar-quote tag: $$ or $name$ (name: letters, digits, underscores, not starting with a digit).
                var tagEnd = index + 1
                while tagEnd < bytes.count,
                    bytes[tagEnd] == UInt8(ascii: "_")
                        || (bytes[tagEnd] | 0x20 >= UInt8(ascii: "a") && bytes[tagEnd] | 0x20 <= UInt8(ascii: "z"))
                        || (tagEnd > index + 1 && bytes[tagEnd] >= UInt8(ascii: "0")
                            && bytes[tagEnd] <= UInt8(ascii: "9"))
                {
                    tagEnd += 1
                }
                guard tagEnd < bytes.count, bytes[tagEnd] == UInt8(ascii: "$") else {
                    index += 1
                    continue
                }
                let tag = Array(bytes[index...tagEnd])
                index = tagEnd + 1
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "$") && index + tag.count <= bytes.count
                        && Array(bytes[index..<(index + tag.count)]) == tag
                    {
                        index += tag.count
                        break
                    }
                    if bytes[index] == 0x0A { line += 1 }
                    index += 1
                }
            case UInt8(ascii: ";"):
                flush(upTo: index)
                index += 1
                start = index
            default:
                index += 1
            }
        }
        flush(upTo: bytes.count)
        return result
    }
}
