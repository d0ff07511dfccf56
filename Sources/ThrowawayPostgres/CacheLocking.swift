import Foundation
import Logging
import PostgresSupport
import Settings
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The cross-process lock of one cache entry: `flock` on a lock file beside it, released by ``release()``
/// or when the holder exits however it exits. Waiting polls with a non-blocking `flock`, so no thread is held.
final class EntryLock: Sendable {
    private let descriptor: Mutex<Int32>

    static func acquire(path: String, root: String, logger: Logger) async throws -> EntryLock {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ThrowawayPostgresError.cacheUnusable(
                directory: root, reason: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        let lock = EntryLock(descriptor: descriptor)
        let deadline = ContinuousClock.now + ClusterCache.lockWait
        var announced = false
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                lock.release()
                throw ThrowawayPostgresError.cacheUnusable(directory: root, reason: "cannot lock \(path): \(reason)")
            }
            if !announced {
                announced = true
                logger.notice(
                    "waiting for another process preparing the same cached cluster",
                    metadata: ["throwaway.lock": "\(path)"])
            }
            guard ContinuousClock.now < deadline else {
                lock.release()
                throw ThrowawayPostgresError.cacheUnusable(
                    directory: root,
                    reason: "another process held \(path) for more than \(ClusterCache.lockWait)")
            }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                lock.release()
                throw error
            }
        }
        return lock
    }

    private init(descriptor: Int32) { self.descriptor = Mutex(descriptor) }

    /// Unlocks and closes the lock file (once).
    func release() {
        descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return }
            flock(descriptor, LOCK_UN)
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }
}

/// Runs at most one operation per key at a time inside this process; callers that arrive while one runs
/// await it and share its outcome instead of starting their own.
final class SingleFlight: Sendable {
    private let running = Mutex<[String: Task<Void, any Error>]>([:])

    func run(_ key: String, _ operation: @escaping @Sendable () async throws -> Void) async throws {
        let task = running.withLock { running in
            if let existing = running[key] { return existing }
            let task = Task { try await operation() }
            running[key] = task
            return task
        }
        defer {
            running.withLock { running in
                if running[key] == task { running[key] = nil }
            }
        }
        try await task.value
    }
}
