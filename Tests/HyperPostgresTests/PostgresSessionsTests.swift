import Foundation
import HyperPostgres
import Logging
import Synchronization
import Testing

@testable import Hyper

/// Sessions in PostgreSQL, against a real server started by the test: two stores in this process
/// stand for two instances of an app, each with its own `Sessions` (its own cache).
@Suite("PostgreSQL sessions", .serialized)
struct PostgresSessionsTests {
    @Test("the table keeps the hash of the cookie, never the cookie; a session read on another instance is the same")
    func hashesAndSharing() async throws {
        try await withTwoInstances { postgres, first, second in
            let (session, secret) = try await first.signIn(userID: "ada", replacing: nil)
            let keys = try await postgres.psql("SELECT key FROM hyper_sessions")
            #expect(keys.trimmingCharacters(in: .whitespacesAndNewlines) == SessionSecret.hash(secret))
            #expect(!keys.contains(secret))
            let read = try #require(try await second.session(forCookie: secret))
            #expect(read.userID == "ada" && read.csrfToken == session.csrfToken)
            #expect(try await second.session(forCookie: SessionSecret.make()) == nil)
        }
    }

    @Test("the store ends sessions past their lifetime or idle timeout, and every session of a user")
    func storeExpiry() async throws {
        try await withTwoInstances { _, first, _ in
            let store = first.store
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            func record(_ key: String, user: String, lifetime: Double) -> SessionRecord {
                SessionRecord(
                    key: key, userID: user, csrfToken: "t", created: start, lastUsed: start,
                    expires: start.addingTimeInterval(lifetime))
            }
            try await store.insert(record("short", user: "a", lifetime: 100))
            try await store.insert(record("idle", user: "a", lifetime: 10_000))
            try await store.insert(record("other", user: "b", lifetime: 10_000))
            let used = try await store.use("idle", at: start.addingTimeInterval(50), idleTimeout: .seconds(60))
            #expect(used?.lastUsed == start.addingTimeInterval(50))
            #expect(try await store.use("short", at: start.addingTimeInterval(100), idleTimeout: .seconds(600)) == nil)
            #expect(try await store.use("idle", at: start.addingTimeInterval(111), idleTimeout: .seconds(60)) == nil)
            #expect(try await store.use("short", at: start, idleTimeout: .seconds(600)) == nil)  // removed above
            try await store.insert(record("a2", user: "a", lifetime: 10_000))
            #expect(try await store.removeAll(ofUser: "a") == ["a2"])
            #expect(try await store.removeExpired(at: start.addingTimeInterval(20_000), idleTimeout: .seconds(60)) == 1)
        }
    }

    @Test("a sign-out on one instance ends the session's streams on the other within a second, with signed-out")
    func signOutReachesOtherInstance() async throws {
        try await withTwoInstances { _, first, second in
            let (session, secret) = try await first.signIn(userID: "ada", replacing: nil)
            let onSecond = try #require(try await second.session(forCookie: secret))
            let ended = Mutex<[UInt8]?>(nil)
            let stream = Marker()
            #expect(
                second.watch(ObjectIdentifier(stream), session: onSecond, path: "/inbox/stream") { last in
                    ended.withLock { $0 = last }
                })
            let start = ContinuousClock.now
            try await first.signOut(session)
            while ended.withLock({ $0 }) == nil && ContinuousClock.now - start < .seconds(5) {
                try await Task.sleep(for: .milliseconds(5))
            }
            let last = try #require(ended.withLock { $0 })
            #expect(ContinuousClock.now - start < .seconds(1))
            #expect(String(decoding: last, as: UTF8.self) == "event: signed-out\ndata: signed-out\n\n")
            #expect(try await second.session(forCookie: secret) == nil)
        }
    }

    @Test("signing a user out everywhere reaches the other instance's cache and streams")
    func signOutEverywhere() async throws {
        try await withTwoInstances { _, first, second in
            let (_, laptop) = try await first.signIn(userID: "ada", replacing: nil)
            let (_, phone) = try await second.signIn(userID: "ada", replacing: nil)
            let (_, other) = try await second.signIn(userID: "grace", replacing: nil)
            let phoneSession = try #require(try await second.session(forCookie: phone))
            let ended = Mutex(false)
            let stream = Marker()
            _ = second.watch(ObjectIdentifier(stream), session: phoneSession, path: "/s") { _ in
                ended.withLock { $0 = true }
            }
            try await first.signOutEverywhere(userID: "ada")
            let start = ContinuousClock.now
            while !ended.withLock({ $0 }) && ContinuousClock.now - start < .seconds(5) {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(ended.withLock { $0 })
            #expect(try await second.session(forCookie: laptop) == nil)
            #expect(try await second.session(forCookie: phone) == nil)
            #expect(try await second.session(forCookie: other)?.userID == "grace")
        }
    }

    @Test("with the database down, reading a session fails with 503, not as nobody signed in")
    func databaseDown() async throws {
        try await withTwoInstances { postgres, first, _ in
            let (_, secret) = try await first.signIn(userID: "ada", replacing: nil)
            try await postgres.shutDown()
            await #expect(throws: SessionStoreUnavailableError.self) {
                _ = try await first.store.use(SessionSecret.hash(secret), at: .now, idleTimeout: .seconds(60))
            }
            let response = SessionStoreUnavailableError(operation: "x", cause: "y").response(
                for: Request(method: .get, path: "/"))
            #expect(response.status == .serviceUnavailable && response.headerFields[.retryAfter] == "1")
        }
    }

    /// Stands for a stream: its identity is what `watch` keys on.
    final class Marker: Sendable {}

    private func withTwoInstances(
        _ body: (TemporaryPostgres, Sessions, Sessions) async throws -> Void
    ) async throws {
        let postgres = try await TemporaryPostgres.make()
        defer { postgres.remove() }
        let url = try PostgresURL(postgres.url)
        let stores = [
            try await PostgresHubStore.connect(to: url, logger: Logger(label: "first")),
            try await PostgresHubStore.connect(to: url, logger: Logger(label: "second")),
        ]
        let sessions = stores.map { $0.sessions() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores { group.addTask { try await store.run() } }
            for instance in sessions { group.addTask { await instance.run() } }
            defer { group.cancelAll() }
            // Both listen before the test starts.
            while !stores.allSatisfy(\.isListening) { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(100))
            try await body(postgres, sessions[0], sessions[1])
        }
    }
}
