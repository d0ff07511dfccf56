/// An exact decimal number: `sign × digits × 10^exponent`, with no leading or trailing zeros in `digits`.
/// Two equal numbers have equal representations, so `1.10`, `1.1` and `11e-1` compare equal, and `1.1` and
/// `1.1000001` do not. Nothing is ever rounded.
public struct ExactDecimal: Sendable, Hashable, CustomStringConvertible {
    public let isNegative: Bool
    /// Significant digits, ASCII, without leading or trailing zeros; empty for zero.
    public let digits: String
    public let exponent: Int

    /// Parses a JSON number literal or PostgreSQL's `numeric` text. Returns `nil` for anything else
    /// (including `NaN` and infinities) and for exponents beyond ±100,000.
    public init?(_ literal: String) {
        var utf8 = Substring(literal).utf8[...]
        var negative = false
        if utf8.first == UInt8(ascii: "-") {
            negative = true
            utf8 = utf8.dropFirst()
        } else if utf8.first == UInt8(ascii: "+") {
            utf8 = utf8.dropFirst()
        }
        var mantissa: [UInt8] = []
        var fractionDigits = 0
        var sawDigit = false
        var sawPoint = false
        var exponentPart = 0
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                mantissa.append(byte)
                if sawPoint { fractionDigits += 1 }
                sawDigit = true
            } else if byte == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                let rest = String(Substring(utf8[utf8.index(after: index)...]))
                guard let value = Int(rest), abs(value) <= 100_000 else { return nil }
                exponentPart = value
                index = utf8.endIndex
                break
            } else {
                return nil
            }
            index = utf8.index(after: index)
        }
        guard sawDigit else { return nil }
        // Strip leading zeros.
        var start = 0
        while start < mantissa.count && mantissa[start] == UInt8(ascii: "0") { start += 1 }
        var end = mantissa.count
        var exponent = exponentPart - fractionDigits
        while end > start && mantissa[end - 1] == UInt8(ascii: "0") {
            end -= 1
            exponent += 1
        }
        if start == end {
            self.isNegative = false
            self.digits = ""
            self.exponent = 0
        } else {
            self.isNegative = negative
            self.digits = String(decoding: mantissa[start..<end], as: UTF8.self)
            self.exponent = exponent
        }
    }

    /// Plain decimal notation without exponent, e.g. `0.00000701863`, `-12.5`, `1200`.
    public var description: String {
        if digits.isEmpty { return "0" }
        var text = isNegative ? "-" : ""
        if exponent >= 0 {
            text += digits + String(repeating: "0", count: exponent)
        } else {
            let pointPosition = digits.count + exponent
            if pointPosition > 0 {
                let split = digits.index(digits.startIndex, offsetBy: pointPosition)
                text += digits[..<split] + "." + digits[split...]
            } else {
                text += "0." + String(repeating: "0", count: -pointPosition) + digits
            }
        }
        return text
    }

    /// Whether the value is a whole number.
    public var isInteger: Bool { exponent >= 0 }
}
