import FoundationEssentials
import Logging
import ServiceLifecycle
import Synchronization

/// The sessions of an app: sign-in and sign-out, who a request's cookie names, and the streams
/// each session has open, which end the moment the right to read them does, on every instance.
///
/// Every `Application` has one (in memory unless it was given another, such as HyperPostgres's
/// `PostgresHubStore.sessions(configuration:)`), runs it beside its server, and gives it to every
/// request: routes use it through `Request.session`, `Request.signIn(as:respondingWith:)` and
/// `Request.signOut(respondingWith:)`, and reach it for revocations with
/// `request.service(Sessions.self)`:
///
/// ```swift
/// // After a password change: every session of the user ends, and so do their open streams.
/// try await request.service(Sessions.self).signOutEverywhere(userID: user.id)
/// // A user removed from a room: their streams of the room end; their sessions stay.
/// try await sessions.endStreams(ofUser: "2", under: "/chat/alpha")
/// ```
///
/// An ended stream's last event is `event: signed-out` (its data says why: `signed-out`,
/// `expired` or `revoked`), so its page can say so instead of going quiet.
public final class Sessions: Service, Sendable {
    /// The lifetime, idle timeout and cookie.
    public let configuration: SessionConfiguration
    /// Where the records are.
    public let store: any SessionStore
    /// Carries every revocation to every instance, this one included.
    private let revocations: Hub<String, SessionRevocation>
    private let logger: Logger
    private let state = Mutex(State())

    /// The one topic of `revocations`.
    private static let topic = "revocations"
    /// Sessions read less than this long ago are answered from the cache, without the store.
    private let touchInterval: Duration
    /// How long a revoked session's key is remembered, so that a request that read the session
    /// just before it ended neither caches it nor opens a stream with it.
    private static let revokedKeyMemory: Duration = .seconds(60)
    /// Past this many, the cache starts again empty.
    private static let cacheLimit = 100_000

    /// A session read from the store, and when the store last marked it used.
    private struct Cached {
        let session: Session
        let lastUsed: Date
    }

    /// An open stream of a session: what ends it, and what it reads.
    private struct WatchedStream {
        let end: @Sendable ([UInt8]) -> Void
        let key: String
        let userID: String
        let path: String
        let expires: Date
    }

    private struct State {
        var cache: [String: Cached] = [:]
        var streams: [ObjectIdentifier: WatchedStream] = [:]
        var revokedKeys: [String: Date] = [:]
    }

    /// Sessions in `store` (in memory by default) behaving as `configuration` says, whose
    /// revocations reach this process only: for an app served by one process.
    public convenience init(
        store: some SessionStore = InMemorySessionStore(), configuration: SessionConfiguration = .init(),
        logger: Logger = Logger(label: "Hyper.Sessions")
    ) {
        self.init(
            store: store, revocations: Hub(history: HubHistory(maximumCount: 16), logger: logger),
            configuration: configuration, logger: logger)
    }

    /// Sessions in `store` whose revocations travel through `revocations`, a hub every instance
    /// shares (a database's).
    package init(
        store: some SessionStore, revocations: Hub<String, SessionRevocation>, configuration: SessionConfiguration,
        logger: Logger
    ) {
        self.store = store
        self.revocations = revocations
        self.configuration = configuration
        self.logger = logger
        touchInterval = min(configuration.idleTimeout / 10, .seconds(60))
    }

    // MARK: Who is asking

    /// The live session whose cookie value is `secret`, or nil: unknown, malformed, over, or
    /// revoked. Costs no store round trip when the session was read within the touch interval,
    /// one otherwise (which also marks it used).
    package func session(forCookie secret: some StringProtocol, at now: Date = .now) async throws -> Session? {
        guard SessionSecret.isWellFormed(secret) else { return nil }
        let key = SessionSecret.hash(secret)
        let cached = state.withLock { $0.cache[key] }
        if let cached {
            if now >= cached.session.expires {
                state.withLock { $0.cache[key] = nil }
                return nil
            }
            if now.timeIntervalSince(cached.lastUsed) < touchInterval.seconds { return cached.session }
        }
        guard let record = try await store.use(key, at: now, idleTimeout: configuration.idleTimeout) else {
            state.withLock { $0.cache[key] = nil }
            return nil
        }
        let session = Session(record)
        let revoked = state.withLock { state in
            guard state.revokedKeys[key] == nil else { return true }
            if state.cache.count >= Self.cacheLimit { state.cache.removeAll() }
            state.cache[key] = Cached(session: session, lastUsed: now)
            return false
        }
        return revoked ? nil : session
    }

