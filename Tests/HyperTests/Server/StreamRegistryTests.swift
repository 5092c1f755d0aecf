import Synchronization
import Testing

@testable import Hyper

/// The routes whose streams were ended, in order.
private final class EndedRoutes: Sendable {
    let routes = Mutex<[String]>([])
}

@Suite("StreamRegistry")
struct StreamRegistryTests {
    private func entry(_ route: String, ended: EndedRoutes) -> StreamRegistry.Entry {
        StreamRegistry.Entry(route: route, path: route, started: .now, farewell: []) { _ in ended.routes.withLock { $0.append(route) } }
    }

    @Test("endAll ends every open stream once and refuses new ones")
    func endAllEndsAndCloses() {
        let ended = EndedRoutes()
        let registry = StreamRegistry()
        let first = entry("/a", ended: ended)
        let second = entry("/b", ended: ended)
        let gone = entry("/c", ended: ended)
        #expect([first, second, gone].allSatisfy { registry.admit($0, within: 10) == .admitted })
        registry.remove(gone)
        #expect(registry.endAll() == 2)
        #expect(ended.routes.withLock { $0.sorted() } == ["/a", "/b"])
        #expect(registry.admit(entry("/late", ended: ended), within: 10) == .closed)
        #expect(registry.entries.map(\.route).sorted() == ["/a", "/b"])
    }

    @Test("entries are listed oldest first with what they sent")
    func entriesCountWrites() throws {
        let ended = EndedRoutes()
        let registry = StreamRegistry()
        let older = entry("/old", ended: ended)
        let newer = entry("/new", ended: ended)
        #expect(registry.admit(newer, within: 10) == .admitted && registry.admit(older, within: 10) == .admitted)
        older.recordWrite(bytes: 10)
        older.recordWrite(bytes: 5)
        #expect(registry.entries.map(\.route) == ["/old", "/new"])
        #expect(older.sent == (writes: 2, bytes: 15))
        #expect(newer.sent == (writes: 0, bytes: 0))
    }

    @Test("admission stops at the limit, and an ended stream makes room")
    func admissionLimit() {
        let ended = EndedRoutes()
        let registry = StreamRegistry()
        let first = entry("/a", ended: ended)
        #expect(registry.admit(first, within: 2) == .admitted)
        #expect(registry.admit(entry("/b", ended: ended), within: 2) == .admitted)
        #expect(registry.admit(entry("/c", ended: ended), within: 2) == .full)
        #expect(registry.count == 2)
        registry.remove(first)
        #expect(registry.admit(entry("/d", ended: ended), within: 2) == .admitted)
        #expect(registry.entries.map(\.route).sorted() == ["/b", "/d"])
    }

    @Test("waitUntilEmpty answers whether every stream has ended by the deadline")
    func waitUntilEmpty() {
        let registry = StreamRegistry()
        let stream = entry("/a", ended: EndedRoutes())
        #expect(registry.admit(stream, within: 1) == .admitted)
        #expect(!registry.waitUntilEmpty(before: .now))
        registry.remove(stream)
        #expect(registry.waitUntilEmpty(before: .now))
    }

    @Test(
        "a stream is removed once its response has ended on the wire, whether that comes before or after its admission")
    func removedAtTheEndOfTheResponse() {
        let stream = entry("/a", ended: EndedRoutes())

        let ongoing = AccessLogEntry()
        #expect(ongoing.keepUntilEnd(stream))
        #expect(ongoing.responseEnded() === stream)
        #expect(ongoing.responseEnded() == nil)

        let over = AccessLogEntry()
        #expect(over.responseEnded() == nil)
        #expect(!over.keepUntilEnd(stream))
    }
}
