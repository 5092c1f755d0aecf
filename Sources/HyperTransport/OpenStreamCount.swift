import Synchronization

/// How many of one server's streams have handed their connection off and are still open: the
/// stream pump serves the whole process, and each server waits only for its own on shutdown.
final class OpenStreamCount: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .relaxed) }

    func increment() { count.add(1, ordering: .relaxed) }

    func decrement() { count.subtract(1, ordering: .relaxed) }
}
