import Glibc
import Synchronization

/// The bytes a handed-off stream has queued and not yet written, in order.
///
/// A chunk of at least `sharingThreshold` bytes is queued by reference: the queue keeps a slice
/// of the array the route sent, whose storage is shared with every other holder of that array.
/// So a hub message encoded once (`HubEvent`'s cached wire form) and sent to a thousand streams
/// that do not read is held once, not a thousand times. Smaller chunks and the framing around
/// them are copied into the queue's own storage, so that many small events go out in one write.
///
/// What it holds counts in a `PendingBudget`: the copied bytes for this queue, a shared chunk
/// once for all the queues that hold it.
///
/// Written with `writev(2)`: one call writes a segment's copied bytes and its shared chunk.
/// Not thread-safe: its `StreamConnection` is used under its channel's lock.
struct PendingOutput {
    /// Chunks this large or larger are queued by reference; smaller ones are copied.
    static let sharingThreshold = 16 * 1024

    /// Copied bytes, then a shared chunk, each with what of it is written.
    private struct Segment {
        var owned: [UInt8] = []
        var ownedWritten = 0
        var shared: ArraySlice<UInt8> = []
        /// Counts the shared chunk in the budget while the segment holds it.
        var hold: ChunkHold?

        var count: Int { owned.count - ownedWritten + shared.count }
    }

    /// Segments from `first` on are pending; the ones before it are written and emptied.
    private var segments: [Segment] = []
    private var first = 0
    /// The copied storage of the last segment written, emptied, for the next one.
    private var spare: [UInt8] = []
    /// Bytes queued and not yet written.
    private(set) var count = 0
    /// The copied bytes pending, as counted in the budget.
    private let copied: CopiedBytes

    /// An empty queue counting in `budget`.
    init(budget: PendingBudget = .shared) {
        copied = CopiedBytes(budget: budget)
    }

    /// Where the queue counts.
    var budget: PendingBudget { copied.budget }

    /// Queues `part` of `whole`: by reference if it is at least `sharingThreshold` long (then
    /// counted through `hold`, made by the budget for `whole` the first time it is needed), else
    /// copied.
    mutating func append(_ part: ArraySlice<UInt8>, of whole: [UInt8], hold: inout ChunkHold?) {
        guard part.count >= Self.sharingThreshold else {
            append(copying: part)
            return
        }
        let chunkHold = hold ?? budget.hold(whole)
        hold = chunkHold
        if first < segments.count, segments[segments.count - 1].shared.isEmpty {
            segments[segments.count - 1].shared = part
            segments[segments.count - 1].hold = chunkHold
        } else {
            segments.append(Segment(shared: part, hold: chunkHold))
        }
        count += part.count
    }

    /// Queues a copy of `bytes`.
    mutating func append(copying bytes: some Collection<UInt8>) {
        guard !bytes.isEmpty else { return }
        if first < segments.count, segments[segments.count - 1].shared.isEmpty {
            segments[segments.count - 1].owned.append(contentsOf: bytes)
        } else {
            var owned: [UInt8] = []
            swap(&owned, &spare)
            owned.append(contentsOf: bytes)
            segments.append(Segment(owned: owned))
        }
        count += bytes.count
        copied.add(bytes.count)
    }

    /// Writes as much as the non-blocking `descriptor` takes now; shared chunks are let go of as
    /// soon as they are written.
    mutating func write(to descriptor: Int32) -> StreamConnection.WriteOutcome {
        while first < segments.count {
            let written = Self.write(segments[first], to: descriptor)
            if written < 0 && errno == EINTR { continue }
            if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return .blocked }
            guard written > 0 else { return .failed }
            consume(written)
        }
        return .drained
    }

    /// Marks `written` bytes of the first pending segment as written, and lets go of it once it
    /// is. The last segment's copied storage is kept for the next events when it is small.
    private mutating func consume(_ written: Int) {
        count -= written
        let fromOwned = min(written, segments[first].owned.count - segments[first].ownedWritten)
        segments[first].ownedWritten += fromOwned
        copied.remove(fromOwned)
        segments[first].shared = segments[first].shared.dropFirst(written - fromOwned)
        guard segments[first].count == 0 else { return }
        if first == segments.count - 1 {
            spare = segments[first].owned
            segments.removeAll(keepingCapacity: true)
            first = 0
            spare.removeAll(keepingCapacity: spare.capacity <= 64 * 1024)
            return
        }
        segments[first] = Segment()
        first += 1
        if first > 16 && first * 2 > segments.count {
            segments.removeFirst(first)
            first = 0
        }
    }

    /// One `writev(2)` of what is pending of `segment`; its result.
    private static func write(_ segment: Segment, to descriptor: Int32) -> Int {
        segment.owned.withUnsafeBytes { owned in
            segment.shared.withUnsafeBytes { shared in
                withUnsafeTemporaryAllocation(of: iovec.self, capacity: 2) { vectors in
                    var used = 0
                    if let base = owned.baseAddress, segment.ownedWritten < owned.count {
                        vectors[used] = iovec(
                            iov_base: UnsafeMutableRawPointer(mutating: base + segment.ownedWritten),
                            iov_len: owned.count - segment.ownedWritten)
                        used += 1
                    }
                    if let base = shared.baseAddress, !shared.isEmpty {
                        vectors[used] = iovec(iov_base: UnsafeMutableRawPointer(mutating: base), iov_len: shared.count)
                        used += 1
                    }
                    return Glibc.writev(descriptor, vectors.baseAddress, Int32(used))
                }
            }
        }
    }
}

/// The copied bytes of one `PendingOutput`, counted in its budget; what is still pending when
/// the queue is dropped (its stream ended) stops counting then.
private final class CopiedBytes: Sendable {
    let budget: PendingBudget
    private let count = Atomic<Int>(0)

    init(budget: PendingBudget) {
        self.budget = budget
    }

    func add(_ bytes: Int) {
        count.add(bytes, ordering: .relaxed)
        budget.add(bytes)
    }

    func remove(_ bytes: Int) {
        count.subtract(bytes, ordering: .relaxed)
        budget.remove(bytes)
    }

    deinit {
        budget.remove(count.load(ordering: .relaxed))
    }
}
