import Synchronization

/// The bytes that handed-off streams hold queued and not yet written, over the whole process,
/// and the most they may hold (`limit`).
///
/// What a stream copied into its queue (framing, small events) counts for that stream alone; a
/// chunk queued by reference (`PendingOutput.sharingThreshold` bytes or more, such as a hub
/// message's cached encoding) counts once, however many streams wait to write it, because it is
/// held once. When a send takes the total past `limit`, the `StreamPump` closes the streams with
/// the most bytes pending, largest first, until it fits again: a stream that does not read could
/// not be given a `reset` event anyway. Its client (EventSource) reconnects with `Last-Event-ID`
/// and resumes from history, or gets `reset` if history no longer covers the gap.
public final class PendingBudget: Sendable {
    /// The process's budget, which every handed-off stream counts in.
    public static let shared = PendingBudget(limit: defaultLimit)

    /// The default limit: 256 MiB.
    public static let defaultLimit = 256 * 1024 * 1024

    private let limitValue: Atomic<Int>
    private let used = Atomic<Int>(0)
    /// Chunks queued by reference, by the address of their storage: how many queues hold each,
    /// and its size. An address stays unique while it is here, since the holders keep it alive.
    private let chunks = Mutex<[UInt: (holders: Int, size: Int)]>([:])

    /// A budget of `limit` bytes.
    public init(limit: Int) {
        limitValue = Atomic(max(0, limit))
    }

    /// The most bytes streams may hold pending; the server sets it from its configuration.
    public var limit: Int {
        get { limitValue.load(ordering: .relaxed) }
        set { limitValue.store(max(0, newValue), ordering: .relaxed) }
    }

    /// Bytes held pending now, each shared chunk once.
    public var usedBytes: Int {
        used.load(ordering: .relaxed)
    }

    /// Whether more is pending than the limit allows.
    var isExceeded: Bool {
        usedBytes > limit
    }

    /// Counts `count` bytes copied into a stream's queue.
    func add(_ count: Int) {
        used.add(count, ordering: .relaxed)
    }

    /// Stops counting `count` bytes of a stream's queue.
    func remove(_ count: Int) {
        used.subtract(count, ordering: .relaxed)
    }

    /// A queue's hold on `bytes`, queued by reference: the first hold counts its size, the last
    /// one to go stops counting it.
    func hold(_ bytes: [UInt8]) -> ChunkHold {
        let key = bytes.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        let isNew = chunks.withLock { chunks in
            let entry = chunks[key]
            chunks[key] = (holders: (entry?.holders ?? 0) + 1, size: bytes.count)
            return entry == nil
        }
        if isNew { add(bytes.count) }
        return ChunkHold(budget: self, key: key)
    }

    /// A hold on the chunk at `key` was let go of.
    fileprivate func letGo(_ key: UInt) {
        let freed = chunks.withLock { chunks -> Int in
            guard let entry = chunks[key] else { return 0 }
            guard entry.holders == 1 else {
                chunks[key] = (holders: entry.holders - 1, size: entry.size)
                return 0
            }
            chunks.removeValue(forKey: key)
            return entry.size
        }
        remove(freed)
    }
}

/// One queue's hold on a chunk queued by reference, counted in a `PendingBudget` while it lives.
final class ChunkHold: Sendable {
    private let budget: PendingBudget
    private let key: UInt

    fileprivate init(budget: PendingBudget, key: UInt) {
        self.budget = budget
        self.key = key
    }

    deinit {
        budget.letGo(key)
    }
}
