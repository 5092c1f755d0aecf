import Testing

@testable import Hyper

/// A hub whose ids start at 1, so tests can name them.
private func makeHub<Topic, Message>(
    history: HubHistory = .default, firstID: Int64 = 1
) -> Hub<Topic, Message> {
    Hub(backend: InMemoryHubBackend(history: history, firstID: EventID(rawValue: firstID)!))
}

private func id(_ value: Int64) -> EventID { EventID(rawValue: value)! }

private func event(_ value: Int64, _ message: String) -> HubDelivery<String> {
    .event(HubEvent(id: id(value), message: message))
}

private func reset(_ reason: HubReset.Reason, resumeAt value: Int64) -> HubDelivery<String> {
    .reset(HubReset(reason: reason, resumeID: id(value)))
}

extension Hub.Subscription {
    /// The next `count` deliveries.
    fileprivate func take(_ count: Int) async -> [HubDelivery<Message>] {
        var iterator = makeAsyncIterator()
        var taken: [HubDelivery<Message>] = []
        while taken.count < count, let delivery = await iterator.next() { taken.append(delivery) }
        return taken
    }
}

@Suite("Hub")
struct HubTests {
    @Test("every message gets an id increasing over all topics and reaches its topic's subscribers only")
    func topics() async throws {
        let hub: Hub<String, String> = makeHub()
        let first = hub.subscribe(to: "a")
        let second = hub.subscribe(to: "a")
        let other = hub.subscribe(to: "b")
        #expect(try await hub.publish("one", to: "a") == id(1))
        #expect(try await hub.publish("two", to: "b") == id(2))
        #expect(try await hub.publish("three", to: "a") == id(3))
        #expect(await first.take(2) == [event(1, "one"), event(3, "three")])
        #expect(await second.take(2) == [event(1, "one"), event(3, "three")])
        #expect(await other.take(1) == [event(2, "two")])
        #expect(first.start == id(0))
    }

    @Test("a subscription after an id yields the rest of history, then live messages, each once")
    func resume() async throws {
        let hub: Hub<String, String> = makeHub()
        for text in ["a", "b", "c", "d"] { try await hub.publish(text, to: "room") }
        let resumed = hub.subscribe(to: "room", from: .after(id(2)))
        #expect(resumed.start == id(2))
        try await hub.publish("e", to: "room")
        #expect(await resumed.take(3) == [event(3, "c"), event(4, "d"), event(5, "e")])
        let atTheEnd = hub.subscribe(to: "room", from: .after(id(5)))
        try await hub.publish("f", to: "room")
        #expect(await atTheEnd.take(1) == [event(6, "f")])
    }

    @Test("a position that is no id of the topic resumes from the next greater id")
    func positionBetweenIDs() async throws {
        let hub: Hub<String, String> = makeHub()
        try await hub.publish("a1", to: "a")
        try await hub.publish("b2", to: "b")
        try await hub.publish("a3", to: "a")
        #expect(await hub.subscribe(to: "a", from: .after(id(2))).take(1) == [event(3, "a3")])
        let snapshot = try await hub.recent(10, in: "a")
        #expect(snapshot.events.map(\.id) == [id(1), id(3)])
        #expect(snapshot.position == id(3))
    }

    @Test("recent gives at most the limit, oldest first, and a position a stream resumes after exactly")
    func recentAndPosition() async throws {
        let hub: Hub<String, String> = makeHub()
        for text in ["a", "b", "c"] { try await hub.publish(text, to: "room") }
        let snapshot = try await hub.recent(2, in: "room")
        #expect(snapshot.events.map(\.message) == ["b", "c"])
        try await hub.publish("d", to: "room")
        #expect(await hub.subscribe(to: "room", from: .after(snapshot.position)).take(1) == [event(4, "d")])
        #expect(try await hub.recent(5, in: "empty").events.isEmpty)
    }

    @Test("an id that is not one, an unknown id and an expired id each start with a reset, then live")
    func resets() async throws {
        let hub: Hub<String, String> = makeHub(history: HubHistory(maximumCount: 2))
        for text in ["a", "b", "c", "d"] { try await hub.publish(text, to: "room") }
        let invalid = hub.subscribe(to: "room", from: ResumePoint("12x"))
        let unknown = hub.subscribe(to: "room", from: .after(id(99)))
        let expired = hub.subscribe(to: "room", from: .after(id(1)))
        let edge = hub.subscribe(to: "room", from: .after(id(2)))
        #expect(await edge.take(2) == [event(3, "c"), event(4, "d")], "after the newest dropped id is covered")
        try await hub.publish("e", to: "room")
        #expect(await invalid.take(2) == [reset(.invalidID("12x"), resumeAt: 4), event(5, "e")])
        #expect(await unknown.take(2) == [reset(.unknownID(id(99)), resumeAt: 4), event(5, "e")])
        #expect(await expired.take(2) == [reset(.expired(id(1)), resumeAt: 4), event(5, "e")])
        #expect(await edge.take(1) == [event(5, "e")])
    }

