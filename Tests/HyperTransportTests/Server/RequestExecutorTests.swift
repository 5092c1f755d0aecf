import Glibc
import Synchronization
import Testing

@testable import HyperTransport

@Suite("Request executor")
struct RequestExecutorTests {
    @Test("a task preferring the executor runs only when the request thread runs its jobs")
    func runsOnTheRequestThread() async throws {
        let executor = RequestExecutor(wakeUp: WakeUpSignal()!)
        let ran = Atomic<Bool>(false)
        let task = Task(executorPreference: executor) { ran.store(true, ordering: .relaxed) }
        try await Task.sleep(for: .milliseconds(50))
        let ranBefore = ran.load(ordering: .relaxed)
        #expect(!ranBefore)  // queued for the request thread, not run elsewhere
        executor.runPendingJobs()
        let ranAfter = ran.load(ordering: .relaxed)
        #expect(ranAfter)
        await task.value
        executor.detach()
    }

    @Test("after the request, jobs go to the global executor and the task still completes")
    func detachedJobsAreForwarded() async throws {
        let executor = RequestExecutor(wakeUp: WakeUpSignal()!)
        let task = Task(executorPreference: executor) { () async -> Int in
            try? await Task.sleep(for: .milliseconds(20))
            return 42
        }
        executor.runPendingJobs()  // starts the task; it suspends in sleep
        executor.detach()  // the request thread moves on
        #expect(await task.value == 42)
    }

    @Test("enqueueing wakes a sleeping request thread")
    func wakesTheThread() async throws {
        let wakeUp = WakeUpSignal()!
        let executor = RequestExecutor(wakeUp: wakeUp)
        #expect(executor.prepareToSleep())
        let task = Task(executorPreference: executor) {}
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer {
            close(pair[0])
            close(pair[1])
        }
        let peer = pair[1]
        let watchdog = Task.detached {  // fails the test rather than hanging it if no signal comes
            try await Task.sleep(for: .seconds(2))
            shutdown(peer, Int32(SHUT_RDWR))
        }
        // Off the cooperative pool, which the watchdog's task needs meanwhile.
        let local = pair[0]
        #expect(await offThePool { wakeUp.wait(watching: local) } == .signalled)
        watchdog.cancel()
        executor.wokeUp()
        executor.runPendingJobs()
        await task.value
        executor.detach()
    }
}
