import CoreMetrics
import Foundation
import Logging
import Normalization
import ReferenceCatalog
import Synchronization

/// Shadow mode (the Scientist pattern on the provider seam): the app keeps reading the local provider, what
/// flag OFF serves, and a sampled share of its reads also fetch the backend's bootstrap in the background and
/// compare it with the local data under the normalization contract, with the differ `parity-runner` uses.
///
/// What the app is answered never changes and never waits: the local answer is returned first, the comparison
/// runs in a task of its own at background priority. Nothing is thrown into the app: a backend that cannot be
/// reached, or answers what the app cannot use, is an `unavailable` comparison. Memory is bounded: at most one
/// comparison at a time (a sampled read while one runs is counted `skipped`), and only the first
/// `ShadowReporter.loggedDifferences` differences of a table are kept for the log line.
public final class ShadowReferenceProvider: ReferenceDataProvider {
    public let primary: any ReferenceDataProvider
    public let candidate: any ReferenceDataProvider
    public let rate: Double
    public let reporter: ShadowReporter
    private let sample: @Sendable () -> Double
    private let state = Mutex<(running: Task<Void, Never>?, started: Int)>((nil, 0))

    /// - Parameters:
    ///   - primary: what the app is answered (the local provider).
    ///   - candidate: what is compared with it (the remote provider, without a cache).
    ///   - rate: the share of reads that start a comparison, 0 to 1.
    ///   - sample: a number in 0..<1 per read (random by default; fixed in tests).
    public init(
        primary: any ReferenceDataProvider, candidate: any ReferenceDataProvider, rate: Double,
        reporter: ShadowReporter, sample: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.primary = primary
        self.candidate = candidate
        self.rate = min(max(rate, 0), 1)
        self.reporter = reporter
        self.sample = sample
    }

    public func getBootstrap(options: BootstrapOptions) async throws -> ReferenceBootstrap {
        let answer = try await primary.getBootstrap(options: options)
        consider(answer.tables)
        return answer
    }

    public func getTable(_ name: String, options: BootstrapOptions) async throws -> ReferenceTable {
        let answer = try await primary.getTable(name, options: options)
        consider([name: answer])
        return answer
    }

    /// Waits for the comparison in progress, if any (tests, and an app that wants its figures before it exits).
    public func settle() async {
        let running = state.withLock { $0.running }
        await running?.value
    }

    /// Comparisons started so far.
    public var comparisonsStarted: Int { state.withLock { $0.started } }

    /// Starts a comparison of `local` when the read is sampled and none is running.
    private func consider(_ local: [String: ReferenceTable]) {
        guard rate > 0, sample() < rate else { return }
        let (candidate, reporter) = (candidate, reporter)
        let started = state.withLock { state -> Bool in
            if state.running != nil { return false }
            state.started += 1
            state.running = Task(priority: .background) { [weak self] in
                await Self.compare(local, with: candidate, reporter: reporter)
                self?.state.withLock { $0.running = nil }
            }
            return true
        }
        if !started { reporter.skipped(tables: local.keys.sorted()) }
    }

    private static func compare(
        _ local: [String: ReferenceTable], with candidate: any ReferenceDataProvider, reporter: ShadowReporter
    ) async {
        let remote: ReferenceBootstrap
        do {
            remote = try await candidate.getBootstrap(options: BootstrapOptions(allowStaleCache: false))
        } catch {
            reporter.unavailable(tables: local.keys.sorted(), reason: "\(error)")
            return
        }
        let differ = TableDiffer()
        for name in local.keys.sorted() {
            guard let localTable = local[name] else { continue }
            guard let remoteTable = remote.tables[name] else {
                reporter.unavailable(tables: [name], reason: "the backend's bootstrap has no table \(name)")
                continue
            }
            reporter.compared(differ.compare(local: localTable, remote: remoteTable))
        }
    }
}

/// Where shadow comparisons go: `reference_shadow_comparisons_total{table,outcome}` through swift-metrics
/// (`match`, `differ`, `unavailable`, `skipped`), `reference_shadow_differences_total{table}`, and for a table
/// that differs one log line (warning) naming the first differences by table, key and field.
public final class ShadowReporter: Sendable {
    public static let loggedDifferences = 5

    private let factory: any MetricsFactory
    private let logger: Logger
    private let counters = Mutex<[String: Counter]>([:])
    private let kept = Mutex<(counts: [String: [String: Int]], first: [String: String])>(([:], [:]))

    /// - Parameter factory: the metrics backend (the app's `MetricsSystem.factory` by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory, logger: Logger) {
        self.factory = factory
        self.logger = logger
    }

    func compared(_ comparison: TableComparison) {
        let differences = comparison.differences
        count(table: comparison.table, outcome: differences.isEmpty ? "match" : "differ")
        guard !differences.isEmpty else { return }
        counter("reference_shadow_differences_total", [("table", comparison.table)])
            .increment(by: differences.count)
        let first = differences.prefix(Self.loggedDifferences).map { difference in
            let key = difference.key.map { "\($0.key)=\($0.value.stringValue ?? $0.value.description)" }
                .joined(separator: ",")
            return "\(difference.kind.rawValue) (\(key))" + (difference.field.map { " \($0)" } ?? "")
        }
        kept.withLock { $0.first[comparison.table] = first.joined(separator: "; ") }
        logger.warning(
            "shadow comparison: the backend differs from the local data",
            metadata: [
                "shadow.table": "\(comparison.table)", "shadow.differences": "\(differences.count)",
                "shadow.first": "\(first.joined(separator: "; "))",
            ])
    }

    func unavailable(tables: [String], reason: String) {
        for table in tables { count(table: table, outcome: "unavailable") }
        logger.debug(
            "shadow comparison: the backend's bootstrap is unavailable", metadata: ["shadow.error": "\(reason)"])
    }

    func skipped(tables: [String]) {
        for table in tables { count(table: table, outcome: "skipped") }
    }

    /// What was counted so far, by table and outcome (what `parity-runner smoke --shadow` shows).
    public var counts: [String: [String: Int]] { kept.withLock { $0.counts } }

    /// The first differences of each table that differed, as the log line names them.
    public var firstDifferences: [String: String] { kept.withLock { $0.first } }

    private func count(table: String, outcome: String) {
        kept.withLock { $0.counts[table, default: [:]][outcome, default: 0] += 1 }
        counter("reference_shadow_comparisons_total", [("table", table), ("outcome", outcome)]).increment()
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let made = Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = made
            return made
        }
    }
}
