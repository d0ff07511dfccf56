import Foundation
import PostgresSupport
import Testing

/// `@Suite(.integration)`: the suite's tests start servers, clusters or processes, and at most
/// ``IntegrationSlots/width`` of them run at once in the test process, whatever the runner's own width.
///
/// Swift Testing starts every test at once unless told otherwise (`swift test` has no default bound), and on
/// a 2-core machine a hundred and fifty integration tests starting their servers together starved the
/// in-process servers until their clients' timeouts fired. The bound lives here, in the suite, so a plain
/// `swift test` runs as `ci/test` does. A test case waits for its slot before its body (and any timeout in
/// it) starts; tests without the trait are not bounded.
public struct IntegrationTrait: SuiteTrait, TestTrait, TestScoping {
    /// Slots the test holds while it runs: 1, or more for a test that runs several heavy processes at once
    /// (`.integration(weight: 3)` on the test; the heaviest `.integration` a test has is the one that counts).
    public let weight: Int

    public init(weight: Int = 1) { self.weight = max(1, weight) }

    public var isRecursive: Bool { true }

    /// Test cases only: the suite itself and a parameterized test as a whole hold no slot (each of their cases
    /// takes one), so nesting cannot wait for itself. Of a test's `.integration` traits (its suites' and its
    /// own) only the heaviest acquires.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> IntegrationTrait? {
        guard testCase != nil else { return nil }
        let heaviest = test.traits.compactMap { ($0 as? IntegrationTrait)?.weight }.max() ?? weight
        return weight == heaviest ? self : nil
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // Two traits of the same weight (a suite's and a nested suite's): the outer one holds the slots.
        if IntegrationSlots.holding > 0 { return try await function() }
        let slots = min(weight, IntegrationSlots.width)
        let name = testCase.map { _ in test.displayName ?? test.name } ?? test.name
        let ticket = await IntegrationSlots.shared.acquire(slots, for: name)
        do {
            try await IntegrationSlots.$holding.withValue(slots) { try await function() }
        } catch {
            await IntegrationSlots.shared.release(slots, ticket: ticket)
            throw error
        }
        await IntegrationSlots.shared.release(slots, ticket: ticket)
    }
}

extension Trait where Self == IntegrationTrait {
    /// The suite's tests start servers, clusters or processes: at most ``IntegrationSlots/width`` at once.
    public static var integration: IntegrationTrait { IntegrationTrait() }

    /// A test that runs `weight` heavy processes at once holds that many slots.
    public static func integration(weight: Int) -> IntegrationTrait { IntegrationTrait(weight: weight) }
}

