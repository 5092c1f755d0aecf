import Foundation
import Testing

/// What a chat post's status promises, on the release build of hyper-demo with PostgreSQL behind
/// real nginx and curl: a 503 was never stored, a 500 names an outcome it cannot know, and a post
/// retried with its `Idempotency-Key` is stored once.
@Suite("Posts to topics in PostgreSQL: failures and retries", .serialized)
struct PostOutcomeTests {
    @Test(
        "a post answered 503 while the events table is locked is never stored nor delivered, even after the lock goes")
    func lockedTable() async throws {
        try await PostgresCluster.with(instances: 1, build: .release) { cluster in
            let stream = try CurlStream(
                cluster.url(of: 0, "/chat/locked/stream"), arguments: cluster.streamArguments(of: 0))
            defer { stream.stop() }
            try await stream.wait(for: "event: connected")
            let folder = cluster.postgres.folder
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await PrivatePostgres.psql(
                        "BEGIN; LOCK TABLE hyper_events IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT;",
                        in: folder)
                }
                try await Self.waitUntil(
                    folder,
                    "SELECT count(*) FROM pg_locks WHERE relation = 'hyper_events'::regclass AND mode = 'AccessExclusiveLock' AND granted"
                )
                let during = try await cluster.post("during", to: "locked", via: 0)
                #expect(during.status == 503)
                try await group.waitForAll()
            }
            let after = try await cluster.post("after", to: "locked", via: 0)
            #expect(after.status == 200)
            try await stream.wait(for: "<p>after</p>")
            #expect(SharedTopicsTests.messages(in: stream.text).map(\.text) == ["after"])
            #expect(
                try await cluster.postgres.psql("SELECT count(*) FROM hyper_events WHERE topic = 'chat/locked'") == "1")
        }
    }

    @Test("a post retried with the same Idempotency-Key gets the first id and is delivered once; a bad key gets 400")
    func retriedWithSameKey() async throws {
        try await PostgresCluster.with(instances: 2, build: .release) { cluster in
            let stream = try CurlStream(
                cluster.url(of: 1, "/chat/retry/stream"), arguments: cluster.streamArguments(of: 1))
            defer { stream.stop() }
            try await stream.wait(for: "event: connected")
            let key = "7d1c3a52-0b9e-4f1e-9a55-2f3c8d1e6b40"
            let first = try await cluster.post("once", to: "retry", via: 0, idempotencyKey: key)
            let retried = try await cluster.post("once", to: "retry", via: 1, idempotencyKey: key)
            #expect(first.status == 200 && retried.status == 200)
            #expect(first.id != nil && retried.id == first.id)
            for bad in ["has space", String(repeating: "k", count: 256)] {
                #expect(try await cluster.post("bad", to: "retry", via: 0, idempotencyKey: bad).status == 400)
            }
            let next = try await cluster.post("next", to: "retry", via: 0, idempotencyKey: key + "-2")
            try await stream.wait(for: "<p>next</p>")
            #expect(SharedTopicsTests.messages(in: stream.text).map(\.id) == [first.id, next.id].compactMap { $0 })
            #expect(SharedTopicsTests.messages(in: stream.text).map(\.text) == ["once", "next"])
            #expect(
                try await cluster.postgres.psql("SELECT count(*) FROM hyper_events WHERE topic = 'chat/retry'") == "2")
        }
    }

    @Test("a post whose connection is killed while it commits gets 500, not 503, and the instance logs a warning")
    func killedDuringCommit() async throws {
        try await PostgresCluster.with(instances: 1, build: .release) { cluster in
            // A deferred trigger runs as the append commits: it holds the commit long enough to kill it.
            try await cluster.postgres.psql(
                """
                CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$;
                CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON hyper_events
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();
                """)
            let folder = cluster.postgres.folder
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await PrivatePostgres.psql(Self.terminateSleepingAppend, in: folder) }
                let posted = try await cluster.post("cut off", to: "cut", via: 0, idempotencyKey: "cut-1")
                #expect(posted.status == 500)
                try await group.waitForAll()
            }
            #expect(
                eventually(within: .seconds(5)) {
                    cluster.instances[0].log.contains("HyperPostgres: a publish may or may not have been stored")
                })
            #expect(cluster.instances[0].log.contains("cut-1"))
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

    /// Waits until `count` (a query printing a count) prints more than 0 on the server in
    /// `folder`; throws after ten seconds.
    static func waitUntil(_ folder: String, _ count: String) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await PrivatePostgres.psql(count, in: folder) == "0" {
            guard ContinuousClock.now < deadline else { throw TestSupportError("never true: \(count)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
