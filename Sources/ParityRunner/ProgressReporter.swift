import Foundation

/// Progress lines on standard error, one per finished step with its duration: `parity-runner: seed (85 ms)`.
public struct ProgressReporter: Sendable {
    private let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void) { self.write = write }

    public static let standardError = ProgressReporter { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
    public static let silent = ProgressReporter { _ in }

    func end(_ step: String, milliseconds: Double) {
        write("parity-runner: \(step) (\(String(format: "%.0f", milliseconds)) ms)")
    }

    func fail(_ step: String) {
        write("parity-runner: \(step) failed")
    }
}
