import Foundation
import Hyper
import HyperPostgres
import Logging
import Testing

/// `PostgresHubBackend` against a real PostgreSQL server started by the test: two stores in this
/// process stand for two instances of an app.
@Suite("PostgreSQL hub backend", .serialized)
struct PostgresHubBackendTests {
    struct Note: Codable, Sendable, Equatable {
        let text: String
    }

    @Test("payloads near and over 8,000 bytes and every awkward character arrive intact on another instance")
    func payloadsIntact() async throws {
        try await withTwoStores { first, second in
            let publisher = Hub(backend: first.backend(named: "notes", topics: String.self, messages: Note.self))
            let subscriber = Hub(backend: second.backend(named: "notes", topics: String.self, messages: Note.self))
            let topic = "room \"quoted\" 'single' / ünïcødé 🎉 : 42"
            let texts = [
                String(repeating: "a", count: 7_990), String(repeating: "b", count: 8_000),
                String(repeating: "é", count: 4_500), String(repeating: "xyz\n", count: 25_000),
                "quotes \" ' ` backslash \\ NUL \u{0} LF \n CR \r CRLF \r\n tab \t ü 中文 🎉 <b>&amp; %00 \\u0000",
            ]
            let subscription = subscriber.subscribe(to: topic)
            var ids: [EventID] = []
            for text in texts { ids.append(try await publisher.publish(Note(text: text), to: topic)) }
            let received = try await Self.take(texts.count, from: subscription)
            #expect(received.map(\.message) == texts.map(Note.init(text:)))
            #expect(received.map(\.id) == ids)
            #expect(ids == ids.sorted() && Set(ids).count == ids.count)
        }
    }

