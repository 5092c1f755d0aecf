import Foundation
import Testing
import HyperTesting

/// Raw FastCGI records that nginx never sends, from `Fixtures/hostile-peer.py` straight to the
/// app's socket of a release build (what is deployed): whatever arrives, the process keeps serving.
@Suite("Hostile FastCGI peers", .serialized)
struct HostilePeerTests {
    /// What the peer saw: the records that came back (type, request id, content as hex), whether
    /// the app closed the connection, and whether a normal request still worked afterwards.
    private struct Outcome {
        var records: [(type: Int, requestID: Int, content: String)]
        var closed: Bool
        var stdout: String
        var largestRecord: Int
        var stillServing: Bool
        var json: [String: Any]
    }

    private func send(_ name: String, to demo: LiveApp, scratch: ScratchDirectory) throws -> Outcome {
        let script = ProjectPaths.root + "/Tests/HyperDemoTests/Fixtures/hostile-peer.py"
        let peer = try ChildProcess(
            "/usr/bin/python3", [script, demo.socket, name], outputPath: scratch.file("\(name).json"),
            errorPath: scratch.file("\(name).err"))
        guard peer.waitForExit(within: .seconds(120)) == 0 else {
            peer.stop()
            throw TestSupportError("hostile-peer.py \(name) failed: \(peer.errors)")
        }
        let object = try JSONSerialization.jsonObject(with: Data(peer.output.utf8))
        let json = try #require(object as? [String: Any])
        let records = (json["records"] as? [[Any]] ?? []).map {
            (type: $0[0] as? Int ?? -1, requestID: $0[1] as? Int ?? -1, content: $0[2] as? String ?? "")
        }
        return Outcome(
            records: records, closed: json["closed"] as? Bool ?? false, stdout: json["stdout"] as? String ?? "",
            largestRecord: json["largest_record"] as? Int ?? 0, stillServing: json["still_serving"] as? Bool ?? false,
            json: json)
    }

    /// Runs `body` against a fresh release-built demo whose requests must arrive within a second,
    /// never beside the latency tests: each case starts processes and opens connections in bursts.
    private func withDemo(_ body: (LiveApp, ScratchDirectory) throws -> Void) async throws {
        try await MachineLock.exclusively {
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            let demo = try await LiveApp.demo(in: scratch, arguments: ["--request-timeout", "1"], build: .release)
            defer { demo.stop() }
            try body(demo, scratch)
            #expect(demo.isRunning, "the process survived: \(demo.log)")
        }
    }

    @Test(
        "input that aborts libfcgi itself is refused and the connection closed",
        arguments: [
            ("params-length-overflow", "a parameter name or value of 2147483646 bytes"),
            ("params-length-0x40000000", "a parameter name or value of 1073741824 bytes"),
            ("second-begin-bypass", "a parameter name or value of 1073741824 bytes"),
            ("get-values-overflow", "a get-values record asking for 4 values"),
            ("version-2", "FastCGI version 2 is not 1"),
            ("nul-in-uri", "a NUL byte inside a parameter name or value"),
            ("headers-65535", "10001 parameters in one request"),
        ])
    func refusedInput(name: String, reason: String) async throws {
        try await withDemo { demo, scratch in
            let outcome = try send(name, to: demo, scratch: scratch)
            #expect(outcome.records.isEmpty)
            #expect(outcome.closed)
            #expect(outcome.stillServing)
            #expect(demo.log.contains("HyperFastCGI: refused a FastCGI peer"))
            #expect(demo.log.contains(reason))
        }
    }

    @Test("a begin-request followed by end-of-file runs no handler")
    func beginThenEndOfFile() async throws {
        try await withDemo { demo, scratch in
            let outcome = try send("begin-then-eof", to: demo, scratch: scratch)
            #expect(outcome.records.isEmpty && outcome.closed && outcome.stillServing)
            #expect(!demo.log.contains("Hyper: bad request"))
        }
    }

    @Test("an abort-request during the body ends the request as a client that left, with no 400")
    func abortDuringBody() async throws {
        try await withDemo { demo, scratch in
            let outcome = try send("abort-during-body", to: demo, scratch: scratch)
            #expect(outcome.stdout == "")
            #expect(outcome.records.last?.type == 3, "the request still ends with FCGI_END_REQUEST")
            #expect(outcome.stillServing)
            #expect(demo.log.contains("Hyper: the web server aborted a request"))
            #expect(!demo.log.contains("Hyper: bad request"))
        }
    }

    @Test("a get-values record asking for the three variables is answered, then the request served")
    func getValues() async throws {
        try await withDemo { demo, scratch in
            let outcome = try send("get-values-three", to: demo, scratch: scratch)
            let reply = try #require(outcome.records.first)
            #expect(reply.type == 10 && reply.requestID == 0)
            // FCGI_MAX_CONNS=1, FCGI_MAX_REQS=1, FCGI_MPXS_CONNS=0 as name-value pairs.
            let expected = [("FCGI_MAX_CONNS", "1"), ("FCGI_MAX_REQS", "1"), ("FCGI_MPXS_CONNS", "0")]
                .map { name, value -> [UInt8] in
                    [UInt8(name.utf8.count), UInt8(value.utf8.count)] + Array(name.utf8) + Array(value.utf8)
                }
                .joined().map { (byte: UInt8) -> String in
                    String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
                }
                .joined()
            #expect(reply.content == expected)
            #expect(outcome.stdout.hasSuffix("\r\n\r\nHello, world!"))
        }
    }

