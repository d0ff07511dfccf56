/// A JSON syntax error with its position: byte offset (0-based), line and column (1-based, in characters).
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public let line: Int
    public let column: Int

    public var description: String { "line \(line), column \(column) (byte \(offset)): \(message)" }
}