    @Test("concurrent publishers on two instances: a subscriber gets every message once, ids increasing")
    func concurrentPublishers() async throws {
        try await withTwoStores { first, second in
            let hubs = [first, second].map {
                Hub(backend: $0.backend(named: "race", topics: String.self, messages: Note.self))
            }
            let subscription = hubs[1].subscribe(to: "r")
            let published = try await withThrowingTaskGroup(of: [EventID].self) { group in
                for publisher in 0..<4 {
                    group.addTask {
                        var ids: [EventID] = []
                        for index in 0..<25 {
                            ids.append(
                                try await hubs[publisher % 2].publish(Note(text: "\(publisher)-\(index)"), to: "r"))
                        }
                        return ids
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let received = try await Self.take(100, from: subscription)
            #expect(received.map(\.id) == published.sorted())
            #expect(Set(received.map(\.message.text)).count == 100)
        }
    }

    @Test("a subscriber resumes on another instance after an id; the page's recent() position joins up with it")
    func resumeElsewhere() async throws {
        try await withTwoStores { first, second in
            let publisher = Hub(backend: first.backend(named: "chat", topics: String.self, messages: Note.self))
            let other = Hub(backend: second.backend(named: "chat", topics: String.self, messages: Note.self))
            var ids: [EventID] = []
            for index in 0..<5 { ids.append(try await publisher.publish(Note(text: "n\(index)"), to: "r")) }
            _ = try await publisher.publish(Note(text: "elsewhere"), to: "other room")
            let resumed = other.subscribe(to: "r", from: .after(ids[1]))
            #expect(resumed.start == ids[1])
            let snapshot = try await other.recent(2, in: "r")
            #expect(snapshot.events.map(\.message.text) == ["n3", "n4"])
            let fromPage = other.subscribe(to: "r", from: .after(snapshot.position))
            ids.append(try await publisher.publish(Note(text: "n5"), to: "r"))
            #expect(try await Self.take(4, from: resumed).map(\.id) == Array(ids[2...]))
            #expect(try await Self.take(1, from: fromPage).map(\.message.text) == ["n5"])
        }
    }

    @Test("an id greater than any in the table, an id older than retention, or no id at all: reset first")
    func resets() async throws {
        try await withTwoStores(history: .milliseconds(500)) { first, second in
            let publisher = Hub(backend: first.backend(named: "chat", topics: String.self, messages: Note.self))
            let other = Hub(backend: second.backend(named: "chat", topics: String.self, messages: Note.self))
            let old = try await publisher.publish(Note(text: "old"), to: "r")
            // A topic the other instance has not subscribed to yet, so it keeps none of its
            // messages in memory: once retention deletes them, only a reset can follow an old id.
            let gone = try await publisher.publish(Note(text: "gone"), to: "gone")

            let unknown = other.subscribe(to: "r", from: .after(EventID(rawValue: old.rawValue + 1_000)!))
            guard case .reset(let reset) = try await Self.next(from: unknown) else {
                Issue.record("no reset for an unknown id")
                return
            }
            #expect(reset.code == "unknown-id")

            let invalid = other.subscribe(to: "r", from: ResumePoint("12a"))
            guard case .reset(let invalidReset) = try await Self.next(from: invalid) else {
                Issue.record("no reset for an invalid id")
                return
            }
            #expect(invalidReset.code == "invalid-id")

            // Retention runs every 50 ms here and deletes what is older than 500 ms.
            var pruned = try await first.log.horizon().prunedThrough
            for _ in 0..<100 where pruned < gone.rawValue {
                try await Task.sleep(for: .milliseconds(100))
                pruned = try await first.log.horizon().prunedThrough
            }
            #expect(pruned >= gone.rawValue)
            _ = try await publisher.publish(Note(text: "new"), to: "gone")
            let expired = other.subscribe(to: "gone", from: .after(.zero))
            guard case .reset(let expiredReset) = try await Self.next(from: expired) else {
                Issue.record("no reset for an id older than retention")
                return
            }
            #expect(expiredReset.code == "expired" || expiredReset.code == "fell-behind")
        }
    }

    @Test("with the database unreachable, publish throws HubUnavailableError; once it is back, publish works")
    func publishUnavailable() async throws {
        let postgres = try await TemporaryPostgres.make()
        defer { postgres.remove() }
        let store = try await PostgresHubStore.connect(
            to: try PostgresURL(postgres.url), connectTimeout: .seconds(1), logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            let hub = Hub(backend: store.backend(named: "chat", topics: String.self, messages: Note.self))
            _ = try await hub.publish(Note(text: "up"), to: "r")
            try await postgres.shutDown()
            await #expect(throws: HubUnavailableError.self) { try await hub.publish(Note(text: "down"), to: "r") }
            // Back up, publishing works again (the pool reconnects by itself).
            try await postgres.start()
            var published = false
            for _ in 0..<40 where !published {
                do {
                    _ = try await hub.publish(Note(text: "back"), to: "r")
                    published = true
                } catch {
                    try await Task.sleep(for: .milliseconds(250))
                }
            }
            #expect(published)
        }
    }

    /// Runs `body` with two stores on one fresh database, both running.
    private func withTwoStores(
        history: Duration = .seconds(600), _ body: (PostgresHubStore, PostgresHubStore) async throws -> Void
    ) async throws {
        let postgres = try await TemporaryPostgres.make()
        defer { postgres.remove() }
        let url = try PostgresURL(postgres.url)
        let first = try await PostgresHubStore.connect(to: url, history: history, logger: Logger(label: "first"))
        let second = try await PostgresHubStore.connect(to: url, history: history, logger: Logger(label: "second"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await first.run() }
            group.addTask { try await second.run() }
            defer { group.cancelAll() }
            try await body(first, second)
        }
    }

    /// The next `count` events of `subscription`; fails on a reset or after ten seconds.
    static func take(_ count: Int, from subscription: Hub<String, Note>.Subscription) async throws -> [HubEvent<Note>] {
        var events: [HubEvent<Note>] = []
        while events.count < count {
            switch try await next(from: subscription) {
            case .event(let event): events.append(event)
            case .reset(let reset): throw TemporaryPostgresError("unexpected \(reset)")
            }
        }
        return events
    }

    /// The subscription's next delivery; throws after ten seconds without one.
    static func next(from subscription: Hub<String, Note>.Subscription) async throws -> HubDelivery<Note> {
        try await withThrowingTaskGroup(of: HubDelivery<Note>?.self) { group in
            group.addTask {
                var iterator = subscription.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            defer { group.cancelAll() }
            guard let delivery = try await group.next() ?? nil else {
                throw TemporaryPostgresError("no delivery within ten seconds")
            }
            return delivery
        }
    }
}