    @Test("messages older than the maximum age leave history")
    func age() async throws {
        // An age long enough that "new" stays young through the checks on a loaded machine.
        let hub: Hub<String, String> = makeHub(history: HubHistory(maximumAge: .seconds(1)))
        try await hub.publish("old", to: "room")
        try await Task.sleep(for: .milliseconds(1200))
        try await hub.publish("new", to: "room")
        #expect(try await hub.recent(10, in: "room").events.map(\.message) == ["new"])
        #expect(await hub.subscribe(to: "room", from: .after(id(0))).take(1) == [reset(.expired(id(0)), resumeAt: 2)])
        #expect(await hub.subscribe(to: "room", from: .after(id(1))).take(1) == [event(2, "new")])
    }

    @Test("an id from before a restart is older than any id the new in-memory history issues")
    func restart() async throws {
        let before: Hub<String, String> = Hub()
        let old = try await before.publish("x", to: "room")
        try await Task.sleep(for: .milliseconds(2))
        let after: Hub<String, String> = Hub()
        let position = try await after.recent(0, in: "room").position
        #expect(position > old)
        let deliveries = await after.subscribe(to: "room", from: .after(old)).take(1)
        #expect(deliveries == [.reset(HubReset(reason: .expired(old), resumeID: position))])
    }

    @Test("a subscriber that falls behind history gets a reset, then the messages after it, never a gap")
    func slowSubscriber() async throws {
        let hub: Hub<String, String> = makeHub(history: HubHistory(maximumCount: 3))
        let subscription = hub.subscribe(to: "room")
        var iterator = subscription.makeAsyncIterator()
        try await hub.publish("1", to: "room")
        #expect(await iterator.next() == event(1, "1"))
        for text in ["2", "3", "4", "5", "6"] { try await hub.publish(text, to: "room") }
        #expect(await iterator.next() == reset(.fellBehind(id(1)), resumeAt: 6))
        try await hub.publish("7", to: "room")
        #expect(await iterator.next() == event(7, "7"))
    }

    @Test("without history only a subscriber waiting at publish time gets the message; a busy one a reset")
    func noHistory() async throws {
        let hub: Hub<String, String> = makeHub(history: HubHistory(maximumCount: 0))
        let waiting = Task { await hub.subscribe(to: "room").take(1) }
        while hub.subscriptionCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
        try await Task.sleep(for: .milliseconds(20))
        let busy = hub.subscribe(to: "room")
        try await hub.publish("x", to: "room")
        #expect(await waiting.value == [event(1, "x")])
        #expect(await busy.take(1) == [reset(.fellBehind(id(0)), resumeAt: 1)])
    }

    @Test(
        "a publish retried with the same idempotency key returns the first id and stores nothing; another key or topic stores anew"
    )
    func idempotencyKey() async throws {
        let hub: Hub<String, String> = makeHub()
        let subscription = hub.subscribe(to: "room")
        let key = try #require(IdempotencyKey("post-1"))
        #expect(try await hub.publish("first", to: "room", idempotencyKey: key) == id(1))
        #expect(try await hub.publish("retry", to: "room", idempotencyKey: key) == id(1))
        #expect(try await hub.publish("other", to: "room", idempotencyKey: IdempotencyKey("post-2")) == id(2))
        #expect(try await hub.publish("elsewhere", to: "hall", idempotencyKey: key) == id(3))
        #expect(try await hub.publish("no key", to: "room") == id(4))
        #expect(await subscription.take(3) == [event(1, "first"), event(2, "other"), event(4, "no key")])
        #expect(try await hub.recent(10, in: "room").events.map(\.message) == ["first", "other", "no key"])
    }

