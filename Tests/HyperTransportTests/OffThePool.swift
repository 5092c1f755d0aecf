@testable import HyperTransport

/// Runs blocking `body` on a thread of its own, never on the cooperative pool, which the code
/// under test and the other suites of this process need meanwhile.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let started = RequestThread.start(stackSize: 1 << 20) { continuation.resume(returning: body()) }
        precondition(started, "cannot start a thread")
    }
}

/// Starts `body` on a thread of its own at once, before the caller goes on: unlike a task, it
/// cannot be held back by a cooperative pool that other suites keep busy.
func startThread(_ body: @escaping @Sendable () -> Void) {
    precondition(RequestThread.start(stackSize: 1 << 20, body), "cannot start a thread")
}
