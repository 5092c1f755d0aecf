import FoundationEssentials

/// Where sessions are kept: `InMemorySessionStore` for one process, or a database shared by every
/// instance (`PostgresSessionStore` in HyperPostgres). `Sessions` caches what it reads and tells
/// every instance when a session ends, so a store only keeps the records.
public protocol SessionStore: Sendable {
    /// Stores a new session.
    func insert(_ record: SessionRecord) async throws

    /// The session under `key`, marked used at `now`, in one step (one round trip to a
    /// database); nil when there is none, or when it is over at `now` (then it is removed).
    func use(_ key: String, at now: Date, idleTimeout: Duration) async throws -> SessionRecord?

    /// Removes the session under `key`; returns it, or nil when there was none.
    func remove(_ key: String) async throws -> SessionRecord?

    /// Removes every session of `userID`; returns their keys.
    func removeAll(ofUser userID: String) async throws -> [String]

    /// Removes the sessions over at `now`; returns how many.
    @discardableResult
    func removeExpired(at now: Date, idleTimeout: Duration) async throws -> Int
}
