import Foundation
import Testing
import HyperTesting

/// Raw SCGI input that nginx never sends, straight to the socket of a release build serving
/// `--protocol scgi` (what is deployed): each bad request costs one warning line and its
/// connection, within the request timeout, and the process keeps serving.
@Suite("Hostile SCGI peers", .serialized)
struct SCGIHostilePeerTests {
    /// Runs `body` against a fresh release-built demo speaking SCGI whose requests must arrive
    /// within `requestTimeout` seconds, never beside the latency tests.
    private func withDemo(requestTimeout: Int = 1, _ body: (LiveApp) async throws -> Void) async throws {
        try await MachineLock.exclusively {
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            let demo = try await LiveApp.demo(
                in: scratch, arguments: ["--request-timeout", "\(requestTimeout)"], wireProtocol: .scgi,
                build: .release)
            defer { demo.stop() }
            try await body(demo)
            #expect(demo.isRunning, "the process survived: \(demo.log)")
        }
    }

    /// Sends `bytes` (then end-of-file if `finish`) and returns what came back before the app
    /// closed the connection, and how long that took.
    private func exchange(_ bytes: [UInt8], on demo: LiveApp, finish: Bool = false) throws -> (
        response: String, took: Duration
    ) {
        let client = try RawFastCGIClient(socketPath: demo.socket)
        defer { client.close() }
        let started = ContinuousClock.now
        client.send(bytes)
        if finish { client.finishSending() }
        let received = client.receiveAll(timeout: .seconds(5))
        return (String(decoding: received, as: UTF8.self), ContinuousClock.now - started)
    }

    private func expectStillServing(_ demo: LiveApp, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (response, _) = try exchange(RawSCGIRequest.get("/hello"), on: demo)
        #expect(response.hasPrefix("Status: 200 OK\r\n"), sourceLocation: sourceLocation)
        #expect(response.hasSuffix("\r\n\r\nHello, world!"), sourceLocation: sourceLocation)
    }

    private func refusals(in log: String) -> [Substring] {
        log.split(separator: "\n").filter { $0.contains("HyperSCGI: refused an SCGI peer") }
    }

    private static let valid: [(String, String)] = [
        ("CONTENT_LENGTH", "0"), ("SCGI", "1"), ("REQUEST_METHOD", "GET"), ("DOCUMENT_URI", "/hello"),
    ]

    @Test(
        "a malformed header block gets one warning naming the violation and a closed connection, nothing else",
        arguments: [
            ("abc:", "the netstring length has byte 0x61 where a digit or ':' belongs"),
            ("007:", "the netstring length has a leading zero"),
            ("65537:", "the header block is announced at 65537 bytes or more, over the 65536-byte limit"),
            ("9999999999999999999999:", "over the 65536-byte limit"),
            ("4:ab\u{0}c;", "the header block is followed by 0x3B instead of ','"),
            ("7:SCGI\u{0}1\u{0},", "the first header is \"SCGI\", not CONTENT_LENGTH"),
            ("25:CONTENT_LENGTH\u{0}-5\u{0}SCGI\u{0}1\u{0},", "CONTENT_LENGTH is \"-5\", not a decimal number"),
            ("17:CONTENT_LENGTH\u{0}0\u{0},", "the header SCGI is missing"),
            ("26:CONTENT_LENGTH\u{0}0\u{0}SCGI\u{0}yes\u{0},", "SCGI is \"yes\", not 1"),
        ])
    func malformedHeaderBlock(input: String, reason: String) async throws {
        try await withDemo(requestTimeout: 10) { demo in
            let (response, took) = try exchange(Array(input.utf8), on: demo)
            #expect(response.isEmpty)
            #expect(took < .seconds(3), "closed at once, not at the 10 s request timeout")
            try expectStillServing(demo)
            let lines = refusals(in: demo.log)
            #expect(lines.count == 1, "\(demo.log)")
            #expect(lines.first?.contains(reason) == true, "\(demo.log)")
        }
    }

    @Test("a header block of over 64 KiB is refused at its length, before any of it is read")
    func headerBlockOverLimit() async throws {
        try await withDemo { demo in
            let block = [UInt8](repeating: UInt8(ascii: "a"), count: 70_000)
            let (response, _) = try exchange(Array("70000:".utf8) + block, on: demo)
            #expect(response.isEmpty)
            #expect(refusals(in: demo.log).first?.contains("announced at 70000 bytes or more") == true, "\(demo.log)")
            try expectStillServing(demo)
        }
    }