/// A counting semaphore for the integration tests of this process, first come first served.
public actor IntegrationSlots {
    /// `REFERENCE_TEST_WIDTH` when set (1 or more), else twice the processor count, at least 2 and at most 8:
    /// on 2 cores, 4, the width `ci/test` had to pass to Swift Testing before the bound lived here.
    public static let width: Int = {
        if let text = ProcessInfo.processInfo.environment["REFERENCE_TEST_WIDTH"], let value = Int(text), value > 0 {
            return value
        }
        return min(8, max(2, 2 * ProcessInfo.processInfo.activeProcessorCount))
    }()

    public static let shared = IntegrationSlots(width: width)

    private var free: Int
    private var waiting: [(slots: Int, name: String, continuation: CheckedContinuation<Void, Never>)] = []
    /// Who holds slots now, and since when: named when a waiter has waited past ``patience``.
    private var holders: [Int: (name: String, slots: Int, since: ContinuousClock.Instant)] = [:]
    private var nextTicket = 0

    /// How long a test waits for its slots before the holders are named on standard error (a test that
    /// never ends would otherwise stall the run without a word).
    public static let patience: Duration = .seconds(240)

    /// The slots the current task holds (0 outside an integration test).
    @TaskLocal public static var holding = 0

    public init(width: Int) { free = width }

    /// Waits until `slots` are free, behind every earlier waiter (a heavy test is not overtaken for ever),
    /// and returns the ticket to release them with.
    @discardableResult
    public func acquire(_ slots: Int = 1, for name: String = "") async -> Int {
        nextTicket += 1
        let ticket = nextTicket
        if !(waiting.isEmpty && free >= slots) {
            let watchdog = Task { [weak self] in
                try await Task.sleep(for: Self.patience)
                await self?.reportStall(waiter: name, slots: slots)
            }
            await withCheckedContinuation { waiting.append((slots, name, $0)) }
            watchdog.cancel()
        } else {
            free -= slots
        }
        holders[ticket] = (name, slots, .now)
        return ticket
    }

    /// Frees the slots and hands them on to the waiters at the head of the line that they now satisfy.
    public func release(_ slots: Int = 1, ticket: Int? = nil) {
        if let ticket, let holder = holders[ticket], let log = Self.timesLog {
            // Seconds held, slots, name: which tests the suite's time goes to.
            let seconds = (ContinuousClock.now - holder.since).fractionalMilliseconds / 1000
            log.write(Data(String(format: "%.3f\t%d\t%@\n", seconds, holder.slots, holder.name).utf8))
        }
        if let ticket { holders[ticket] = nil }
        free += slots
        while let first = waiting.first, first.slots <= free {
            free -= first.slots
            waiting.removeFirst().continuation.resume()
        }
    }

    private func reportStall(waiter: String, slots: Int) {
        let now = ContinuousClock.now
        let held = holders.values.sorted { $0.since < $1.since }.map {
            "\($0.name) (\($0.slots) slot(s), for \((now - $0.since).components.seconds) s)"
        }
        let line =
            "integration slots: '\(waiter)' has waited \(Self.patience) for \(slots) slot(s); \(free) free, "
            + "\(waiting.count) waiting; held by: \(held.isEmpty ? "nobody" : held.joined(separator: "; "))\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// `REFERENCE_TEST_TIMES=FILE`: each integration test's time holding its slots is appended to FILE
    /// (seconds, slots, name; tab-separated), to find where the suite's time goes.
    private static let timesLog: FileHandle? = {
        guard let path = ProcessInfo.processInfo.environment["REFERENCE_TEST_TIMES"], !path.isEmpty else {
            return nil
        }
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = FileHandle(forWritingAtPath: path)
        _ = try? handle?.seekToEnd()
        return handle
    }()

    /// Slots free now (for tests of the bound itself).
    public var available: Int { free }
}

/// `.runningTimeLimit(.seconds(60))`: a hang guard whose clock starts when the test's body does, after its
/// integration slot (Swift Testing's `.timeLimit` counts the wait for the slot too, so under a busy suite it
/// fired on tests that had barely started). At the limit it records an issue and cancels the body; the test
/// ends when the body does.
public struct RunningTimeLimit: TestTrait, TestScoping {
    public let limit: Duration

    public init(limit: Duration) { self.limit = limit }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let limit = limit
        try await withoutActuallyEscaping(function) { body in
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await body()
                    return true
                }
                group.addTask {
                    // Cancelled when the body ends first: not a timeout.
                    (try? await Task.sleep(for: limit)) == nil
                }
                let finished = try await group.next() ?? true
                group.cancelAll()
                guard finished else {
                    Issue.record("the test ran past its limit of \(limit) (counted from when its body started)")
                    // What the cancelled body throws now follows from the cancellation: the issue says it.
                    while (try? await group.next()) != nil {}
                    return
                }
                try await group.waitForAll()
            }
        }
    }
}

extension Trait where Self == RunningTimeLimit {
    /// A hang guard counted from the start of the test's body (not from when it began to wait for a slot).
    public static func runningTimeLimit(_ limit: Duration) -> RunningTimeLimit { RunningTimeLimit(limit: limit) }
}
