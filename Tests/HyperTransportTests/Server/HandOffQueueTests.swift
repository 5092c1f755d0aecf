import Glibc
import Testing

@testable import HyperTransport

@Suite("HandOffQueue")
struct HandOffQueueTests {
    private func value(_ taken: HandOffQueue<Int>.Taken) -> Int? {
        if case .element(let value) = taken { return value }
        return nil
    }

    @Test("elements come out in the order they went in")
    func firstInFirstOut() {
        let queue = HandOffQueue<Int>()
        for value in 0..<3000 { queue.append(value) }
        let taken = (0..<3000).map { _ in value(queue.take(within: .milliseconds(10))) }
        #expect(taken == Array(0..<3000))
    }

    @Test("an empty queue waits the time given, then says it timed out")
    func timesOut() async {
        let queue = HandOffQueue<Int>()
        let (timedOut, waited) = await offThePool {
            let started = ContinuousClock.now
            guard case .timedOut = queue.take(within: .milliseconds(200)) else { return (false, Duration.zero) }
            return (true, ContinuousClock.now - started)
        }
        #expect(timedOut)
        #expect(waited >= .milliseconds(190) && waited < .seconds(2), "\(waited)")
    }

    @Test("a waiting taker wakes for an element appended meanwhile")
    func wakesForAppend() async {
        let queue = HandOffQueue<Int>()
        startThread {
            usleep(50_000)
            queue.append(7)
        }
        let taken = await offThePool { queue.take(within: .seconds(5)) }
        #expect(value(taken) == 7)
    }

    @Test("a closed queue hands out what it holds, then tells every waiting taker at once")
    func closed() async {
        let queue = HandOffQueue<Int>()
        queue.append(1)
        queue.close()
        #expect(value(queue.take(within: .seconds(1))) == 1)
        guard case .closed = queue.take(within: .seconds(1)) else {
            Issue.record("not closed")
            return
        }
        let waiting = HandOffQueue<Int>()
        startThread {
            usleep(50_000)
            waiting.close()
        }
        let (wokeClosed, waited) = await offThePool {
            let started = ContinuousClock.now
            guard case .closed = waiting.take(within: .seconds(5)) else { return (false, Duration.zero) }
            return (true, ContinuousClock.now - started)
        }
        #expect(wokeClosed)
        #expect(waited < .seconds(2))
    }
}
