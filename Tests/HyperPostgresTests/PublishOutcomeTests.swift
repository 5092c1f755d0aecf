import Foundation
import Hyper
import HyperPostgres
import Logging
import Testing

/// What a failed publish means against a real PostgreSQL server started by the test: a publish
/// that throws `HubUnavailableError` is never stored, one whose commit was cut off throws
/// `HubPublishOutcomeUnknownError`, and a retried publish with the same idempotency key is stored
/// once.
@Suite("PostgreSQL publish outcomes", .serialized)
struct PublishOutcomeTests {
    typealias Note = PostgresHubBackendTests.Note

    @Test(
        "with the events table locked past the deadline, publish throws HubUnavailableError and the message is never stored nor delivered"
    )
    func lockedTable() async throws {
        try await withStore { postgres, store in
            let hub = Hub(backend: store.backend(named: "chat", topics: String.self, messages: Note.self))
            let subscription = hub.subscribe(to: "locked")
            let folder = postgres.folder
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await TemporaryPostgres.psql(
                        "BEGIN; LOCK TABLE hyper_events IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT;",
                        in: folder)
                }
                try await Self.waitUntil(
                    folder,
                    "SELECT count(*) FROM pg_locks WHERE relation = 'hyper_events'::regclass AND mode = 'AccessExclusiveLock' AND granted"
                )
                let started = ContinuousClock.now
                await #expect(throws: HubUnavailableError.self) {
                    try await hub.publish(Note(text: "while locked"), to: "locked")
                }
                #expect(ContinuousClock.now - started < .seconds(6))
                try await group.waitForAll()
            }
            // The lock is gone: whatever was still pending has had its chance to commit.
            let after = try await hub.publish(Note(text: "after"), to: "locked")
            #expect(try await postgres.psql("SELECT count(*) FROM hyper_events WHERE topic = 'chat/locked'") == "1")
            let delivered = try await PostgresHubBackendTests.take(1, from: subscription)
            #expect(delivered.map(\.message) == [Note(text: "after")])
            #expect(delivered.map(\.id) == [after])
        }
    }

    @Test(
        "the connection killed while the append commits: publish throws HubPublishOutcomeUnknownError, a 500, not a 503"
    )
    func killedDuringCommit() async throws {
        try await withStore { postgres, store in
            let hub = Hub(backend: store.backend(named: "chat", topics: String.self, messages: Note.self))
            // A deferred trigger runs as the append commits: it holds the commit long enough to kill it.
            try await postgres.psql(
                """
                CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$;
                CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON hyper_events
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();
                """)
            let folder = postgres.folder
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await TemporaryPostgres.psql(Self.terminateSleepingAppend, in: folder) }
                let error = await #expect(throws: HubPublishOutcomeUnknownError.self) {
                    try await hub.publish(Note(text: "cut off"), to: "cut")
                }
                #expect(error?.topic == "cut")
                #expect(error?.response(for: Request(method: .post, path: "/")).status == .internalServerError)
                try await group.waitForAll()
            }
        }
    }

    @Test(
        "a publish retried with the same idempotency key is stored and delivered once, on an events table made before keys existed"
    )
    func retriedWithSameKey() async throws {
        let postgres = try await TemporaryPostgres.make()
        defer { postgres.remove() }
        // The table as an earlier version made it, with an event in it.
        try await postgres.psql(
            """
            CREATE TABLE hyper_events (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, topic text NOT NULL, payload bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT clock_timestamp());
            INSERT INTO hyper_events (topic, payload) VALUES ('chat/old', convert_to('{"text":"old"}', 'UTF8'));
            """)
        try await withStore(on: postgres) { store in
            let hub = Hub(backend: store.backend(named: "chat", topics: String.self, messages: Note.self))
            let subscription = hub.subscribe(to: "retry")
            let key = try #require(IdempotencyKey("3f0c1d2e-retry"))
            let first = try await hub.publish(Note(text: "once"), to: "retry", idempotencyKey: key)
            let again = try await hub.publish(Note(text: "once"), to: "retry", idempotencyKey: key)
            let otherKey = try await hub.publish(
                Note(text: "another"), to: "retry", idempotencyKey: IdempotencyKey("another-key"))
            let otherTopic = try await hub.publish(Note(text: "elsewhere"), to: "other", idempotencyKey: key)
            let noKey = try await hub.publish(Note(text: "no key"), to: "retry")
            #expect(again == first)
            #expect(Set([first, otherKey, otherTopic, noKey]).count == 4)
            let delivered = try await PostgresHubBackendTests.take(3, from: subscription)
            #expect(delivered.map(\.message.text) == ["once", "another", "no key"])
            #expect(try await postgres.psql("SELECT count(*) FROM hyper_events WHERE topic = 'chat/retry'") == "3")
            let recent = try await hub.recent(10, in: "retry")
            #expect(recent.events.map(\.id) == [first, otherKey, noKey])
            #expect(try await hub.recent(10, in: "old").events.map(\.message.text) == ["old"])
        }
    }

    /// Runs `body` with a store on a fresh database, running.
    private func withStore(_ body: (TemporaryPostgres, PostgresHubStore) async throws -> Void) async throws {
        let postgres = try await TemporaryPostgres.make()
        defer { postgres.remove() }
        try await withStore(on: postgres) { store in try await body(postgres, store) }
    }

    /// Runs `body` with a store on `postgres`, running.
    private func withStore(on postgres: TemporaryPostgres, _ body: (PostgresHubStore) async throws -> Void)
        async throws
    {
        let store = try await PostgresHubStore.connect(to: try PostgresURL(postgres.url), logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await body(store)
        }
    }

    /// Polls on the server, every 10 ms for up to 10 s, for a connection of the pool sleeping in
    /// the `slow_commit` trigger, and terminates it; fails if none comes.
    static let terminateSleepingAppend = """
        DO $$ BEGIN
            FOR attempt IN 1..1000 LOOP
                IF (SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                    WHERE application_name = 'hyper' AND wait_event = 'PgSleep') > 0 THEN
                    RETURN;
                END IF;
                PERFORM pg_sleep(0.01);
            END LOOP;
            RAISE EXCEPTION 'no append sleeping in its commit within 10 s';
        END $$
        """

    /// Waits until `count` (a query printing a count) prints more than 0 on the server of the
    /// temporary folder `folder`; throws after ten seconds.
    static func waitUntil(_ folder: String, _ count: String) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await TemporaryPostgres.psql(count, in: folder) == "0" {
            guard ContinuousClock.now < deadline else { throw TemporaryPostgresError("never true: \(count)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
