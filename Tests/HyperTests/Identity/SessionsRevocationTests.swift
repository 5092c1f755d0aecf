import FoundationEssentials
import Synchronization
import Testing

@testable import Hyper

@Suite("Sessions: the streams a revocation ends, and only those")
struct SessionsRevocationTests {
    /// Stands for an open stream, recording the last bytes it was ended with.
    final class Stream: Sendable {
        let last = Mutex<String?>(nil)
        var ended: String? { last.withLock { $0 } }
        func end(_ bytes: [UInt8]) { last.withLock { $0 = String(decoding: bytes, as: UTF8.self) } }
    }

    func open(_ path: String, of session: Session, in sessions: Sessions) -> Stream {
        let stream = Stream()
        let watched = sessions.watch(ObjectIdentifier(stream), session: session, path: path) { stream.end($0) }
        #expect(watched)
        return stream
    }

    @Test("ending a user's streams under a path ends theirs there, not elsewhere, not another user's")
    func endStreamsUnderPath() async throws {
        let sessions = Sessions()
        let (ada, _) = try await sessions.signIn(userID: "ada", replacing: nil)
        let (grace, _) = try await sessions.signIn(userID: "grace", replacing: nil)
        let alpha = open("/chat/alpha/stream", of: ada, in: sessions)
        let room = open("/chat/alpha", of: ada, in: sessions)
        let alphabet = open("/chat/alphabet/stream", of: ada, in: sessions)
        let gracesAlpha = open("/chat/alpha/stream", of: grace, in: sessions)
        try await sessions.endStreams(ofUser: "ada", under: "/chat/alpha")
        #expect(alpha.ended == "event: signed-out\ndata: revoked\n\n")
        #expect(room.ended == "event: signed-out\ndata: revoked\n\n")
        #expect(alphabet.ended == nil && gracesAlpha.ended == nil)
        #expect(sessions.watchedStreamCount == 2)
        // The session itself stays.
        #expect(try await sessions.store.use(ada.key, at: .now, idleTimeout: .seconds(60)) != nil)
    }

    @Test("signing a user out everywhere ends every stream of every session of theirs")
    func signOutEverywhere() async throws {
        let sessions = Sessions()
        let (laptop, _) = try await sessions.signIn(userID: "ada", replacing: nil)
        let (phone, _) = try await sessions.signIn(userID: "ada", replacing: nil)
        let (grace, _) = try await sessions.signIn(userID: "grace", replacing: nil)
        let streams = [open("/a", of: laptop, in: sessions), open("/b", of: phone, in: sessions)]
        let other = open("/a", of: grace, in: sessions)
        try await sessions.signOutEverywhere(userID: "ada")
        #expect(streams.allSatisfy { $0.ended == "event: signed-out\ndata: revoked\n\n" })
        #expect(other.ended == nil)
        // A stream that opens with a revoked session is refused: the caller ends it at once.
        let late = Stream()
        let watched = sessions.watch(ObjectIdentifier(late), session: phone, path: "/c") { late.end($0) }
        #expect(!watched)
    }

    @Test("a session's streams end at its expiry, with expired")
    func expiry() async throws {
        let sessions = Sessions(configuration: SessionConfiguration(lifetime: .seconds(60)))
        let (session, _) = try await sessions.signIn(userID: "ada", replacing: nil)
        let stream = open("/a", of: session, in: sessions)
        #expect(sessions.endExpiredStreams(at: .now) == 0)
        #expect(sessions.endExpiredStreams(at: Date.now.addingTimeInterval(61)) == 1)
        #expect(stream.ended == "event: signed-out\ndata: expired\n\n")
        #expect(sessions.watchedStreamCount == 0)
    }

    @Test("signing in again ends the earlier session's streams (no fixation)")
    func rotation() async throws {
        let sessions = Sessions()
        let (first, _) = try await sessions.signIn(userID: "ada", replacing: nil)
        let stream = open("/a", of: first, in: sessions)
        _ = try await sessions.signIn(userID: "ada", replacing: first)
        #expect(stream.ended == "event: signed-out\ndata: signed-out\n\n")
    }
}
