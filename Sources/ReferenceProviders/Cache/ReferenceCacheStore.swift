import Foundation

/// A small key-value store for the remote provider's warm cache (the app's AsyncStorage).
public protocol ReferenceCacheStore: Sendable {
    func read(_ key: String) throws -> Data?
    /// Replaces the value atomically: a reader sees the old value or the new one, never a mix.
    func write(_ key: String, _ value: Data) throws
    func remove(_ key: String) throws
}

/// ``ReferenceCacheStore`` as one file per key in a directory; writes go to a temporary file that is
/// renamed into place.
public struct FileReferenceCacheStore: ReferenceCacheStore {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    private func url(_ key: String) -> URL {
        let safe = key.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? String($0) : "_" }.joined()
        return directory.appendingPathComponent(safe + ".cache")
    }

    public func read(_ key: String) throws -> Data? {
        let path = url(key).path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try Data(contentsOf: url(key))
    }

    public func write(_ key: String, _ value: Data) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try value.write(to: url(key), options: .atomic)
    }

    public func remove(_ key: String) throws {
        if FileManager.default.fileExists(atPath: url(key).path) { try FileManager.default.removeItem(at: url(key)) }
    }
}
