import Glibc
import Testing

@testable import HyperTransport

@Suite("ArrivalRegistry")
struct ArrivalRegistryTests {
    /// Whether `signal` is signalled now, without waiting.
    private func isSignalled(_ signal: WakeUpSignal) -> Bool {
        var readable = pollfd(fd: signal.descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&readable, 1, 0) > 0
    }

    @Test("up to the limit nothing gives up; past it, the oldest still counted is told to, and woken")
    func oldestGivesUp() throws {
        let registry = ArrivalRegistry(limit: 3)
        let signals = try (0..<5).map { _ in try #require(WakeUpSignal()) }
        let tickets = (0..<3).map { registry.register(wakeUp: signals[$0]).ticket }
        #expect(tickets.allSatisfy { !$0.isEvicted })
        #expect(registry.count == 3)
        registry.unregister(tickets[0])
        let fourth = registry.register(wakeUp: signals[3])
        #expect(fourth.evictedToLog == nil, "one left whole: still within the limit")
        let fifth = registry.register(wakeUp: signals[4])
        #expect(tickets[1].isEvicted && isSignalled(signals[1]), "the oldest still counted")
        #expect(!tickets[2].isEvicted && !fourth.ticket.isEvicted && !fifth.ticket.isEvicted)
        #expect(fifth.evictedToLog == 1)
        #expect(registry.count == 3)
    }

    @Test("unregistering a request told to give up takes its wake-up back, so the thread's next wait is not woken")
    func unregisterClearsTheSignal() throws {
        let registry = ArrivalRegistry(limit: 1)
        let first = try #require(WakeUpSignal())
        let second = try #require(WakeUpSignal())
        let ticket = registry.register(wakeUp: first).ticket
        _ = registry.register(wakeUp: second)
        #expect(isSignalled(first))
        registry.unregister(ticket)
        #expect(!isSignalled(first))
        registry.unregister(ticket)  // twice changes nothing
        #expect(registry.count == 1)
    }

    @Test("the count of requests told to give up is reported at most once a second")
    func logOnceASecond() throws {
        let registry = ArrivalRegistry(limit: 1)
        var reported: [Int] = []
        for _ in 0..<10 {
            let signal = try #require(WakeUpSignal())
            if let evicted = registry.register(wakeUp: signal).evictedToLog { reported.append(evicted) }
        }
        #expect(reported == [1], "the first at once, the next eight within the second")
    }
}
