import Foundation

/// The project's executables as built for the tests: they sit beside the test runner.
public enum Executables {
    /// The path of `name` (`parity-runner`, `reference-backend`); an error says to build first.
    public static func path(_ name: String) throws -> String {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw TestSupportError(
            "\(name) is not built beside the test runner (\(runner.path)): run swift build --build-tests")
    }
}
