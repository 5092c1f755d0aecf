import Testing

@testable import Hyper

private func id(_ value: Int64) -> EventID { EventID(rawValue: value)! }

/// A message of `count` bytes.
private func text(_ count: Int, _ letter: Character = "x") -> String {
    String(repeating: letter, count: count)
}

/// An in-memory backend whose ids start at 1, keeping `history`.
private func makeBackend(_ history: HubHistory) -> InMemoryHubBackend<String, String> {
    InMemoryHubBackend(history: history, firstID: id(1))
}

extension Hub.Subscription {
    /// The next delivery.
    fileprivate func first() async -> HubDelivery<Message>? {
        var iterator = makeAsyncIterator()
        return await iterator.next()
    }
}

@Suite("History budget and message size")
struct HistoryBudgetTests {
    @Test("a message over the largest size is refused with its size and the limit, and published nowhere")
    func messageTooLarge() async throws {
        let backend = makeBackend(HubHistory(maximumMessageBytes: 100, budget: HistoryBudget(limit: 1_000)))
        let hub = Hub(backend: backend)
        try await hub.publish(text(100), to: "room")
        await #expect(throws: HubMessageTooLargeError(topic: "room", size: 101, limit: 100)) {
            try await hub.publish(text(101), to: "room")
        }
        #expect(try await hub.recent(10, in: "room").events.map(\.message.count) == [100])
        #expect(backend.history.budget.usedBytes == 100)
    }

    @Test("a too large message answers 413")
    func tooLargeIs413() throws {
        let error = HubMessageTooLargeError(topic: "room", size: 300_000, limit: 262_144)
        #expect(error.response(for: Request(method: .post, path: "/chat/room/messages")).status == .contentTooLarge)
        #expect(error.description.contains("300000 bytes") && error.description.contains("262144 bytes"))
    }

    @Test("past the budget, the oldest messages of the largest topic leave history first")
    func largestTopicGivesWay() async throws {
        let budget = HistoryBudget(limit: 500)
        let backend = makeBackend(HubHistory(budget: budget))
        let hub = Hub(backend: backend)
        try await hub.publish(text(200, "a"), to: "a")  // 1
        try await hub.publish(text(200, "b"), to: "a")  // 2
        try await hub.publish(text(100, "c"), to: "b")  // 3
        #expect(budget.usedBytes == 500)
        try await hub.publish(text(100, "d"), to: "c")  // 4: 600 > 500, "a" drops id 1
        #expect(budget.usedBytes == 400)
        #expect(backend.historyBytes(of: "a") == 200)
        #expect(backend.historyCount(of: "a") == 1)
        #expect(backend.historyCount(of: "b") == 1)
        #expect(backend.historyCount(of: "c") == 1)
        #expect(
            await hub.subscribe(to: "a", from: .after(id(0))).first()
                == .reset(HubReset(reason: .expired(id(0)), resumeID: id(4))))
        #expect(await hub.subscribe(to: "a", from: .after(id(1))).first()?.event?.id == id(2))
    }

    @Test("a subscriber that has not read a message the budget dropped gets fell-behind, never a gap")
    func budgetDropIsAReset() async throws {
        let budget = HistoryBudget(limit: 250)
        let hub = Hub(backend: makeBackend(HubHistory(budget: budget)))
        let subscription = hub.subscribe(to: "room")
        var iterator = subscription.makeAsyncIterator()
        try await hub.publish(text(100), to: "room")  // 1
        #expect(await iterator.next()?.event?.id == id(1))
        try await hub.publish(text(100), to: "room")  // 2
        try await hub.publish(text(100), to: "room")  // 3: 300 > 250, drops 1
        try await hub.publish(text(100), to: "room")  // 4: drops 2, unread
        #expect(await iterator.next() == .reset(HubReset(reason: .fellBehind(id(1)), resumeID: id(4))))
    }

    @Test("one budget holds the histories of every hub that shares it")
    func sharedByHubs() async throws {
        let budget = HistoryBudget(limit: 300)
        let first = makeBackend(HubHistory(budget: budget))
        let second = makeBackend(HubHistory(budget: budget))
        _ = try await first.publish(text(200), to: "room", idempotencyKey: nil)
        _ = try await second.publish(text(150), to: "room", idempotencyKey: nil)
        #expect(budget.usedBytes == 150)
        #expect(first.historyCount(of: "room") == 0)
        #expect(second.historyCount(of: "room") == 1)
    }

    @Test("a sweep drops expired messages of topics nobody uses and gives their bytes back")
    func sweep() async throws {
        let budget = HistoryBudget(limit: 10_000)
        let backend = makeBackend(HubHistory(maximumAge: .milliseconds(50), budget: budget))
        for room in ["a", "b", "c"] { _ = try await backend.publish(text(1_000), to: room, idempotencyKey: nil) }
        #expect(budget.usedBytes == 3_000)
        try await Task.sleep(for: .milliseconds(80))
        #expect(budget.sweep() == 3_000)
        #expect(budget.usedBytes == 0)
        #expect(backend.historyBytes(of: "a") == 0)
    }

    @Test("a released backend's history gives its bytes back to the budget")
    func releasedBackend() async throws {
        let budget = HistoryBudget(limit: 10_000)
        var backend: InMemoryHubBackend<String, String>? = makeBackend(HubHistory(budget: budget))
        _ = try await backend?.publish(text(10), to: "room", idempotencyKey: nil)
        #expect(budget.usedBytes == 10)
        backend = nil
        #expect(budget.usedBytes == 0)
        #expect(budget.sweep() == 0)
    }

    @Test("sizes: text and bytes by their length, HTML by its bytes, other types by their inline size")
    func sizes() {
        #expect(InMemoryHubBackend<String, String>.size(of: "héllo") == 6)
        #expect(InMemoryHubBackend<String, [UInt8]>.size(of: [1, 2, 3]) == 3)
        #expect(InMemoryHubBackend<String, HTML>.size(of: "<p>\("a&b")</p>") == 14)
        #expect(InMemoryHubBackend<String, Int>.size(of: 7) == MemoryLayout<Int>.size)
    }
}

extension HubDelivery {
    /// The event, if it is one.
    fileprivate var event: HubEvent<Message>? {
        if case .event(let event) = self { event } else { nil }
    }
}
