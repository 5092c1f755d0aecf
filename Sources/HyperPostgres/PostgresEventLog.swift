import Foundation
import Logging
import PostgresNIO

/// The durable event log that instances share: one PostgreSQL table holding every message
/// published, each under an id the database gives it.
///
/// ```sql
/// CREATE TABLE hyper_events (
///     id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
///     topic           text        NOT NULL,
///     payload         bytea       NOT NULL,
///     created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
///     idempotency_key text);
/// CREATE INDEX hyper_events_topic_id ON hyper_events (topic, id);
/// CREATE INDEX hyper_events_created_at ON hyper_events (created_at);
/// CREATE UNIQUE INDEX hyper_events_topic_idempotency_key ON hyper_events (topic, idempotency_key)
///     WHERE idempotency_key IS NOT NULL;
/// CREATE TABLE hyper_events_horizon (pruned_through bigint NOT NULL);  -- one row
/// CREATE FUNCTION hyper_events_append(new_topic text, new_payload bytea, new_key text,
///                                     budget_ms integer) RETURNS bigint;
/// ```
///
/// `prepare()` creates these when missing, adds the `idempotency_key` column and its index to a
/// table made by an earlier version, and replaces the function. An append is one call of
/// `hyper_events_append`, its own transaction: it takes a transaction-scoped advisory lock,
/// returns the id of the topic's row with the same idempotency key if there is one, or else
/// inserts the row and sends `NOTIFY hyper_events, '<id>:<topic>'`; it returns after the
/// commit. The lock makes ids visible in the order they were given: once id N is readable, every
/// smaller id is committed or never will be, so a reader that remembers the last id it read
/// misses nothing; and it makes the idempotency check and the insert one step. (PostgreSQL
/// already serialises the commits of transactions that notify, so the lock costs little more;
/// being taken inside the function, it is never held across a round trip to the app.)
///
/// An append that fails says whether the event was stored. The server keeps to a time budget,
/// four fifths of what is left of `timeout` once the append has a connection: lock waits (a
/// locked table, a queue of publishers) end there, and a function that finds itself past it
/// raises instead of returning, so a slow append is rolled back by the server before the caller
/// gives up. `EventLogUnavailableError` means nothing was stored, ever: the statement was never
/// sent (no connection in time), or the server answered with an error (its transaction rolled
/// back). An id is returned only once the commit is confirmed: by one more statement on the same
/// connection, which the server runs only after the append's transaction has committed.
/// `EventLogOutcomeUnknownError` means the statement was sent and then the connection failed, or
/// the server ended the session (a FATAL error), or the commit was not confirmed, or `timeout`
/// passed without an answer: the event may be committed. Retention deletes rows older than the history window and remembers the highest id it deleted, so a resume from
/// before it is known to have a gap.
public struct PostgresEventLog: Sendable {
    /// The notification channel every append notifies.
    public static let channel = "hyper_events"
    /// Longest topic in UTF-8 bytes; the notification carries it, and must stay under 8,000 bytes.
    public static let maximumTopicLength = 1024

    let client: PostgresClient
    let logger: Logger
    /// How long an append may wait for the database; the server gives up at four fifths of what
    /// is left once the append has a connection, so a slow append is rolled back and reported
    /// as unavailable before it runs out.
    public var timeout: Duration

    /// A log written and read through `client`, whose `run()` must be running.
    public init(client: PostgresClient, timeout: Duration = .seconds(5), logger: Logger) {
        self.client = client
        self.timeout = timeout
        self.logger = logger
    }

