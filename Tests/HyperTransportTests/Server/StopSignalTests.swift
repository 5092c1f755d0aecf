import Glibc
import Testing

@testable import HyperTransport

@Suite("StopSignal")
struct StopSignalTests {
    @Test("a raised signal wakes every wait, now and later")
    func raisedStaysRaised() {
        var pipeEnds: [Int32] = [0, 0]
        pipe(&pipeEnds)
        defer { pipeEnds.forEach { close($0) } }
        let signal = StopSignal()
        #expect(!signal.isRaised)
        signal.raise()
        #expect(signal.isRaised)
        #expect(signal.wait(watching: pipeEnds[0]) == .stopped)
        #expect(signal.wait(watching: pipeEnds[0]) == .stopped)
    }

    @Test("a readable descriptor wins over a raised signal")
    func readableWins() {
        var pipeEnds: [Int32] = [0, 0]
        pipe(&pipeEnds)
        defer { pipeEnds.forEach { close($0) } }
        let signal = StopSignal()
        var byte: UInt8 = 1
        _ = write(pipeEnds[1], &byte, 1)
        #expect(signal.wait(watching: pipeEnds[0]) == .readable)
        signal.raise()
        #expect(signal.wait(watching: pipeEnds[0]) == .readable)
    }

    @Test("raising from another thread wakes a waiting thread")
    func wakesAWaiter() async {
        var pipeEnds: [Int32] = [0, 0]
        pipe(&pipeEnds)
        defer { pipeEnds.forEach { close($0) } }
        let signal = StopSignal()
        let readEnd = pipeEnds[0]
        let raiser = Task.detached {
            try? await Task.sleep(for: .milliseconds(50))
            signal.raise()
        }
        // Off the cooperative pool, which the raising task needs meanwhile.
        #expect(await offThePool { signal.wait(watching: readEnd) } == .stopped)
        await raiser.value
    }
}
