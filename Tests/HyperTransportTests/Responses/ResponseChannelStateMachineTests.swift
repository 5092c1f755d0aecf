import Glibc
import Testing

@testable import HyperTransport

/// The response channel's lifecycle without threads or sockets: every event in every state,
/// the valid transitions and the ones that must change nothing.
@Suite("Response channel state machine")
struct ResponseChannelStateMachineTests {
    typealias Machine = ResponseChannelStateMachine

    /// The handed-off connection's I/O, scripted: writes drain into /dev/null, or find the socket
    /// full, or fail; the pump accepts or refuses to watch.
    final class ScriptedIO: HandedOffIO {
        var outcome: StreamConnection.WriteOutcome = .drained
        var watchAccepted = true
        private(set) var watches: [Bool] = []

        func write(_ connection: inout StreamConnection) -> StreamConnection.WriteOutcome {
            outcome == .drained ? connection.writePending() : outcome
        }

        func watchWritable(_ watch: Bool, descriptor: Int32, token: UInt64) -> Bool {
            watches.append(watch)
            return watchAccepted
        }
    }

    /// Where drained writes go; open for the whole test process.
    private static let devNull = open("/dev/null", O_WRONLY)

    /// The states a response can be in, each reached by its valid transitions.
    enum Start: String, CaseIterable, CustomStringConvertible {
        case buffering, bufferingFinished, bufferingEnded
        case handedOff, handedOffFinished, handedOffEnded
        case clientGone, closed

        var description: String { rawValue }
    }

    /// A machine in `start`, reached through `io`, whose next write is then scripted to block
    /// (except in `.closed`).
    private func make(_ start: Start, io: ScriptedIO = ScriptedIO(), capacity: Int = 8) -> Machine {
        var machine = Machine(capacity: capacity)
        switch start {
        case .buffering:
            break
        case .bufferingFinished:
            _ = machine.finish(io: io)
        case .bufferingEnded:
            _ = machine.end(appending: [], io: io)
        case .handedOff, .handedOffFinished, .handedOffEnded, .closed:
            _ = handOff(&machine, io: io)
            io.outcome = start == .closed ? .drained : .blocked
            if start == .handedOffFinished || start == .closed { _ = machine.finish(io: io) }
            if start == .handedOffEnded { _ = machine.end(appending: [], io: io) }
        case .clientGone:
            _ = machine.clientLeft()
        }
        #expect(phase(of: machine) == start)
        return machine
    }

    private func handOff(_ machine: inout Machine, io: ScriptedIO, headBytes: Int = 10) -> Machine.Aftermath? {
        machine.handOff(
            StreamConnection(descriptor: Self.devNull, framing: .raw), token: 7, headBytes: headBytes,
            whenDone: { _ in }, io: io)
    }

    private func phase(of machine: Machine) -> Start? {
        switch machine.state {
        case .buffering(let buffer):
            switch buffer.end {
            case nil: .buffering
            case .finished: .bufferingFinished
            case .endedFromOutside: .bufferingEnded
            }
        case .handedOff(let handedOff):
            switch handedOff.end {
            case nil: .handedOff
            case .finished: .handedOffFinished
            case .endedFromOutside: .handedOffEnded
            }
        case .clientGone: .clientGone
        case .closed: .closed
        case .modifying: nil
        }
    }

    // MARK: The producer

    @Test(
        "send in each state: queued, ignored after finish, or refused with the error that says why",
        arguments: [
            (Start.buffering, "queued"), (.bufferingFinished, "ignored"), (.bufferingEnded, "ResponseEndedError"),
            (.handedOff, "queued"), (.handedOffFinished, "ignored"), (.handedOffEnded, "ResponseEndedError"),
            (.clientGone, "ClientDisconnectedError"), (.closed, "ResponseEndedError"),
        ])
    func send(in start: Start, expected: String) {
        let io = ScriptedIO()
        var machine = make(start, io: io)
        io.outcome = .blocked
        let before = machine.waitingBytes
        let result: String
        do {
            _ = try machine.send([1, 2, 3], io: io)
            result = machine.waitingBytes == before + 3 ? "queued" : machine.waitingBytes == before ? "ignored" : "?"
        } catch {
            result = "\(type(of: error))"
        }
        #expect(result == expected)
        #expect(phase(of: machine) == start)
    }

    @Test("the producer must wait once more than the capacity waits, buffered or pending on the connection")
    func mustWaitPastCapacity() throws {
        for start in [Start.buffering, .handedOff] {
            let io = ScriptedIO()
            var machine = make(start, io: io, capacity: 4)
            io.outcome = .blocked
            let fits = try machine.send([1, 2, 3, 4], io: io).mustWait
            #expect(fits == false)
            let overflows = try machine.send([5], io: io).mustWait
            #expect(overflows == true)
        }
    }

