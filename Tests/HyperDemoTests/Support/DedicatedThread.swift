import Foundation

/// Runs blocking work on a thread of its own, off Swift's cooperative pool.
///
/// A test that measures latency by polling must not wait for the pool: on a 2-core machine the
/// test process's pool has two threads, and other suites block them for seconds at a time
/// (waiting for curl or a stopping server), which would add to the figure being measured.
enum DedicatedThread {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }
}
