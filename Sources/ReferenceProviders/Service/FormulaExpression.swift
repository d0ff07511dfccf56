import Foundation
import ReferenceCatalog

/// Evaluates the arithmetic of a scoring formula's `expression` (numbers, variables, `+ - * / ^`,
/// parentheses, unary minus, `exp(x)`), so 1RM estimates come from the data, not from code.
struct FormulaExpression {
    struct EvaluationError: Error, CustomStringConvertible {
        let description: String
    }

    private let tokens: [Substring]
    private var position = 0

    init(_ text: String) {
        var tokens: [Substring] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isWhitespace {
                index = text.index(after: index)
            } else if character.isNumber || character == "." {
                let start = index
                while index < text.endIndex, text[index].isNumber || text[index] == "." {
                    index = text.index(after: index)
                }
                tokens.append(text[start..<index])
            } else if character.isLetter || character == "_" {
                let start = index
                while index < text.endIndex, text[index].isLetter || text[index].isNumber || text[index] == "_" {
                    index = text.index(after: index)
                }
                tokens.append(text[start..<index])
            } else {
                tokens.append(text[index...index])
                index = text.index(after: index)
            }
        }
        self.tokens = tokens
    }

    func evaluate(_ variables: [String: Double]) throws -> Double {
        var parser = self
        let value = try parser.sum(variables)
        guard parser.position == tokens.count else {
            throw EvaluationError(description: "unexpected '\(tokens[parser.position])'")
        }
        guard value.isFinite else {
            throw EvaluationError(description: "the result is \(value), not a finite number")
        }
        return value
    }

    private mutating func sum(_ variables: [String: Double]) throws -> Double {
        var value = try product(variables)
        while position < tokens.count, tokens[position] == "+" || tokens[position] == "-" {
            let op = tokens[position]
            position += 1
            let right = try product(variables)
            value = op == "+" ? value + right : value - right
        }
        return value
    }

    private mutating func product(_ variables: [String: Double]) throws -> Double {
        var value = try power(variables)
        while position < tokens.count, tokens[position] == "*" || tokens[position] == "/" {
            let op = tokens[position]
            position += 1
            let right = try power(variables)
            value = op == "*" ? value * right : value / right
        }
        return value
    }

    private mutating func power(_ variables: [String: Double]) throws -> Double {
        let base = try unary(variables)
        if position < tokens.count, tokens[position] == "^" {
            position += 1
            return pow(base, try power(variables))
        }
        return base
    }

    private mutating func unary(_ variables: [String: Double]) throws -> Double {
        if position < tokens.count, tokens[position] == "-" {
            position += 1
            return -(try unary(variables))
        }
        return try primary(variables)
    }

    private mutating func primary(_ variables: [String: Double]) throws -> Double {
        guard position < tokens.count else { throw EvaluationError(description: "unexpected end of expression") }
        let token = tokens[position]
        position += 1
        if token == "(" {
            let value = try sum(variables)
            try expect(")")
            return value
        }
        if let first = token.first, first.isNumber || first == "." {
            // A literal must be a number the Double holds (`1e400` would be infinite).
            guard let number = JSONNumber(literal: String(token)).finiteDoubleValue else {
                throw EvaluationError(description: "'\(token)' is not a number a Double holds")
            }
            return number
        }
        if token == "exp" {
            try expect("(")
            let value = try sum(variables)
            try expect(")")
            return Foundation.exp(value)
        }
        guard let value = variables[String(token)] else {
            throw EvaluationError(description: "unknown name '\(token)'")
        }
        return value
    }

    private mutating func expect(_ token: Substring) throws {
        guard position < tokens.count, tokens[position] == token else {
            throw EvaluationError(description: "expected '\(token)'")
        }
        position += 1
    }
}
