import Synchronization

/// Runs a request's route task on the request thread that owns the request.
///
/// While the request thread waits for the route's output it runs the task's jobs itself, so a
/// route that does not suspend on something else (most pages) runs start to finish on that
/// thread, with no hand-off to Swift's cooperative pool and back. Once the request is over the
/// executor detaches: any job still arriving (a task finishing after its client left) is passed
/// on to the global concurrent executor, so no job ever waits for a thread that moved on.
public final class RequestExecutor: TaskExecutor {
    private struct State {
        var jobs: [UnownedJob] = []
        var isAttached = true
        var isThreadSleeping = false
    }

    private let state = Mutex(State())
    private let wakeUp: WakeUpSignal

    init(wakeUp: WakeUpSignal) {
        self.wakeUp = wakeUp
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let (attached, wake) = state.withLock { state -> (Bool, Bool) in
            guard state.isAttached else { return (false, false) }
            state.jobs.append(job)
            defer { state.isThreadSleeping = false }
            return (true, state.isThreadSleeping)
        }
        if !attached {
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        } else if wake {
            wakeUp.signal()
        }
    }

    /// Runs every queued job on the calling thread (the request thread).
    func runPendingJobs() {
        while true {
            let jobs = state.withLock { state in
                defer { state.jobs.removeAll(keepingCapacity: true) }
                return state.jobs
            }
            guard !jobs.isEmpty else { return }
            for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }

    /// Marks the thread as about to sleep unless a job is waiting; returns whether it may sleep.
    func prepareToSleep() -> Bool {
        state.withLock { state in
            guard state.jobs.isEmpty else { return false }
            state.isThreadSleeping = true
            return true
        }
    }

    /// Marks the thread awake again.
    func wokeUp() {
        state.withLock { $0.isThreadSleeping = false }
    }

    /// Ends the request: jobs from now on, and any still queued, run on the global executor.
    func detach() {
        let leftover = state.withLock { state in
            state.isAttached = false
            defer { state.jobs.removeAll() }
            return state.jobs
        }
        for job in leftover { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }
}