    @Test("a connection that ends inside the header block is refused with the bytes it sent")
    func endsInsideHeaderBlock() async throws {
        try await withDemo { demo in
            let request = RawSCGIRequest.bytes(Self.valid)
            let (response, _) = try exchange(Array(request[..<30]), on: demo, finish: true)
            #expect(response.isEmpty)
            let lines = refusals(in: demo.log)
            #expect(lines.count == 1)
            #expect(lines.first?.contains("the connection ended after 30 bytes") == true, "\(demo.log)")
            try expectStillServing(demo)
        }
    }

    @Test("a body shorter than CONTENT_LENGTH is a 400 with one warning, and never reaches a route")
    func shortBody() async throws {
        try await withDemo { demo in
            let request = RawSCGIRequest.bytes(
                [("CONTENT_LENGTH", "100"), ("SCGI", "1"), ("REQUEST_METHOD", "POST"), ("DOCUMENT_URI", "/about")],
                body: Array("only ten b".utf8))
            let (response, _) = try exchange(request, on: demo, finish: true)
            #expect(response.hasPrefix("Status: 400 Bad Request\r\n"))
            #expect(response.contains("The request body ended early (10 of 100 bytes)."))
            #expect(!response.contains("405"), "the route never ran")
            let warnings = demo.log.split(separator: "\n").filter { $0.contains(" warning ") }
            #expect(warnings.count == 1, "\(demo.log)")
            try expectStillServing(demo)
        }
    }

    @Test("a body longer than CONTENT_LENGTH is a 400 that says so, and never reaches a route")
    func longBody() async throws {
        try await withDemo { demo in
            let request = RawSCGIRequest.bytes(
                [("CONTENT_LENGTH", "13"), ("SCGI", "1"), ("REQUEST_METHOD", "POST"), ("DOCUMENT_URI", "/about")],
                body: [UInt8](repeating: UInt8(ascii: "x"), count: 8034))
            let (response, _) = try exchange(request, on: demo)
            #expect(response.hasPrefix("Status: 400 Bad Request\r\n"), "\(response)")
            #expect(response.contains("The request body is longer than its Content-Length"), "\(response)")
            #expect(!response.contains("ended early"))
            #expect(!response.contains("405"), "the route never ran")
            try expectStillServing(demo)
        }
    }

    @Test("a path above the root, sent raw, is a 400 from the app")
    func pathAboveRoot() async throws {
        try await withDemo { demo in
            let (response, _) = try exchange(RawSCGIRequest.get("/a/../../b"), on: demo)
            #expect(response.hasPrefix("Status: 400 Bad Request\r\n"))
            #expect(demo.log.contains("The request path is not valid."))
            try expectStillServing(demo)
        }
    }

    @Test("connections that send nothing do not keep others from being served, and are closed at the timeout")
    func silentConnections() async throws {
        try await withDemo { demo in
            let silent = try (0..<20).map { _ in try RawFastCGIClient(socketPath: demo.socket) }
            defer { for client in silent { client.close() } }
            let started = ContinuousClock.now
            try expectStillServing(demo)
            #expect(ContinuousClock.now - started < .milliseconds(900), "served while 20 connections sit silent")
            var closed = 0
            for client in silent {
                // `receiveAll` returns early only at end-of-file: the app closed the connection.
                let waited = ContinuousClock.now
                let received = client.receiveAll(timeout: .seconds(3))
                if received.isEmpty && ContinuousClock.now - waited < .milliseconds(2900) { closed += 1 }
            }
            #expect(ContinuousClock.now - started < .seconds(4), "closed by the app, not by the test's timeout")
            #expect(closed == 20)
            #expect(
                refusals(in: demo.log).filter { $0.contains("the request did not arrive whole within 1.0 seconds") }
                    .count
                    == 20, "\(demo.log)")
        }
    }

    @Test("a request trickling in a byte at a time is cut at the request timeout")
    func tricklingRequest() async throws {
        try await withDemo { demo in
            let client = try RawFastCGIClient(socketPath: demo.socket)
            defer { client.close() }
            let request = RawSCGIRequest.bytes(Self.valid)
            let started = ContinuousClock.now
            var sent = 0
            var peer = pollfd(fd: client.descriptor, events: Int16(POLLIN), revents: 0)
            while sent < request.count && ContinuousClock.now - started < .seconds(4) {
                client.send([request[sent]])  // without SIGPIPE, should the app close first
                sent += 1
                if poll(&peer, 1, 100) > 0 { break }  // the app closed it
            }
            #expect(client.receiveAll(timeout: .seconds(1)).isEmpty)
            let took = ContinuousClock.now - started
            #expect(sent < request.count, "cut before the request was whole")
            #expect(took >= .milliseconds(900) && took < .seconds(3), "\(took)")
            #expect(refusals(in: demo.log).count == 1, "\(demo.log)")
            try expectStillServing(demo)
        }
    }
}
