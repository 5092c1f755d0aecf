import Dispatch
import Testing

@testable import HyperPostgres

@Suite("Deadline")
struct DeadlineTests {
    struct Refused: Error, Equatable {}

    @Test("work that ends in time gives its value or its error")
    func inTime() async throws {
        #expect(try await Deadline.run(within: .seconds(5)) { 42 } == 42)
        await #expect(throws: Refused()) { try await Deadline.run(within: .seconds(5)) { throw Refused() } }
    }

    @Test("work that ignores cancellation is given up on at the deadline, not waited for")
    func stubbornWork() async throws {
        let started = ContinuousClock.now
        let result = try await Deadline.run(within: .milliseconds(100)) {
            // Deaf to cancellation, as a pool waiting for a vanished server can be.
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + 30) { continuation.resume() }
            }
            return 1
        }
        #expect(result == nil)
        #expect(ContinuousClock.now - started < .seconds(15), "far less than the 30 s the work takes")
    }

    @Test("the caller's cancellation ends the wait at once")
    func callerCancelled() async throws {
        let waiting = Task {
            try await Deadline.run(within: .seconds(30)) {
                try await Task.sleep(for: .seconds(30))
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        let started = ContinuousClock.now
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(ContinuousClock.now - started < .seconds(15), "far less than the 30 s deadline")
    }
}
