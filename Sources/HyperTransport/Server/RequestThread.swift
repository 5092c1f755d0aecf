import Glibc

/// Starts OS threads with a chosen stack size for blocking FastCGI I/O, away from Swift's
/// cooperative thread pool. They block the operator signals (`SignalForwarding`), so that their
/// blocking calls are never interrupted by one.
enum RequestThread {
    private final class Entry {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts a detached thread running `body`. Returns false if the system refused (for
    /// instance at its thread limit).
    static func start(stackSize: Int, _ body: @escaping @Sendable () -> Void) -> Bool {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let context = Unmanaged.passRetained(Entry(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, &attributes,
            { context in
                guard let context else { return nil }
                SignalForwarding.blockOnCurrentThread()
                Unmanaged<Entry>.fromOpaque(context).takeRetainedValue().body()
                return nil
            }, context)
        if result != 0 {
            Unmanaged<Entry>.fromOpaque(context).release()
            return false
        }
        return true
    }
}
