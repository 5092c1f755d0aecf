import Glibc

/// Byte buffers a thread reuses while it renders, so that rendering a sequence with
/// `ForEach` costs no allocation per element.
///
/// Rendering is synchronous: a buffer taken here is given back before the thread renders
/// anything else, so one free list per thread is enough and needs no lock.
@usableFromInline
final class RenderScratch {
    private var free: [[UInt8]] = []

    /// A buffer with room for `capacity` bytes: a reused one if the thread has one.
    static func takeBuffer(capacity: Int) -> [UInt8] {
        var buffer = current.free.popLast() ?? []
        buffer.reserveCapacity(capacity)
        return buffer
    }

    /// Takes a buffer back for the next element: its bytes are dropped, its capacity kept, and
    /// `buffer` is left empty.
    @usableFromInline
    static func giveBack(_ buffer: inout [UInt8]) {
        let scratch = current
        if scratch.free.count < maximumFreeBuffers {
            buffer.removeAll(keepingCapacity: true)
            scratch.free.append(buffer)
        }
        buffer = []
    }

    /// Enough for lists nested a few levels deep; a thread never keeps more.
    private static let maximumFreeBuffers = 8

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let created = pthread_key_create(&key) { pointer in
            Unmanaged<RenderScratch>.fromOpaque(pointer!).release()
        }
        precondition(created == 0, "Hyper: pthread_key_create failed")
        return key
    }()

    private static var current: RenderScratch {
        if let existing = pthread_getspecific(key) {
            return Unmanaged<RenderScratch>.fromOpaque(existing).takeUnretainedValue()
        }
        let scratch = RenderScratch()
        pthread_setspecific(key, Unmanaged.passRetained(scratch).toOpaque())
        return scratch
    }
}
