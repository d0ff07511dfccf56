import Synchronization

/// A count that `@Sendable` closures can raise (preparations run, cases that reached the code under test).
public final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    public init() {}

    public func increment() { value.wrappingAdd(1, ordering: .relaxed) }

    public var count: Int { value.load(ordering: .relaxed) }
}