    // MARK: Signing in and out

    /// Starts a session for `userID` and returns it with its cookie's value. Ends `previous`
    /// first, so that an id known before sign-in is never signed in (no session fixation).
    package func signIn(userID: String, replacing previous: Session?, at now: Date = .now) async throws
        -> (session: Session, secret: String)
    {
        if let previous { try await signOut(previous, reason: "signed-out") }
        let secret = SessionSecret.make()
        let record = SessionRecord(
            key: SessionSecret.hash(secret), userID: userID, csrfToken: SessionSecret.make(), created: now,
            lastUsed: now, expires: now.addingTimeInterval(configuration.lifetime.seconds))
        try await store.insert(record)
        let session = Session(record)
        state.withLock { $0.cache[record.key] = Cached(session: session, lastUsed: now) }
        logger.info("Hyper: signed in", metadata: ["user": "\(userID.escapingControlCharacters)"])
        return (session, secret)
    }

    /// Ends `session`: its record goes, and its streams on every instance end with
    /// `event: signed-out` (data `reason`).
    package func signOut(_ session: Session, reason: String = "signed-out") async throws {
        _ = try await store.remove(session.key)
        try await announce(.session(key: session.key, reason: reason))
        logger.info("Hyper: signed out", metadata: ["user": "\(session.userID.escapingControlCharacters)"])
    }

    /// Ends every session of `userID` (after a password change, or when the user is removed),
    /// and with them their streams on every instance (`event: signed-out`, data `revoked`).
    /// Their cookies then get 401 on routes for signed-in users.
    public func signOutEverywhere(userID: String) async throws {
        let keys = try await store.removeAll(ofUser: userID)
        try await announce(.user(userID: userID, keys: keys, reason: "revoked"))
        logger.info(
            "Hyper: every session of a user ended",
            metadata: ["user": "\(userID.escapingControlCharacters)", "sessions": "\(keys.count)"])
    }

    /// Ends the open streams of `userID` whose path is `pathPrefix` or under it (`/chat/alpha`
    /// ends `/chat/alpha/stream`), on every instance, each with `event: signed-out` (data
    /// `revoked`): for a right that ended while the sessions stay, such as a room's membership.
    /// The route's access rule must refuse the user from then on.
    public func endStreams(ofUser userID: String, under pathPrefix: String) async throws {
        try await announce(.streams(userID: userID, pathPrefix: pathPrefix, reason: "revoked"))
    }

    /// Applies `revocation` here at once, then tells every instance (this one hears it again,
    /// which changes nothing).
    private func announce(_ revocation: SessionRevocation) async throws {
        apply(revocation)
        try await revocations.publish(revocation, to: Self.topic)
    }

    // MARK: Streams

    /// Remembers a stream opened by `session` at `path`, ended by `end` (given the stream's last
    /// bytes) when the session ends or loses the right; returns false, ending nothing, when the
    /// session was revoked meanwhile: the caller ends the stream at once.
    func watch(_ stream: ObjectIdentifier, session: Session, path: String, end: @escaping @Sendable ([UInt8]) -> Void)
        -> Bool
    {
        state.withLock { state in
            guard state.revokedKeys[session.key] == nil else { return false }
            state.streams[stream] = WatchedStream(
                end: end, key: session.key, userID: session.userID, path: path, expires: session.expires)
            return true
        }
    }

    /// Forgets a stream that has ended.
    func forget(_ stream: ObjectIdentifier) {
        _ = state.withLock { $0.streams.removeValue(forKey: stream) }
    }

