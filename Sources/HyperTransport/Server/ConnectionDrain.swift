import Glibc

/// The polite end of a connection that is not kept.
enum ConnectionDrain {
    /// How long the web server gets to close its side after this side shut its writes: unread
    /// input left at close would make the kernel reset the connection, which can cost the web
    /// server the end of the response.
    static let limit: Duration = .seconds(1)

    /// Shuts the write side of `connection` and reads until the peer closes its side, no more
    /// than `limit`, so that closing it does not reset it while the peer is still reading.
    ///
    /// When the request was read whole (`requestReadWhole`), the web server sends nothing more on
    /// the connection, so nothing is left to wait for once nothing is unread: the kernel resets a
    /// closed connection only for input left unread. A single non-blocking read checks that, and
    /// the thread moves on without sleeping until the web server closes (waiting for that cost
    /// a fifth of the pages served without kept connections). Anything unexpectedly there is
    /// drained as for a request read in part.
    static func shutDownAndDrain(_ connection: Int32, requestReadWhole: Bool) {
        guard shutdown(connection, Int32(SHUT_WR)) == 0 else { return }
        // On the stack, not zeroed: an array zeroed per closed connection cost 4,000 instructions.
        withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 16) { trash in
            if requestReadWhole {
                guard recv(connection, trash.baseAddress, trash.count, Int32(MSG_DONTWAIT)) > 0 else { return }
            }
            let deadline = ContinuousClock.now + limit
            while true {
                let left = deadline - .now
                guard left > .zero else { return }
                var readable = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                guard poll(&readable, 1, Int32(min(left / .milliseconds(1), 86_400_000)) + 1) > 0 else { return }
                guard recv(connection, trash.baseAddress, trash.count, Int32(MSG_DONTWAIT)) > 0 else { return }
            }
        }
    }
}
