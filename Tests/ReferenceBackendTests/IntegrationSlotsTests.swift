import Synchronization
import TestSupport
import Testing

private struct Planted: Error {}

/// Shared state of a test's tasks (a `Mutex` cannot be captured by a task's closure itself).
private final class Shared<Value: Sendable>: Sendable {
    let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func callAsFunction<T: Sendable>(_ body: (inout sending Value) -> sending T) -> T { mutex.withLock(body) }
}

/// The bound that lets a plain `swift test` run the integration suites on 2 cores, and the hang guard that
/// counts from a test's body instead of from its wait for a slot.
@Suite("Integration slots and running time limits")
struct IntegrationSlotsTests {
    @Test("no more than width holders at once; every waiter gets a slot, first come first served")
    func boundHolds() async {
        let slots = IntegrationSlots(width: 3)
        let state = Shared((holding: 0, most: 0, order: [Int]()))
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<12 {
                group.addTask {
                    await slots.acquire()
                    state {
                        $0.holding += 1
                        $0.most = max($0.most, $0.holding)
                        $0.order.append(index)
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                    state { $0.holding -= 1 }
                    await slots.release()
                }
            }
        }
        let (most, served) = state { ($0.most, $0.order.count) }
        #expect(most == 3, "holders at once: \(most)")
        #expect(served == 12)
        #expect(await slots.available == 3)
    }

    @Test("a waiter is handed the slot a holder releases, not left waiting")
    func handOver() async {
        let slots = IntegrationSlots(width: 1)
        await slots.acquire()
        let waiter = Task {
            await slots.acquire()
            await slots.release()
        }
        try? await Task.sleep(for: .milliseconds(50))
        #expect(await slots.available == 0)
        await slots.release()
        await waiter.value
        #expect(await slots.available == 1)
    }

    @Test("a heavy waiter takes its slots once they are free, and a later light one waits behind it")
    func weights() async {
        let slots = IntegrationSlots(width: 4)
        await slots.acquire(1)
        let order = Shared([String]())
        let heavy = Task {
            await slots.acquire(4)
            order { $0.append("heavy") }
            await slots.release(4)
        }
        try? await Task.sleep(for: .milliseconds(50))
        let light = Task {
            await slots.acquire(1)
            order { $0.append("light") }
            await slots.release(1)
        }
        try? await Task.sleep(for: .milliseconds(50))
        #expect(order { $0 }.isEmpty, "a waiter went ahead while 1 of 4 slots was held")
        #expect(await slots.available == 3)
        await slots.release(1)
        await heavy.value
        await light.value
        #expect(order { $0 } == ["heavy", "light"])
        #expect(await slots.available == 4)
    }

    @Test("the running time limit records an issue past its limit and cancels the body")
    func limitFires() async throws {
        let test = try #require(Test.current)
        let cancelled = Shared(false)
        try await withKnownIssue {
            try await RunningTimeLimit(limit: .milliseconds(100)).provideScope(for: test, testCase: nil) {
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    cancelled { $0 = true }
                    throw error
                }
            }
        } matching: { issue in
            "\(issue)".contains("ran past its limit")
        }
        #expect(cancelled { $0 })
    }

    @Test("a body that ends within the limit passes, and its own error is the test's")
    func limitQuiet() async throws {
        let test = try #require(Test.current)
        try await RunningTimeLimit(limit: .seconds(30)).provideScope(for: test, testCase: nil) {}
        await #expect(throws: Planted.self) {
            try await RunningTimeLimit(limit: .seconds(30)).provideScope(for: test, testCase: nil) {
                throw Planted()
            }
        }
    }
}
