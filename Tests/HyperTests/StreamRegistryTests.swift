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
        StreamRegistry.Entry(route: route, path: route, started: .now) { ended.routes.withLock { $0.append(route) } }
    }

    @Test("endAll ends every open stream once and refuses new ones")
    func endAllEndsAndCloses() {
        let ended = EndedRoutes()
        let registry = StreamRegistry()
        let first = entry("/a", ended: ended)
        let second = entry("/b", ended: ended)
        let gone = entry("/c", ended: ended)
        #expect(registry.add(first) && registry.add(second) && registry.add(gone))
        registry.remove(gone)
        #expect(registry.endAll() == 2)
        #expect(ended.routes.withLock { $0.sorted() } == ["/a", "/b"])
        #expect(!registry.add(entry("/late", ended: ended)))
        #expect(registry.entries.map(\.route).sorted() == ["/a", "/b"])
    }

    @Test("entries are listed oldest first with what they sent")
    func entriesCountWrites() throws {
        let ended = EndedRoutes()
        let registry = StreamRegistry()
        let older = entry("/old", ended: ended)
        let newer = entry("/new", ended: ended)
        #expect(registry.add(newer) && registry.add(older))
        older.recordWrite(bytes: 10)
        older.recordWrite(bytes: 5)
        #expect(registry.entries.map(\.route) == ["/old", "/new"])
        #expect(older.sent == (writes: 2, bytes: 15))
        #expect(newer.sent == (writes: 0, bytes: 0))
    }
}
