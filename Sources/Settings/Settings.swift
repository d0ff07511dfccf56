import Foundation

/// The one reader of the environment. Every setting the project takes from it goes through here; each key is
/// declared and documented once (``SettingKey``) and listed in the README's configuration table. An invalid
/// value is a ``SettingError`` naming the key, the value and what is accepted, never a silent default.
public struct Settings: Sendable {
    public let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The value of `key`; nil when unset or empty.
    public func text(_ key: SettingKey) -> String? {
        guard let value = environment[key.rawValue], !value.isEmpty else { return nil }
        return value
    }

    /// An integer within `range`; nil when unset.
    public func integer(_ key: SettingKey, in range: ClosedRange<Int>) throws(SettingError) -> Int? {
        guard let text = text(key) else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw SettingError(
                key: key, value: text, accepted: "an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A number of seconds greater than 0 and at most `maximum`; nil when unset.
    public func seconds(_ key: SettingKey, maximum: Double = 86_400) throws(SettingError) -> Double? {
        guard let text = text(key) else { return nil }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value > 0, value <= maximum else {
            throw SettingError(
                key: key, value: text, accepted: "a number of seconds greater than 0 and at most \(Int(maximum))")
        }
        return value
    }

    /// A share from 0 to 1; nil when unset.
    public func share(_ key: SettingKey) throws(SettingError) -> Double? {
        guard let text = text(key) else { return nil }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value >= 0, value <= 1 else {
            throw SettingError(key: key, value: text, accepted: "a share from 0 to 1 (0.05 is 5 %)")
        }
        return value
    }

    /// One of `Choice`'s raw values (compared in lower case); nil when unset.
    public func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: SettingKey, as type: Choice.Type
    ) throws(SettingError) -> Choice? where Choice.RawValue == String {
        guard let text = text(key) else { return nil }
        guard let value = Choice(rawValue: text.lowercased()) else {
            throw SettingError(
                key: key, value: text,
                accepted: "one of " + Choice.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return value
    }

    /// An `http` or `https` URL with a host; nil when unset.
    public func httpURL(_ key: SettingKey) throws(SettingError) -> URL? {
        guard let text = text(key) else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
            url.host?.isEmpty == false
        else { throw SettingError(key: key, value: text, accepted: "an http:// or https:// URL with a host") }
        return url
    }
}

/// A setting's value is not one the project accepts.
public struct SettingError: Error, Sendable, Hashable, CustomStringConvertible {
    public let key: SettingKey
    public let value: String
    /// What the key accepts, in words.
    public let accepted: String

    public init(key: SettingKey, value: String, accepted: String) {
        self.key = key
        self.value = value
        self.accepted = accepted
    }

    public var description: String {
        "invalid \(key.rawValue)='\(value.prefix(200))': expected \(accepted)"
    }
}
