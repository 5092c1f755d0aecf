import Foundation
import Synchronization

/// Runs blocking work (a wait for the server's threads, a read of the signal pipe) on an OS
/// thread of its own, never on Swift's cooperative pool, whose few threads every task needs.
enum BlockingThread {
    /// Runs `body` on a new thread and returns its result.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    /// Starts `body` on a new thread; the task's value is there once it has returned.
    static func start(_ body: @escaping @Sendable () -> Void) -> Task<Void, Never> {
        Task { await run(body) }
    }

    /// Runs `work` as a task and blocks the calling thread until it has finished: for a
    /// synchronous entry point on the main thread (which is not one of the pool's).
    static func wait<T: Sendable>(for work: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<T, any Error>?>(nil)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        guard let result = outcome.withLock({ $0 }) else {
            preconditionFailure("Hyper: a finished task left no result")
        }
        return try result.get()
    }
}
