import Testing

@testable import Hyper

@Suite("Hub")
struct HubTests {
    @Test("a message reaches every subscriber of its topic and no other")
    func topics() async {
        let hub = Hub<String, Int>()
        let first = hub.subscribe(to: "a")
        let second = hub.subscribe(to: "a")
        let other = hub.subscribe(to: "b")
        #expect(hub.publish(1, to: "a") == 2)
        #expect(hub.publish(2, to: "b") == 1)
        #expect(hub.publish(3, to: "c") == 0)
        var firstIterator = first.makeAsyncIterator()
        var secondIterator = second.makeAsyncIterator()
        var otherIterator = other.makeAsyncIterator()
        #expect(await firstIterator.next() == 1)
        #expect(await secondIterator.next() == 1)
        #expect(await otherIterator.next() == 2)
    }

    @Test("a subscriber that falls behind loses the oldest messages, counted")
    func slowSubscriber() async {
        let hub = Hub<String, Int>(bufferSize: 3)
        let subscription = hub.subscribe(to: "room")
        for message in 1...5 { hub.publish(message, to: "room") }
        #expect(subscription.droppedMessages == 2)
        #expect(hub.droppedMessages == 2)
        var iterator = subscription.makeAsyncIterator()
        #expect(await iterator.next() == 3)
        #expect(await iterator.next() == 4)
        #expect(await iterator.next() == 5)
        hub.publish(6, to: "room")
        #expect(await iterator.next() == 6)
        #expect(subscription.droppedMessages == 2)
    }

    @Test("releasing a subscription that was never iterated unsubscribes it")
    func releaseUnsubscribes() {
        let hub = Hub<Int, String>()
        do {
            let subscription = hub.subscribe(to: 1)
            #expect(hub.subscriptionCount == 1)
            _ = subscription
        }
        #expect(hub.subscriptionCount == 0)
        #expect(hub.publish("x", to: 1) == 0)
    }

    @Test("leaving the loop and releasing the subscription unsubscribes it")
    func breakUnsubscribes() async {
        let hub = Hub<Int, String>()
        let subscription = hub.subscribe(to: 1)
        hub.publish("x", to: 1)
        for await message in subscription {
            #expect(message == "x")
            break
        }
        _ = consume subscription
        #expect(hub.subscriptionCount == 0)
    }

    @Test("cancelling the task that waits on a silent subscription ends it and unsubscribes")
    func cancellationUnsubscribes() async throws {
        let hub = Hub<Int, String>()
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
}
