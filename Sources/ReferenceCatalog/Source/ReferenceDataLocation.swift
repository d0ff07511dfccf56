import Foundation
import Settings

/// Where the bundled reference data lives when no `--source` is given.
public enum ReferenceDataLocation {
    /// `$REFERENCE_DATA_DIR`, else `ReferenceData/` in the current directory or one of its parents, else the
    /// project's own `ReferenceData/` (found from this file's location at build time).
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let configured = Settings(environment: environment).text(.referenceDataDirectory) {
            return URL(fileURLWithPath: configured)
        }
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("ReferenceData")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("exercises.json").path) {
                return candidate
            }
            directory.deleteLastPathComponent()
        }
        return projectDirectory
    }

    /// The project's `ReferenceData/`, from this source file's path.
    public static let projectDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ReferenceData")
}
