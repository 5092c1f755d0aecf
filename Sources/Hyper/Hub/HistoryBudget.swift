import HyperTransport
import Synchronization

/// The bytes that the histories of in-memory hubs may hold together, over every topic of every
/// hub that shares the budget (`HubHistory.budget`); by default, one budget for the whole process.
///
/// A message costs its size (`HubMessageSize`) while it is in history. When a publish takes the
/// total past `limit`, the oldest messages of the largest topics leave history until it fits
/// again: a subscriber that had not read them gets `reset` (`.fellBehind`), and one that resumes
/// from before them gets `reset` (`.expired`), as when a message grows too old.
///
/// Messages too old for their history leave it when their topic is used, and at the latest when
/// `sweep()` runs; an `Application` sweeps its configuration's budget every second
/// (`Application.Configuration.hubHistory`). After a sweep that freed much, the allocator is asked
/// to return free memory to the system (glibc keeps it otherwise).
public final class HistoryBudget: Sendable {
    /// The most bytes all histories sharing the budget hold together.
    public let limit: Int

    /// The budget every `HubHistory` uses unless given another: 64 MiB.
    public static let shared = HistoryBudget(limit: 64 * 1024 * 1024)

    /// Freeing at least this much in one sweep asks the allocator to return memory.
    static let trimThreshold = 1024 * 1024

    private let used = Atomic<Int>(0)
    private let topics = Mutex<[ObjectIdentifier: WeakTopic]>([:])

    /// A budget of `limit` bytes (negative counts as 0).
    public init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Bytes held now by the histories sharing the budget.
    public var usedBytes: Int {
        used.load(ordering: .relaxed)
    }

    /// Drops the messages too old for their history from every topic now; returns the bytes
    /// freed. When that is a megabyte or more, returns free memory to the system
    /// (`Allocator.returnFreeMemory()`).
    @discardableResult
    public func sweep() -> Int {
        let freed = liveTopics().reduce(0) { $0 + $1.dropExpired() }
        if freed >= Self.trimThreshold { Allocator.returnFreeMemory() }
        return freed
    }

    /// Counts `topic` in the budget, so that it can be made to give bytes back.
    func register(_ topic: some BudgetedTopic) {
        topics.withLock { $0[ObjectIdentifier(topic)] = WeakTopic(topic: topic) }
    }

    /// `bytes` entered a history (call `enforce()` once the topic's lock is released).
    func charge(_ bytes: Int) {
        used.add(bytes, ordering: .relaxed)
    }

    /// `bytes` left a history.
    func release(_ bytes: Int) {
        used.subtract(bytes, ordering: .relaxed)
    }

    /// Drops the oldest message of the largest topic (of topics as large, the one whose oldest
    /// message is oldest) until the budget holds. Takes the topics'
    /// locks one at a time: call it holding none.
    func enforce() {
        while usedBytes > limit {
            let usages = liveTopics().map { (topic: $0, usage: $0.usage) }
            let largest = usages.max { first, second in
                (first.usage.bytes, second.usage.oldest) < (second.usage.bytes, first.usage.oldest)
            }
            guard let largest, largest.usage.bytes > 0, largest.topic.dropOldest() else { return }
        }
    }

    /// The topics still alive; forgets the released ones.
    private func liveTopics() -> [any BudgetedTopic] {
        topics.withLock { topics in
            var live: [any BudgetedTopic] = []
            live.reserveCapacity(topics.count)
            for (key, entry) in topics {
                if let topic = entry.topic { live.append(topic) } else { topics.removeValue(forKey: key) }
            }
            return live
        }
    }
}

/// A topic whose history counts in a `HistoryBudget`.
protocol BudgetedTopic: AnyObject, Sendable {
    /// Bytes its history holds now, and the id of its oldest message (`Int64.max` if none).
    var usage: (bytes: Int, oldest: Int64) { get }
    /// Drops its oldest message; false if it held none.
    func dropOldest() -> Bool
    /// Drops the messages too old to keep; returns the bytes freed.
    func dropExpired() -> Int
}

/// A registered topic, not kept alive by the budget.
private struct WeakTopic: Sendable {
    weak var topic: (any BudgetedTopic)?
}
