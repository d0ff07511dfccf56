extension String {
    /// The string without its leading and trailing Unicode White_Space: the set Foundation's
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` removes (general categories Zs, Zl and Zp, tab,
    /// U+000A–U+000D and U+0085), read in Swift's own representation instead of through `NSString`. The
    /// string itself, with nothing copied, when neither end is white space.
    public func trimmingWhiteSpace() -> String {
        let bytes = utf8
        guard let first = bytes.first, let last = bytes.last else { return self }
        // A UTF-8 byte below 0x80 is a whole scalar, so ASCII ends decide at once.
        if first < 0x80 && last < 0x80 && !Self.isASCIIWhiteSpace(first) && !Self.isASCIIWhiteSpace(last) {
            return self
        }
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        if start == scalars.startIndex && end == scalars.index(before: scalars.endIndex) { return self }
        return String(scalars[start...end])
    }

    /// ASCII members of Unicode White_Space: tab, line feed, vertical tab, form feed, carriage return, space.
    @inline(__always)
    static func isASCIIWhiteSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}