    @Test(
        "finish ends an open response; once ended or over it changes nothing",
        arguments: [
            (Start.buffering, Start.bufferingFinished), (.bufferingFinished, .bufferingFinished),
            (.bufferingEnded, .bufferingEnded), (.handedOff, .handedOffFinished),
            (.handedOffFinished, .handedOffFinished), (.handedOffEnded, .handedOffEnded),
            (.clientGone, .clientGone), (.closed, .closed),
        ])
    func finish(in start: Start, expected: Start) {
        let io = ScriptedIO()
        var machine = make(start, io: io)
        io.outcome = .blocked
        _ = machine.finish(io: io)
        #expect(phase(of: machine) == expected)
    }

    @Test(
        "end(appending:) ends only an open response, after what was sent",
        arguments: [
            (Start.buffering, Start.bufferingEnded), (.bufferingFinished, .bufferingFinished),
            (.bufferingEnded, .bufferingEnded), (.handedOff, .handedOffEnded),
            (.handedOffFinished, .handedOffFinished), (.handedOffEnded, .handedOffEnded),
            (.clientGone, .clientGone), (.closed, .closed),
        ])
    func end(in start: Start, expected: Start) {
        let io = ScriptedIO()
        var machine = make(start, io: io)
        io.outcome = .blocked
        let before = machine.waitingBytes
        let (ended, _) = machine.end(appending: [9, 9], io: io)
        #expect(ended == (expected != start))
        #expect(phase(of: machine) == expected)
        #expect(machine.wasEndedFromOutside == [.bufferingEnded, .handedOffEnded].contains(expected))
        if ended { #expect(machine.waitingBytes == before + 2) }
    }

    @Test("a drained write of the end closes the connection and reports the whole response")
    func endWrittenCloses() throws {
        let io = ScriptedIO()
        var machine = make(.handedOff, io: io)
        io.outcome = .drained
        _ = try machine.send(Array("data: 1\n\n".utf8), io: io)
        let aftermath = machine.finish(io: io)
        #expect(phase(of: machine) == .closed)
        let closing = try #require(aftermath.closing)
        #expect(closing.outcome == ResponseOutcome(bytesWritten: 10 + 9, clientDisconnected: false))
        #expect(closing.descriptor == Self.devNull && closing.token == 7)
    }

    // MARK: The waiting producer

    private enum Release: Equatable {
        case stillWaiting, resumed, failed(String)
    }

    private func release(_ aftermath: Machine.Aftermath) -> Release {
        guard let result = aftermath.producer else { return .stillWaiting }
        switch result {
        case .success: return .resumed
        case .failure(let error): return .failed("\(type(of: error))")
        }
    }

    @Test("a waiting producer is released with what ended its wait")
    func waitingProducerRelease() throws {
        // Taken by the request thread: room again.
        var io = ScriptedIO()
        var machine = make(.buffering, io: io, capacity: 2)
        _ = try machine.send([1, 2, 3], io: io)
        let waits = machine.waitForRoom(isCancelled: false)
        #expect(waits == nil)
        guard case .write(_, _, let resumesProducer) = machine.nextRequestThreadStep() else {
            Issue.record("expected a write")
            return
        }
        #expect(resumesProducer)

        // Ended by the server, buffering and handed off.
        for start in [Start.buffering, .handedOff] {
            io = ScriptedIO()
            machine = make(start, io: io, capacity: 2)
            io.outcome = .blocked
            _ = try machine.send([1, 2, 3], io: io)
            let waitsBeforeEnd = machine.waitForRoom(isCancelled: false)
            #expect(waitsBeforeEnd == nil)
            let ended = machine.end(appending: [], io: io).1
            #expect(release(ended) == .failed("ResponseEndedError"))
        }

        // The client left, seen by the request thread or by the pump.
        io = ScriptedIO()
        machine = make(.buffering, io: io, capacity: 2)
        _ = try machine.send([1, 2, 3], io: io)
        _ = machine.waitForRoom(isCancelled: false)
        let left = machine.clientLeft()
        #expect(release(left) == .failed("ClientDisconnectedError"))
        io = ScriptedIO()
        machine = make(.handedOff, io: io, capacity: 2)
        io.outcome = .blocked
        _ = try machine.send([1, 2, 3], io: io)
        _ = machine.waitForRoom(isCancelled: false)
        let hungUp = machine.connectionHungUp()
        #expect(release(hungUp) == .failed("ClientDisconnectedError"))

        // The pump wrote the backlog: room again.
        io = ScriptedIO()
        machine = make(.handedOff, io: io, capacity: 2)
        io.outcome = .blocked
        _ = try machine.send([1, 2, 3], io: io)
        _ = machine.waitForRoom(isCancelled: false)
        io.outcome = .drained
        let drained = machine.connectionWritable(io: io)
        #expect(release(drained) == .resumed)

        // Cancelled.
        io = ScriptedIO()
        machine = make(.buffering, io: io, capacity: 2)
        _ = try machine.send([1, 2, 3], io: io)
        _ = machine.waitForRoom(isCancelled: false)
        let cancelled = machine.cancelWaiting()
        #expect(cancelled)
        let waitsAfterRelease = machine.cancelWaiting()
        #expect(!waitsAfterRelease)
    }

    @Test(
        "waitForRoom answers at once when the wait is over before it starts",
        arguments: [
            (Start.buffering, false, "waits"), (.buffering, true, "CancellationError"),
            (.bufferingEnded, false, "ResponseEndedError"), (.clientGone, false, "ClientDisconnectedError"),
            (.closed, false, "room"),
        ])
    func waitForRoom(in start: Start, cancelled: Bool, expected: String) throws {
        let io = ScriptedIO()
        var machine = make(start, io: io, capacity: 2)
        if start == .buffering { _ = try machine.send([1, 2, 3], io: io) }
        let answer =
            switch machine.waitForRoom(isCancelled: cancelled) {
            case nil: "waits"
            case .success: "room"
            case .failure(let error): "\(type(of: error))"
            }
        #expect(answer == expected)
    }

    // MARK: The request thread

    @Test(
        "the request thread's next step in each state",
        arguments: [
            (Start.buffering, "sleep"), (.bufferingFinished, "finish"), (.bufferingEnded, "finish"),
            (.handedOff, "finish"), (.clientGone, "clientGone"), (.closed, "finish"),
        ])
    func requestThreadStep(in start: Start, expected: String) {
        var machine = make(start)
        let step =
            switch machine.nextRequestThreadStep() {
            case .sleep: "sleep"
            case .write: "write"
            case .finish: "finish"
            case .clientGone: "clientGone"
            }
        #expect(step == expected)
        #expect(machine.isConsumerSleeping == (expected == "sleep"))
    }

    @Test("the request thread takes the buffered chunks in order, with the stream flag, once")
    func takesChunks() throws {
        let io = ScriptedIO()
        var machine = make(.buffering, io: io)
        machine.startStreaming(heartbeat: nil)
        _ = try machine.send([1], io: io)
        _ = try machine.send([2], io: io)
        guard case .write(let chunks, let isStream, false) = machine.nextRequestThreadStep() else {
            Issue.record("expected a write")
            return
        }
        #expect(chunks == [[1], [2]] && isStream)
        #expect(machine.waitingBytes == 0)
        _ = machine.end(appending: [3], io: io)
        guard case .finish(let rest, false) = machine.nextRequestThreadStep() else {
            Issue.record("expected the end")
            return
        }
        #expect(rest == [[3]])
    }

    @Test("a sleeping request thread is woken once per sleep")
    func wakesOnce() {
        var machine = make(.buffering)
        let wokenAwake = machine.wakeConsumer()
        #expect(!wokenAwake)
        _ = machine.nextRequestThreadStep()
        let wokenAsleep = machine.wakeConsumer()
        #expect(wokenAsleep)
        let wokenTwice = machine.wakeConsumer()
        #expect(!wokenTwice)
        _ = machine.nextRequestThreadStep()
        machine.consumerStaysAwake()
        let wokenAfterStaying = machine.wakeConsumer()
        #expect(!wokenAfterStaying)
    }

    @Test(
        "the client leaving: buffers dropped, a handed-off connection closed, a closed response unchanged",
        arguments: [
            (Start.buffering, Start.clientGone, false), (.bufferingEnded, .clientGone, false),
            (.handedOff, .clientGone, true), (.handedOffEnded, .clientGone, true), (.clientGone, .clientGone, false),
            (.closed, .closed, false),
        ])
    func clientLeft(in start: Start, expected: Start, closes: Bool) {
        var machine = make(start)
        let wasEndedFromOutside = machine.wasEndedFromOutside
        let aftermath = machine.clientLeft()
        #expect(phase(of: machine) == expected)
        #expect((aftermath.closing != nil) == closes)
        #expect(aftermath.closing?.outcome.clientDisconnected ?? true)
        #expect(machine.waitingBytes == 0)
        #expect(machine.wasEndedFromOutside == wasEndedFromOutside)
    }

    // MARK: The handed-off connection

    @Test(
        "only a buffering response can be handed off; buffered bytes and an end move onto the connection",
        arguments: [
            (Start.buffering, Start.handedOff), (.bufferingFinished, .closed), (.bufferingEnded, .closed),
            (.handedOff, nil), (.clientGone, nil), (.closed, nil),
        ] as [(Start, Start?)])
    func handOff(in start: Start, expected: Start?) {
        let io = ScriptedIO()
        var machine = make(start, io: io)
        let aftermath = handOff(&machine, io: io)
        #expect((aftermath != nil) == (expected != nil))
        #expect(phase(of: machine) == expected ?? start)
    }

    @Test("buffered bytes are written after the hand-off and counted in the outcome")
    func handOffWritesBuffered() throws {
        let io = ScriptedIO()
        var machine = make(.buffering, io: io)
        _ = try machine.send([1, 2, 3], io: io)
        _ = machine.finish(io: io)
        let closing = try #require(handOff(&machine, io: io, headBytes: 5)?.closing)
        #expect(closing.outcome == ResponseOutcome(bytesWritten: 8, clientDisconnected: false))
    }

    @Test(
        "a hang-up seen by the pump closes only a handed-off connection",
        arguments: [
            (Start.buffering, Start.buffering), (.handedOff, .clientGone), (.handedOffFinished, .clientGone),
            (.handedOffEnded, .clientGone), (.clientGone, .clientGone), (.closed, .closed),
        ])
    func hangUp(in start: Start, expected: Start) {
        var machine = make(start)
        let aftermath = machine.connectionHungUp()
        #expect(phase(of: machine) == expected)
        #expect((aftermath.closing != nil) == (expected != start))
    }

    @Test(
        "a write's outcome: the pump watches a full socket, a failure or a refused watch closes, the written end closes",
        arguments: [
            // outcome, the pump accepts the watch, the end is framed → state, watches asked for
            (StreamConnection.WriteOutcome.drained, true, false, Start.handedOff, [Bool]()),
            (.blocked, true, false, .handedOff, [true]),
            (.blocked, false, false, .clientGone, [true]),
            (.failed, true, false, .clientGone, []),
            (.drained, true, true, .closed, []),
            (.blocked, true, true, .handedOffFinished, [true]),
            (.failed, true, true, .clientGone, []),
        ])
    func writeOutcome(
        _ outcome: StreamConnection.WriteOutcome, watchAccepted: Bool, ended: Bool, expected: Start, watches: [Bool]
    ) throws {
        let io = ScriptedIO()
        var machine = make(.handedOff, io: io)
        io.outcome = outcome
        io.watchAccepted = watchAccepted
        let aftermath: Machine.Aftermath
        if ended {
            aftermath = machine.finish(io: io)
        } else {
            aftermath = try machine.send([1], io: io).1
        }
        #expect(phase(of: machine) == expected)
        #expect(io.watches == watches)
        let reported: Bool? = expected == .clientGone ? true : expected == .closed ? false : nil
        #expect(aftermath.closing?.outcome.clientDisconnected == reported)
    }

    @Test("the pump stops watching once the socket took the backlog")
    func unwatchesWhenDrained() throws {
        let io = ScriptedIO()
        var machine = make(.handedOff, io: io)
        io.outcome = .blocked
        _ = try machine.send([1], io: io)
        io.outcome = .drained
        _ = machine.connectionWritable(io: io)
        #expect(io.watches == [true, false])
        #expect(machine.waitingBytes == 0)
    }

    @Test(
        "a heartbeat is due only to an open handed-off stream, silent for its interval, with nothing pending",
        arguments: [
            (Start.buffering, 60, false), (.handedOff, 60, true), (.handedOff, 59, false),
            (.handedOffFinished, 60, false), (.handedOffEnded, 60, false), (.clientGone, 60, false),
            (.closed, 60, false),
        ])
    func heartbeat(in start: Start, silentSeconds: Int, sent: Bool) {
        let io = ScriptedIO()
        var machine = make(start, io: io)
        machine.startStreaming(heartbeat: .init(interval: .seconds(60), bytes: [UInt8(ascii: ":")]))
        var lastOutput = ContinuousClock.now
        if case .handedOff(let handedOff) = machine.state { lastOutput = Machine.origin + handedOff.lastOutput }
        io.outcome = .blocked
        let before = machine.waitingBytes
        _ = machine.sendHeartbeatIfDue(at: lastOutput + .seconds(silentSeconds), io: io)
        #expect(machine.waitingBytes == before + (sent ? 1 : 0))
    }

    @Test("no heartbeat while earlier output still waits for the socket")
    func noHeartbeatWhilePending() throws {
        let io = ScriptedIO()
        var machine = make(.handedOff, io: io)
        machine.startStreaming(heartbeat: .init(interval: .seconds(1), bytes: [UInt8(ascii: ":")]))
        io.outcome = .blocked
        _ = try machine.send([1], io: io)
        _ = machine.sendHeartbeatIfDue(at: .now + .seconds(10), io: io)
        #expect(machine.waitingBytes == 1)
    }
}
