import Glibc

/// A first-in first-out queue that one thread fills and request threads take from, each waiting
/// a bounded time; once closed and empty it says so to every taker at once.
final class HandOffQueue<Element: Sendable>: @unchecked Sendable {
    // @unchecked: `elements`, `first` and `isClosed` are read and written only with `mutex`
    // held; the mutex and the condition are allocated once and freed in `deinit`.

    /// What `take(within:)` found.
    enum Taken {
        case element(Element)
        /// Nothing came within the wait.
        case timedOut
        /// The queue is closed and empty: nothing will come.
        case closed
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var elements: [Element?] = []
    private var first = 0
    private var isClosed = false

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Adds `element` at the end and wakes one waiting taker.
    func append(_ element: Element) {
        pthread_mutex_lock(mutex)
        elements.append(element)
        pthread_mutex_unlock(mutex)
        pthread_cond_signal(condition)
    }

    /// Says that nothing more will be appended; takers drain what is queued, then find it closed.
    func close() {
        pthread_mutex_lock(mutex)
        isClosed = true
        pthread_mutex_unlock(mutex)
        pthread_cond_broadcast(condition)
    }

    /// The first element, waiting for one at most `limit`.
    func take(within limit: Duration) -> Taken {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let (seconds, attoseconds) = limit.components
        deadline.tv_sec += Int(seconds)
        deadline.tv_nsec += Int(attoseconds / 1_000_000_000)
        if deadline.tv_nsec >= 1_000_000_000 {
            deadline.tv_sec += 1
            deadline.tv_nsec -= 1_000_000_000
        }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while first == elements.count {
            if isClosed { return .closed }
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT && first == elements.count {
                return isClosed ? .closed : .timedOut
            }
        }
        let element = elements[first].take()!
        first += 1
        if first == elements.count {
            elements.removeAll(keepingCapacity: true)
            first = 0
        } else if first >= 1024 && first * 2 >= elements.count {
            elements.removeFirst(first)
            first = 0
        }
        return .element(element)
    }
}
