import Foundation
import ReferenceCatalog
import Testing

@Suite("White space trimming")
struct WhiteSpaceTrimmingTests {
    /// Every scalar of the Basic Multilingual Plane (surrogates excepted) at both ends, in the middle and alone:
    /// what Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)` gives, scalar for scalar. One
    /// exception: swift-corelibs-foundation (Linux) also trims U+200B ZERO WIDTH SPACE, which Unicode moved out
    /// of the space separators in 4.0.1 and which is not White_Space; Foundation on Apple platforms keeps it,
    /// and so does this (the normalization contract's set, the same on every platform).
    @Test("removes exactly what Foundation's whitespacesAndNewlines removes, at either end")
    func sameAsFoundation() {
        var differing: [String] = []
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value), value != 0x200B else { continue }
            let c = String(Character(scalar))
            for text in [c, c + "a" + c, "a" + c, c + "a", "a" + c + "b", c + c + "é " + c] {
                let expected = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if text.trimmingWhiteSpace() != expected
                    || text.trimmingWhiteSpace().unicodeScalars.elementsEqual(
                        expected.unicodeScalars) == false
                {
                    differing.append(String(format: "U+%04X in %@", value, text.debugDescription))
                }
            }
        }
        #expect(differing.isEmpty, "\(differing.prefix(10))")
    }

    @Test("empty, all white space and untouched strings")
    func edges() {
        #expect("".trimmingWhiteSpace() == "")
        #expect(" \t\n\r\u{0B}\u{0C}\u{85}\u{A0}\u{2028}\u{3000}".trimmingWhiteSpace() == "")
        #expect("barbell".trimmingWhiteSpace() == "barbell")
        #expect("  two words \n".trimmingWhiteSpace() == "two words")
        #expect("\u{A0}café\u{2009}".trimmingWhiteSpace() == "café")
        // A zero-width space is not White_Space.
        #expect("\u{200B}x".trimmingWhiteSpace() == "\u{200B}x")
    }
}
