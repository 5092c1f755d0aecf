/// Keeps tests that load the whole machine (the browser test) from running at the same time as
/// tests that measure latency, on a 2-core machine where Swift Testing runs suites in parallel.
/// Other tests are not affected.
actor MachineLock {
    static let shared = MachineLock()

    private var isHeld = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` while no other holder runs.
    static func exclusively<T>(_ body: () async throws -> T) async rethrows -> T {
        await shared.acquire()
        do {
            let result = try await body()
            await shared.release()
            return result
        } catch {
            await shared.release()
            throw error
        }
    }

    private func acquire() async {
        guard isHeld else {
            isHeld = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            isHeld = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