    /// How many open streams belong to a session.
    public var watchedStreamCount: Int {
        state.withLock { $0.streams.count }
    }

    /// The last event of a stream whose right ended for `reason`.
    static func signedOutEvent(reason: String) -> [UInt8] {
        (try? ServerSentEvent(event: "signed-out", data: reason))?.encoded ?? []
    }

    /// Ends the streams and forgets the cache entries `revocation` names.
    private func apply(_ revocation: SessionRevocation) {
        let ended: Int
        switch revocation {
        case .session(let key, let reason):
            state.withLock { state in
                state.cache[key] = nil
                state.revokedKeys[key] = .now
            }
            ended = endWatchedStreams(reason: reason) { $0.key == key }
        case .user(let userID, let keys, let reason):
            state.withLock { state in
                for key in keys { state.revokedKeys[key] = .now }
                state.cache = state.cache.filter { $0.value.session.userID != userID }
            }
            let revoked = Set(keys)
            ended = endWatchedStreams(reason: reason) { revoked.contains($0.key) }
        case .streams(let userID, let prefix, let reason):
            ended = endWatchedStreams(reason: reason) {
                $0.userID == userID && ($0.path == prefix || $0.path.hasPrefix(prefix + "/"))
            }
        }
        if ended > 0 {
            logger.info("Hyper: streams ended", metadata: ["reason": "\(revocation.reason)", "streams": "\(ended)"])
        }
    }

    /// Ends the streams of sessions past their expiry and forgets the keys revoked longer ago than
    /// `revokedKeyMemory`; returns how many streams ended.
    @discardableResult
    func endExpiredStreams(at now: Date = .now) -> Int {
        state.withLock { state in
            state.revokedKeys = state.revokedKeys.filter {
                now.timeIntervalSince($0.value) < Self.revokedKeyMemory.seconds
            }
        }
        return endWatchedStreams(reason: "expired") { now >= $0.expires }
    }

    /// Forgets the watched streams that `matches`, then ends each with `event: signed-out`
    /// (data `reason`); returns how many.
    private func endWatchedStreams(reason: String, where matches: (WatchedStream) -> Bool) -> Int {
        let ended: [WatchedStream] = state.withLock { state in
            let matching = state.streams.filter { matches($0.value) }
            for id in matching.keys { state.streams[id] = nil }
            return Array(matching.values)
        }
        let last = Self.signedOutEvent(reason: reason)
        for stream in ended { stream.end(last) }
        return ended.count
    }

    // MARK: Running

    /// Hears revocations from every instance and ends the streams they name; ends streams whose
    /// session expired (every quarter second) and removes sessions that are over from the store
    /// (every minute). Runs beside the app's server until the service group shuts down.
    public func run() async {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.hearRevocations() }
                group.addTask { await self.sweep() }
            }
        }
    }

    private func hearRevocations() async {
        for await delivery in revocations.subscribe(to: Self.topic) {
            switch delivery {
            case .event(let event): apply(event.message)
            case .reset:
                // Revocations may have been missed: read every session afresh, and end the streams
                // of those that are over.
                let open = state.withLock { state in
                    state.cache.removeAll()
                    return Set(state.streams.values.map(\.key))
                }
                for key in open {
                    do {
                        if try await store.use(key, at: .now, idleTimeout: configuration.idleTimeout) == nil {
                            apply(.session(key: key, reason: "signed-out"))
                        }
                    } catch {
                        logger.warning(
                            "Hyper: could not check a session after missed revocations", metadata: ["error": "\(error)"]
                        )
                    }
                }
            }
        }
    }

    private func sweep() async {
        var lastPurge = ContinuousClock.now
        while (try? await Task.sleep(for: .milliseconds(250))) != nil {
            endExpiredStreams()
            guard ContinuousClock.now - lastPurge >= .seconds(60) else { continue }
            lastPurge = .now
            do {
                try await store.removeExpired(at: .now, idleTimeout: configuration.idleTimeout)
            } catch {
                logger.warning(
                    "Hyper: could not remove sessions that are over; trying again in a minute",
                    metadata: ["error": "\(error)"])
            }
        }
    }
}
