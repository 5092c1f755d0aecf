import FoundationEssentials
import Hyper
import Logging
import PostgresNIO

/// Sessions in PostgreSQL, shared by every instance: one row a session, keyed by the SHA-256 of
/// its cookie value (a read of the table yields no cookie that works).
///
/// ```sql
/// CREATE TABLE hyper_sessions (
///     key          text PRIMARY KEY,      -- SHA-256 of the cookie value, hex
///     user_id      text NOT NULL,
///     csrf_token   text NOT NULL,
///     created_at   timestamptz NOT NULL,
///     last_used_at timestamptz NOT NULL,
///     expires_at   timestamptz NOT NULL);
/// CREATE INDEX hyper_sessions_user_id ON hyper_sessions (user_id);
/// CREATE INDEX hyper_sessions_expires_at ON hyper_sessions (expires_at);
/// ```
///
/// `PostgresHubStore.connect` creates the table when missing; `PostgresHubStore.sessions(configuration:)`
/// makes the app's `Sessions` over it. Each call is one round trip, given up after `timeout`
/// with `SessionStoreUnavailableError` (a 503).
public struct PostgresSessionStore: SessionStore {
    private let client: PostgresClient
    private let timeout: Duration
    private let logger: Logger

    init(client: PostgresClient, timeout: Duration = .seconds(5), logger: Logger) {
        self.client = client
        self.timeout = timeout
        self.logger = logger
    }

    /// Creates the table and its indexes when missing (within the schema lock's transaction).
    static func prepare(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS hyper_sessions (
                key text PRIMARY KEY,
                user_id text NOT NULL,
                csrf_token text NOT NULL,
                created_at timestamptz NOT NULL,
                last_used_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL)
            """, logger: logger)
        try await connection.query(
            "CREATE INDEX IF NOT EXISTS hyper_sessions_user_id ON hyper_sessions (user_id)", logger: logger)
        try await connection.query(
            "CREATE INDEX IF NOT EXISTS hyper_sessions_expires_at ON hyper_sessions (expires_at)", logger: logger)
    }

    public func insert(_ record: SessionRecord) async throws {
        try await unavailableOnFailure("store a session") { [client, logger] in
            let rows = try await client.query(
                """
                INSERT INTO hyper_sessions (key, user_id, csrf_token, created_at, last_used_at, expires_at)
                VALUES (\(record.key), \(record.userID), \(record.csrfToken), \(record.created), \(record.lastUsed),
                        \(record.expires))
                """, logger: logger)
            for try await _ in rows {}
        }
    }

    public func use(_ key: String, at now: Date, idleTimeout: Duration) async throws -> SessionRecord? {
        let idleSeconds = Double(idleTimeout.components.seconds) + Double(idleTimeout.components.attoseconds) / 1e18
        return try await unavailableOnFailure("read a session") { [client, logger] in
            // One statement: a live session is marked used and returned; one that is over goes.
            let rows = try await client.query(
                """
                WITH over AS (
                    DELETE FROM hyper_sessions
                    WHERE key = \(key)
                      AND (expires_at <= \(now) OR last_used_at < \(now) - make_interval(secs => \(idleSeconds))))
                UPDATE hyper_sessions SET last_used_at = \(now)
                WHERE key = \(key) AND expires_at > \(now) AND last_used_at >= \(now) - make_interval(secs => \(idleSeconds))
                RETURNING user_id, csrf_token, created_at, last_used_at, expires_at
                """, logger: logger)
            return try await Self.record(key: key, from: rows)
        }
    }

    public func remove(_ key: String) async throws -> SessionRecord? {
        try await unavailableOnFailure("remove a session") { [client, logger] in
            let rows = try await client.query(
                """
                DELETE FROM hyper_sessions WHERE key = \(key)
                RETURNING user_id, csrf_token, created_at, last_used_at, expires_at
                """, logger: logger)
            return try await Self.record(key: key, from: rows)
        }
    }

    public func removeAll(ofUser userID: String) async throws -> [String] {
        try await unavailableOnFailure("remove a user's sessions") { [client, logger] in
            let rows = try await client.query(
                "DELETE FROM hyper_sessions WHERE user_id = \(userID) RETURNING key", logger: logger)
            var keys: [String] = []
            for try await key in rows.decode(String.self) { keys.append(key) }
            return keys
        }
    }

    @discardableResult
    public func removeExpired(at now: Date, idleTimeout: Duration) async throws -> Int {
        let idleSeconds = Double(idleTimeout.components.seconds) + Double(idleTimeout.components.attoseconds) / 1e18
        return try await unavailableOnFailure("remove sessions that are over") { [client, logger] in
            let rows = try await client.query(
                """
                WITH over AS (
                    DELETE FROM hyper_sessions
                    WHERE expires_at <= \(now) OR last_used_at < \(now) - make_interval(secs => \(idleSeconds))
                    RETURNING key)
                SELECT count(*) FROM over
                """, logger: logger)
            var count: Int64 = 0
            for try await row in rows.decode(Int64.self) { count = row }
            return Int(count)
        }
    }

    /// Runs `body` within `timeout`; any failure becomes `SessionStoreUnavailableError`.
    private func unavailableOnFailure<Result: Sendable>(
        _ operation: String, _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await Deadline.run(
            within: timeout, failingWith: { SessionStoreUnavailableError(operation: operation, cause: $0) }, body)
    }

    /// The session under `key` that `rows` (`user_id, csrf_token, created_at, last_used_at,
    /// expires_at`) hold, if any.
    private static func record(key: String, from rows: PostgresRowSequence) async throws -> SessionRecord? {
        var record: SessionRecord?
        for try await (userID, csrfToken, created, lastUsed, expires) in rows.decode(
            (String, String, Date, Date, Date).self)
        {
            record = SessionRecord(
                key: key, userID: userID, csrfToken: csrfToken, created: created, lastUsed: lastUsed, expires: expires)
        }
        return record
    }
}
