import FoundationEssentials
import Testing

@testable import Hyper

@Suite("InMemorySessionStore: records by hash, expiry and idle timeout")
struct InMemorySessionStoreTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    func record(_ key: String, user: String = "1", lifetime: Double = 3600) -> SessionRecord {
        SessionRecord(
            key: key, userID: user, csrfToken: "token-\(key)", created: start, lastUsed: start,
            expires: start.addingTimeInterval(lifetime))
    }

    @Test("use marks a live session used and returns it")
    func useMarksUsed() {
        let store = InMemorySessionStore()
        store.insert(record("k"))
        let later = start.addingTimeInterval(10)
        #expect(store.use("k", at: later, idleTimeout: .seconds(60))?.lastUsed == later)
        #expect(store.use("unknown", at: later, idleTimeout: .seconds(60)) == nil)
    }

    @Test("a session past its lifetime is over and removed, however recently used")
    func lifetimeEnds() {
        let store = InMemorySessionStore()
        store.insert(record("k", lifetime: 100))
        #expect(store.use("k", at: start.addingTimeInterval(99), idleTimeout: .seconds(3600)) != nil)
        #expect(store.use("k", at: start.addingTimeInterval(100), idleTimeout: .seconds(3600)) == nil)
        #expect(store.count == 0)
    }

    @Test("a session unused for longer than the idle timeout is over")
    func idleTimeoutEnds() {
        let store = InMemorySessionStore()
        store.insert(record("k"))
        #expect(store.use("k", at: start.addingTimeInterval(50), idleTimeout: .seconds(60)) != nil)
        #expect(store.use("k", at: start.addingTimeInterval(109), idleTimeout: .seconds(60)) != nil)
        #expect(store.use("k", at: start.addingTimeInterval(170), idleTimeout: .seconds(60)) == nil)
    }

    @Test("removeAll ends every session of one user and no other's")
    func removeAllOfUser() {
        let store = InMemorySessionStore()
        store.insert(record("a1", user: "a"))
        store.insert(record("a2", user: "a"))
        store.insert(record("b1", user: "b"))
        #expect(Set(store.removeAll(ofUser: "a")) == ["a1", "a2"])
        #expect(store.count == 1)
        #expect(store.use("b1", at: start, idleTimeout: .seconds(60)) != nil)
    }

    @Test("removeExpired drops the sessions that are over")
    func removeExpired() {
        let store = InMemorySessionStore()
        store.insert(record("short", lifetime: 10))
        store.insert(record("long"))
        #expect(store.removeExpired(at: start.addingTimeInterval(20), idleTimeout: .seconds(60)) == 1)
        #expect(store.count == 1)
    }
}