    @Test("an unknown management record type is answered with FCGI_UNKNOWN_TYPE naming it")
    func unknownType() async throws {
        try await withDemo { demo, scratch in
            let outcome = try send("unknown-type", to: demo, scratch: scratch)
            #expect(outcome.records.count == 1)
            #expect(outcome.records.first?.type == 11 && outcome.records.first?.requestID == 0)
            #expect(outcome.records.first?.content == "6300000000000000", "type 99, then 7 reserved bytes")
            #expect(outcome.stillServing)
        }
    }

    @Test("an unknown role gets no handler, and the connection is closed")
    func unknownRole() async throws {
        try await withDemo { demo, scratch in
            let outcome = try send("unknown-role", to: demo, scratch: scratch)
            #expect(outcome.records.isEmpty && outcome.closed && outcome.stillServing)
        }
    }

    @Test("a second begin-request on a busy connection gets FCGI_CANT_MPX_CONN; the first is served")
    func secondBeginOnBusyConnection() async throws {
        try await withDemo { demo, scratch in
            let outcome = try send("second-begin-busy", to: demo, scratch: scratch)
            let refusal = try #require(outcome.records.first)
            #expect(refusal.type == 3 && refusal.requestID == 2)
            #expect(refusal.content == "0000000001000000", "app status 0, protocol status 1 (CANT_MPX_CONN)")
            #expect(outcome.stdout.hasSuffix("\r\n\r\nHello, world!"))
            #expect(outcome.stillServing)
        }
    }

    @Test("name and value lengths on both sides of the one-byte limit (127, 128) are read", arguments: [127, 128])
    func lengthBoundary(length: Int) async throws {
        try await withDemo { demo, scratch in
            let outcome = try send("length-\(length)", to: demo, scratch: scratch)
            #expect(outcome.stdout.hasPrefix("Status: 200 OK\r\n"))
            #expect(outcome.stdout.hasSuffix("\r\n\r\nHello, world!"))
        }
    }

    @Test("a 66000-byte response is split into records of at most 65535 bytes")
    func largeResponse() async throws {
        try await withDemo { demo, scratch in
            let outcome = try send("big-response", to: demo, scratch: scratch)
            let body = try #require(outcome.stdout.range(of: "\r\n\r\n").map { outcome.stdout[$0.upperBound...] })
            #expect(body.utf8.count == 66000)
            #expect(body.hasPrefix("slept 0 ms\n....") && body.hasSuffix("...."))
            #expect(outcome.records.filter { $0.type == 6 }.count > 2)
            #expect(outcome.largestRecord <= 65535)
        }
    }

    @Test("a request cut short at any byte runs no route; cut inside the body it gets a 400")
    func truncationAtEveryStage() async throws {
        try await withDemo { demo, scratch in
            let outcome = try send("truncations", to: demo, scratch: scratch)
            let prefixes = try #require(outcome.json["prefixes"] as? Int)
            let insideBody = try #require(outcome.json["cut_inside_body"] as? Int)
            let statuses = try #require(outcome.json["statuses"] as? [String])
            #expect(prefixes > 80)
            #expect(statuses.count == insideBody)
            #expect(statuses.allSatisfy { $0 == "Status: 400 Bad Request" })
            #expect(outcome.stillServing)
            let served = demo.log.split(separator: "\n").filter { $0.contains("route=/hello status=200") }
            #expect(served.count == 1, "only the request after the prefixes reached the route")
        }
    }

    @Test(
        "an endless stream of parameters is refused at the limit, behind begin-requests too, and the memory returns",
        arguments: ["endless-params", "begin-every-3mib"])
    func endlessParameters(name: String) async throws {
        try await withDemo { demo, scratch in
            let baseline = try #require(demo.residentKiB)
            let outcome = try send(name, to: demo, scratch: scratch)
            let sent = try #require(outcome.json["sent"] as? Int)
            #expect(outcome.json["closed"] as? Bool == true)
            #expect(sent < 8 << 20, "the app read \(sent) bytes before refusing")
            #expect(outcome.stillServing)
            #expect(demo.log.contains("bytes of parameters in one request"))
            let after = try #require(demo.residentKiB)
            #expect(after < baseline + 16 * 1024, "RSS went from \(baseline) KiB to \(after) KiB")
        }
    }

    @Test("more than 1,000 header fields are answered 431")
    func tooManyHeaderFields() async throws {
        try await withDemo { demo, scratch in
            let outcome = try send("headers-2000", to: demo, scratch: scratch)
            #expect(outcome.stdout.hasPrefix("Status: 431 Request Header Fields Too Large\r\n"))
            #expect(outcome.stillServing)
        }
    }

    @Test("connections that send a begin-request and then nothing do not keep others from being served, and are closed")
    func stalledConnections() async throws {
        try await withDemo { demo, scratch in
            let outcome = try send("stalled-connections", to: demo, scratch: scratch)
            #expect(outcome.json["served"] as? Bool == true)
            #expect((outcome.json["served_ms"] as? Double ?? .infinity) < 1000)
            #expect(outcome.json["stalled_closed"] as? Int == 20, "all 20 closed after the 1 s request timeout")
            #expect(demo.log.contains("the request did not arrive whole within 1.0 seconds"))
            #expect(outcome.stillServing)
        }
    }

    @Test("a request trickling in a byte at a time is cut at the request timeout")
    func tricklingRequest() async throws {
        try await withDemo { demo, scratch in
            let outcome = try send("trickle", to: demo, scratch: scratch)
            let closedAfter = try #require(outcome.json["closed_after_s"] as? Double)
            #expect(closedAfter >= 0.9 && closedAfter < 3)
            #expect(outcome.stillServing)
        }
    }
}
