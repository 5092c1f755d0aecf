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
        /// The job to run first; nearly every request has just one queued at a time, which then
        /// costs no array.
        var firstJob: UnownedJob?
        /// Jobs queued behind `firstJob`, in order.
        var laterJobs: [UnownedJob] = []
        var isAttached = true
        var isThreadSleeping = false

        var hasJobs: Bool { firstJob != nil || !laterJobs.isEmpty }

        mutating func append(_ job: UnownedJob) {
            if hasJobs { laterJobs.append(job) } else { firstJob = job }
        }

        mutating func takeJob() -> UnownedJob? {
            if let job = firstJob {
                firstJob = nil
                return job
            }
            return laterJobs.isEmpty ? nil : laterJobs.removeFirst()
        }
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
            state.append(job)
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
        while let job = state.withLock({ $0.takeJob() }) {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// Marks the thread as about to sleep unless a job is waiting; returns whether it may sleep.
    func prepareToSleep() -> Bool {
        state.withLock { state in
            guard !state.hasJobs else { return false }
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
            var leftover: [UnownedJob] = []
            while let job = state.takeJob() { leftover.append(job) }
            return leftover
        }
        for job in leftover { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }
}