    /// Creates the tables and indexes when missing; several instances may call it at once.
    public static func prepare(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.schemaLockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS hyper_events (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    topic text NOT NULL,
                    payload bytea NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT clock_timestamp())
                """, logger: logger)
            try await connection.query(
                "ALTER TABLE hyper_events ADD COLUMN IF NOT EXISTS idempotency_key text", logger: logger)
            try await connection.query(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS hyper_events_topic_idempotency_key
                ON hyper_events (topic, idempotency_key) WHERE idempotency_key IS NOT NULL
                """, logger: logger)
            try await connection.query(
                "CREATE INDEX IF NOT EXISTS hyper_events_topic_id ON hyper_events (topic, id)", logger: logger)
            try await connection.query(
                "CREATE INDEX IF NOT EXISTS hyper_events_created_at ON hyper_events (created_at)", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS hyper_events_horizon (pruned_through bigint NOT NULL)", logger: logger)
            try await connection.query(
                """
                CREATE OR REPLACE FUNCTION hyper_events_append(
                    new_topic text, new_payload bytea, new_key text, budget_ms integer) RETURNS bigint
                LANGUAGE plpgsql AS $$
                DECLARE
                    new_id bigint;
                BEGIN
                    PERFORM set_config('lock_timeout', budget_ms || 'ms', true);
                    PERFORM pg_advisory_xact_lock(\(unescaped: String(Self.appendLockKey)));
                    IF new_key IS NOT NULL THEN
                        SELECT id INTO new_id FROM hyper_events WHERE topic = new_topic AND idempotency_key = new_key;
                        IF FOUND THEN
                            RETURN new_id;
                        END IF;
                    END IF;
                    INSERT INTO hyper_events (topic, payload, idempotency_key) VALUES (new_topic, new_payload, new_key)
                    RETURNING id INTO new_id;
                    PERFORM pg_notify('\(unescaped: Self.channel)', new_id || ':' || new_topic);
                    IF clock_timestamp() > statement_timestamp() + make_interval(secs => budget_ms / 1000.0) THEN
                        RAISE EXCEPTION 'hyper_events_append: over its budget of % ms', budget_ms
                            USING ERRCODE = 'query_canceled';
                    END IF;
                    RETURN new_id;
                END $$
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO hyper_events_horizon (pruned_through)
                SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM hyper_events_horizon)
                """, logger: logger)
        }
    }

    /// Appends `payload` to `topic`, notifies every listening instance, and returns the row's id
    /// once committed; with an `idempotencyKey` that a row of the topic already has, stores
    /// nothing and returns that row's id.
    ///
    /// Throws `PostgresTopicError` for a topic the log cannot hold; `EventLogUnavailableError`
    /// when the database cannot be reached, refuses, or gives up within `timeout`, and then
    /// nothing was committed or ever will be; `EventLogOutcomeUnknownError` when the append was
    /// sent and its answer never came (the connection failed, or `timeout` passed).
    public func append(_ payload: [UInt8], to topic: String, idempotencyKey: String? = nil) async throws -> Int64 {
        try Self.check(topic)
        let operation = "append to \(topic)"
        let attempt = AppendAttempt()
        let deadline = ContinuousClock.now + timeout
        let (client, logger) = (client, logger)
        do {
            let id = try await Deadline.run(within: timeout) {
                try await client.withConnection { connection in
                    try await Self.append(
                        payload, to: topic, idempotencyKey: idempotencyKey, attempt: attempt, deadline: deadline,
                        on: connection, logger: logger)
                }
            }
            if let id { return id }
            guard attempt.abandon() else {
                throw EventLogOutcomeUnknownError(operation: operation, cause: "no answer within \(timeout)")
            }
            throw EventLogUnavailableError(operation: operation, cause: "no connection within \(timeout)")
        } catch is CancellationError {
            // The caller has gone: the statement is never sent, unless it went first.
            _ = attempt.abandon()
            throw CancellationError()
        } catch let error as EventLogOutcomeUnknownError {
            throw error
        } catch let error as EventLogUnavailableError {
            throw error
        } catch {
            // Failed before the statement was sent (leasing or opening a connection).
            throw EventLogUnavailableError(operation: operation, cause: String(reflecting: error))
        }
    }

    /// One append on `connection`, sent only if `attempt` is still wanted, within a server-side
    /// budget of four fifths of the time left before `deadline`. An error the server answered
    /// throws `EventLogUnavailableError` (its transaction was rolled back); any other failure
    /// once the statement is sent throws `EventLogOutcomeUnknownError`.
    private static func append(
        _ payload: [UInt8], to topic: String, idempotencyKey: String?, attempt: AppendAttempt,
        deadline: ContinuousClock.Instant, on connection: PostgresConnection, logger: Logger
    ) async throws -> Int64 {
        let operation = "append to \(topic)"
        let (seconds, attoseconds) = ((deadline - .now) * 4 / 5).components
        let budget = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        guard budget > 0 else {  // (a lock_timeout of 0 would mean no limit)
            throw EventLogUnavailableError(operation: operation, cause: "no time left to append")
        }
        guard attempt.send() else {
            throw EventLogUnavailableError(operation: operation, cause: "given up by its caller before it was sent")
        }
        let id: Int64
        do {
            let rows = try await connection.query(
                """
                SELECT hyper_events_append(\(topic), \(ByteBuffer(bytes: payload)), \(idempotencyKey), \(budget))
                """, logger: logger)
            var appended: Int64?
            for try await row in rows.decode(Int64.self) { appended = row }
            guard let appended else {
                throw EventLogOutcomeUnknownError(operation: operation, cause: "the server returned no id")
            }
            id = appended
        } catch let error as PSQLError where error.code == .server && error.serverInfo?[.severity] == "ERROR" {
            // The server refused the statement: its transaction was rolled back. (A FATAL error
            // ends the session, possibly after the commit: that outcome is unknown.)
            throw EventLogUnavailableError(operation: operation, cause: String(reflecting: error))
        } catch let error as EventLogOutcomeUnknownError {
            throw error
        } catch {
            throw EventLogOutcomeUnknownError(operation: operation, cause: String(reflecting: error))
        }
        // The rows arrive before the server commits (a statement of its own commits at the Sync
        // after it), and postgres-nio hands them over at once. The connection runs a next
        // statement only once the server is ready again, that is after a successful commit; a
        // failed commit closes the connection, and the next statement fails.
        do {
            try await connection.query("SELECT 1", logger: logger)
        } catch {
            throw EventLogOutcomeUnknownError(
                operation: operation, cause: "the commit was not confirmed: \(String(reflecting: error))")
        }
        return id
    }

    /// Up to `limit` events of `topic` with ids greater than `id`, oldest first.
    public func events(in topic: String, after id: Int64, limit: Int = 1000) async throws -> [StoredEvent] {
        try await unavailableOnFailure("read \(topic)") {
            try await client.withConnection { connection in
                try await Self.events(in: topic, after: id, limit: limit, on: connection, logger: logger)
            }
        }
    }

    /// The newest `limit` events of `topic`, oldest first, and the position they were read at:
    /// every event committed before the call has an id up to it, every later one a greater id.
    public func recent(_ limit: Int, in topic: String) async throws -> (events: [StoredEvent], position: Int64) {
        try await unavailableOnFailure("read \(topic)") {
            try await client.withConnection { connection in
                let position = try await Self.horizon(on: connection, logger: logger).latest
                let rows = try await connection.query(
                    """
                    SELECT id, topic, payload FROM (
                        SELECT id, topic, payload FROM hyper_events
                        WHERE topic = \(topic) AND id <= \(position) ORDER BY id DESC LIMIT \(limit)) AS newest
                    ORDER BY id
                    """, logger: logger)
                return (try await Self.collect(rows), position)
            }
        }
    }

    /// The log's bounds: the highest id deleted by retention and the highest id written.
    public func horizon() async throws -> EventLogHorizon {
        try await unavailableOnFailure("read the horizon") {
            try await client.withConnection { connection in
                try await Self.horizon(on: connection, logger: logger)
            }
        }
    }

    /// Deletes the events committed more than `age` ago; returns how many went.
    @discardableResult
    public func prune(olderThan age: Duration) async throws -> Int {
        let seconds = Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
        return try await unavailableOnFailure("prune") {
            try await client.withConnection { connection in
                let rows = try await connection.query(
                    """
                    WITH gone AS (
                        DELETE FROM hyper_events
                        WHERE created_at < clock_timestamp() - make_interval(secs => \(seconds))
                        RETURNING id),
                    raised AS (
                        UPDATE hyper_events_horizon SET pruned_through = greatest(pruned_through, (SELECT max(id) FROM gone))
                        WHERE EXISTS (SELECT 1 FROM gone))
                    SELECT count(*) FROM gone
                    """, logger: logger)
                var count: Int64 = 0
                for try await row in rows.decode(Int64.self) { count = row }
                return Int(count)
            }
        }
    }

    static func events(
        in topic: String, after id: Int64, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [StoredEvent] {
        let rows = try await connection.query(
            """
            SELECT id, topic, payload FROM hyper_events WHERE topic = \(topic) AND id > \(id) ORDER BY id LIMIT \(limit)
            """, logger: logger)
        return try await collect(rows)
    }

    static func events(
        after id: Int64, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [StoredEvent] {
        let rows = try await connection.query(
            "SELECT id, topic, payload FROM hyper_events WHERE id > \(id) ORDER BY id LIMIT \(limit)", logger: logger)
        return try await collect(rows)
    }

    static func horizon(on connection: PostgresConnection, logger: Logger) async throws -> EventLogHorizon {
        let rows = try await connection.query(
            """
            SELECT (SELECT pruned_through FROM hyper_events_horizon LIMIT 1),
                   coalesce((SELECT max(id) FROM hyper_events), 0)
            """, logger: logger)
        var horizon = EventLogHorizon(prunedThrough: 0, latest: 0)
        for try await (pruned, latest) in rows.decode((Int64?, Int64).self) {
            horizon = EventLogHorizon(prunedThrough: pruned ?? 0, latest: max(latest, pruned ?? 0))
        }
        return horizon
    }

    private static func collect(_ rows: PostgresRowSequence) async throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        for try await (id, topic, payload) in rows.decode((Int64, String, ByteBuffer).self) {
            events.append(StoredEvent(id: id, topic: topic, payload: Array(buffer: payload)))
        }
        return events
    }

    /// Whether the log can hold `topic`: at most `maximumTopicLength` bytes, no NUL.
    public static func canHold(_ topic: String) -> Bool {
        topic.utf8.count <= maximumTopicLength && !topic.utf8.contains(0)
    }

    static func check(_ topic: String) throws(PostgresTopicError) {
        if topic.utf8.count > maximumTopicLength { throw PostgresTopicError(topic: topic, reason: .tooLong) }
        if topic.utf8.contains(0) { throw PostgresTopicError(topic: topic, reason: .containsNUL) }
    }

    /// Runs `body` within `timeout`, a deadline that holds even if `body` does not stop on
    /// cancellation; any failure becomes `EventLogUnavailableError`. (A route that
    /// lets it through answers 503 and the app logs it; readers that retry log nothing.)
    private func unavailableOnFailure<Result: Sendable>(
        _ operation: String, _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await Deadline.run(
            within: timeout, failingWith: { EventLogUnavailableError(operation: operation, cause: $0) }, body)
    }

    /// Advisory lock keys (arbitrary constants, the bytes of "hyperapp" and "hypersch").
    static let appendLockKey: Int64 = 0x6879_7065_7261_7070
    static let schemaLockKey: Int64 = 0x6879_7065_7273_6368
}