    @Test("an idempotency key is forgotten once its message has left history")
    func idempotencyKeyLeavesWithHistory() async throws {
        let hub: Hub<String, String> = makeHub(history: HubHistory(maximumCount: 1))
        let key = try #require(IdempotencyKey("post-1"))
        #expect(try await hub.publish("first", to: "room", idempotencyKey: key) == id(1))
        #expect(try await hub.publish("second", to: "room") == id(2))
        #expect(try await hub.publish("again", to: "room", idempotencyKey: key) == id(3))
    }

    @Test("an idempotency key is 1 to 255 visible ASCII characters")
    func idempotencyKeyValues() {
        #expect(
            IdempotencyKey("550e8400-e29b-41d4-a716-446655440000")?.rawValue == "550e8400-e29b-41d4-a716-446655440000")
        #expect(IdempotencyKey(String(repeating: "k", count: 255)) != nil)
        #expect(IdempotencyKey("!~") != nil)
        for bad in ["", String(repeating: "k", count: 256), "a b", "tab\t", "ü", "nul\u{0}", "line\n"] {
            #expect(IdempotencyKey(bad) == nil, "\(bad.debugDescription)")
        }
    }

    @Test("releasing a subscription that was never iterated unsubscribes it")
    func releaseUnsubscribes() {
        let hub: Hub<Int, String> = makeHub()
        do {
            let subscription = hub.subscribe(to: 1)
            #expect(hub.subscriptionCount == 1)
            _ = subscription
        }
        #expect(hub.subscriptionCount == 0)
    }

    @Test("cancelling the task that waits on a silent subscription ends it and unsubscribes")
    func cancellationUnsubscribes() async throws {
        let hub: Hub<Int, String> = makeHub()
        let waiter = Task {
            var received = 0
            for await _ in hub.subscribe(to: 7) { received += 1 }
            return received
        }
        while hub.subscriptionCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
        waiter.cancel()
        #expect(await waiter.value == 0)
        #expect(hub.subscriptionCount == 0)
    }

    @Test(
        "publishers hammer a topic while subscribers resume from ids along the way: every sequence is exact",
        arguments: [100_000, 40])
    func hammer(historyCount: Int) async throws {
        let publishers = 4
        let perPublisher = 1_500
        let subscribers = 24
        let hub: Hub<String, String> = makeHub(history: HubHistory(maximumCount: historyCount))
        let sequences = try await withThrowingTaskGroup(of: (EventID, [HubDelivery<String>])?.self) { group in
            for publisher in 0..<publishers {
                group.addTask {
                    for sequence in 0..<perPublisher {
                        try await hub.publish("\(publisher)-\(sequence)", to: "room")
                        if sequence % 100 == 0 { await Task.yield() }
                    }
                    return nil
                }
            }
            for subscriber in 0..<subscribers {
                group.addTask {
                    try await Task.sleep(for: .microseconds(subscriber * 300))
                    let start = try await hub.recent(1, in: "room").position
                    let subscription = hub.subscribe(to: "room", from: subscriber % 3 == 0 ? .live : .after(start))
                    var deliveries: [HubDelivery<String>] = []
                    for await delivery in subscription {
                        deliveries.append(delivery)
                        if case .event(let event) = delivery, event.message == "end" { break }
                        if subscriber % 2 == 1 && deliveries.count % 50 == 0 { await Task.yield() }
                    }
                    return (subscription.start, deliveries)
                }
            }
            var sequences: [(EventID, [HubDelivery<String>])] = []
            var publishersDone = 0
            while let result = try await group.next() {
                if let result {
                    sequences.append(result)
                } else {
                    publishersDone += 1
                    if publishersDone == publishers { try await hub.publish("end", to: "room") }
                }
            }
            return sequences
        }
        #expect(sequences.count == subscribers)
        // Ids are 1…N in publishing order (this backend's counter starts at 1 and nothing else publishes).
        let total = Int64(publishers * perPublisher + 1)
        var resets = 0
        for (start, deliveries) in sequences {
            var position = start
            for delivery in deliveries {
                switch delivery {
                case .event(let event):
                    #expect(event.id.rawValue == position.rawValue + 1, "a gap or a duplicate after \(position)")
                    position = event.id
                case .reset(let reset):
                    #expect(historyCount < publishers * perPublisher, "a reset although history holds everything")
                    guard case .fellBehind = reset.reason else {
                        Issue.record("unexpected \(reset)")
                        continue
                    }
                    #expect(reset.resumeID > position)
                    position = reset.resumeID
                    resets += 1
                }
            }
            #expect(position.rawValue == total)
        }
        if historyCount >= publishers * perPublisher { #expect(resets == 0) }
    }
}
