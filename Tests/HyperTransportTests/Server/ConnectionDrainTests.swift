import Glibc
import Testing

@testable import HyperTransport

@Suite("ConnectionDrain")
struct ConnectionDrainTests {
    /// A connected pair of unix stream sockets: this side and the web server's.
    private func connectedPair() throws -> (ours: Int32, peer: Int32) {
        var descriptors: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0 else {
            throw Failure(errno: errno)
        }
        return (descriptors[0], descriptors[1])
    }

    private struct Failure: Error { var errno: Int32 }

    /// How long the drain of `ours` takes while the peer closes its side after `peerCloses`.
    private func drainDuration(_ pair: (ours: Int32, peer: Int32), requestReadWhole: Bool, peerCloses: Duration)
        async -> Duration
    {
        let closer = Task.detached {
            try? await Task.sleep(for: peerCloses)
            close(pair.peer)
        }
        let duration = await offThePool {
            ContinuousClock().measure {
                ConnectionDrain.shutDownAndDrain(pair.ours, requestReadWhole: requestReadWhole)
            }
        }
        await closer.value
        close(pair.ours)
        return duration
    }

    @Test("a request read whole with nothing unread is closed at once, without waiting for the peer")
    func wholeRequestDoesNotWait() async throws {
        let duration = await drainDuration(try connectedPair(), requestReadWhole: true, peerCloses: .milliseconds(600))
        #expect(duration < .milliseconds(300))
    }

    @Test("unread input is drained until the peer closes, even after a request read whole")
    func unreadInputIsDrained() async throws {
        let pair = try connectedPair()
        #expect(send(pair.peer, "extra", 5, 0) == 5)
        let duration = await drainDuration(pair, requestReadWhole: true, peerCloses: .milliseconds(600))
        #expect(duration >= .milliseconds(400))
        #expect(duration < ConnectionDrain.limit + .milliseconds(500))
    }

    @Test("a request read in part waits for the peer to close its side")
    func partialRequestWaits() async throws {
        let duration = await drainDuration(try connectedPair(), requestReadWhole: false, peerCloses: .milliseconds(600))
        #expect(duration >= .milliseconds(400))
        #expect(duration < ConnectionDrain.limit + .milliseconds(500))
    }
}
