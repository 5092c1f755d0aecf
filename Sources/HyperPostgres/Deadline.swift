import Synchronization

/// Runs database work with a deadline that holds even when the work does not stop on
/// cancellation (a connection pool waiting for a server that is gone, say).
enum Deadline {
    /// The result of `body`, or nil once `timeout` has passed first; then `body` is cancelled and
    /// left to end on its own, not waited for. Throws what `body` throws, and
    /// `CancellationError` when the calling task is cancelled first.
    /// The result of `body` within `timeout`; when it fails or does not answer in time, throws
    /// `failure(cause)` (a `Failure` that `body` throws is thrown as it is), and
    /// `CancellationError` when the calling task is cancelled.
    static func run<Result: Sendable, Failure: Error>(
        within timeout: Duration, failingWith failure: (_ cause: String) -> Failure,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        do {
            guard let result = try await run(within: timeout, body) else {
                throw failure("no answer within \(timeout)")
            }
            return result
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as Failure {
            throw error
        } catch {
            throw failure(String(reflecting: error))
        }
    }

    static func run<Result: Sendable>(
        within timeout: Duration, _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result? {
        let race = DeadlineRace<Result>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(continuation, timeout: timeout, body)
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }
}

/// The work and its timer racing to resume one continuation; the loser is cancelled.
private final class DeadlineRace<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value?, any Error>?
        var tasks: [Task<Void, Never>] = []
        /// Set when the race ended before it started (the caller was cancelled at once).
        var outcome: Result<Value?, any Error>?
    }

    private let state = Mutex(State())

    func start(
        _ continuation: CheckedContinuation<Value?, any Error>, timeout: Duration,
        _ body: @escaping @Sendable () async throws -> Value
    ) {
        let early = state.withLock { state in
            if state.outcome == nil { state.continuation = continuation }
            return state.outcome
        }
        if let early {
            continuation.resume(with: early)
            return
        }
        let work = Task {
            do { self.finish(.success(try await body())) } catch { self.finish(.failure(error)) }
        }
        let timer = Task {
            do { try await Task.sleep(for: timeout) } catch { return }
            self.finish(.success(nil))
        }
        let ended = state.withLock { state in
            state.tasks = [work, timer]
            return state.continuation == nil
        }
        if ended {
            work.cancel()
            timer.cancel()
        }
    }

    /// Ends the race with `outcome` unless it has ended already.
    func finish(_ outcome: Result<Value?, any Error>) {
        let (continuation, tasks) = state.withLock { state in
            defer {
                state.continuation = nil
                state.tasks = []
                if state.outcome == nil { state.outcome = outcome }
            }
            return (state.continuation, state.tasks)
        }
        for task in tasks { task.cancel() }
        continuation?.resume(with: outcome)
    }
}
