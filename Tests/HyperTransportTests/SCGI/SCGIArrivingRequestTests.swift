import Testing

@testable import HyperTransport

@Suite("SCGIArrivingRequest")
struct SCGIArrivingRequestTests {
    /// A POST of `body` announcing `contentLength` (the body's own length if nil).
    private static func request(body: String, contentLength: Int? = nil) -> [UInt8] {
        let pairs = [
            ("CONTENT_LENGTH", "\(contentLength ?? body.utf8.count)"), ("SCGI", "1"), ("REQUEST_METHOD", "POST"),
        ]
        var block: [UInt8] = []
        for (name, value) in pairs { block += Array(name.utf8) + [0] + Array(value.utf8) + [0] }
        return Array("\(block.count):".utf8) + block + [UInt8(ascii: ",")] + Array(body.utf8)
    }

    /// Feeds `bytes` in pieces of `size`; the progress after each piece.
    private func feed(_ bytes: [UInt8], cutEvery size: Int, bodyLimit: Int = 1024) -> (
        [SCGIArrivingRequest.Progress], SCGIArrivingRequest
    ) {
        var arriving = SCGIArrivingRequest(bodyLimit: bodyLimit)
        var progress: [SCGIArrivingRequest.Progress] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + size, bytes.count)
            progress.append(Array(bytes[offset..<end]).withUnsafeBytes { arriving.receive($0) })
            offset = end
        }
        return (progress, arriving)
    }

    private func end(of progress: SCGIArrivingRequest.Progress) -> (body: String, end: SCGIReceivedRequest.Body)? {
        guard case .whole(_, let body, let end) = progress else { return nil }
        return (String(decoding: body, as: UTF8.self), end)
    }

    @Test("a request is whole once its header block and its whole body have arrived, however cut")
    func wholeHoweverCut() {
        let bytes = Self.request(body: "What is the answer to life?")
        for size in [1, 2, 7, 64, bytes.count] {
            let (progress, _) = feed(bytes, cutEvery: size)
            #expect(progress.dropLast().allSatisfy { $0 == .needsMore }, "cut every \(size)")
            #expect(end(of: progress.last!)?.body == "What is the answer to life?", "cut every \(size)")
            #expect(end(of: progress.last!)?.end == .whole, "cut every \(size)")
        }
    }

    @Test("a request without a body is whole with its header block")
    func noBody() {
        let (progress, _) = feed(Self.request(body: ""), cutEvery: 5)
        #expect(end(of: progress.last!)?.end == .whole)
        #expect(progress.dropLast().allSatisfy { $0 == .needsMore })
    }

    @Test("a body announced over the limit is left unread: whole with the header block")
    func overLimit() {
        let bytes = Self.request(body: "0123456789", contentLength: 2000)
        let (progress, _) = feed(bytes, cutEvery: bytes.count, bodyLimit: 1000)
        #expect(end(of: progress[0])?.end == .overLimit)
    }

    @Test("bytes past the announced body say so, with how many arrived")
    func longerThanAnnounced() {
        let (progress, _) = feed(Self.request(body: "0123456789", contentLength: 4), cutEvery: 1000)
        #expect(end(of: progress[0])?.end == .longerThanAnnounced(received: 10))
    }

    @Test("a connection that ends: silently before any byte, refused inside the header block, cut short in the body")
    func ended() {
        #expect(SCGIArrivingRequest(bodyLimit: 10).ended() == .closedSilently)
        let bytes = Self.request(body: "0123456789")
        let (_, inHead) = feed(Array(bytes[..<20]), cutEvery: 20)
        #expect(inHead.ended() == .refused(.endedEarly(received: 20)))
        #expect(!inHead.headIsWhole)
        let (_, inBody) = feed(Array(bytes[..<(bytes.count - 3)]), cutEvery: 9)
        #expect(inBody.headIsWhole)
        #expect(end(of: inBody.ended())?.body == "0123456")
        #expect(end(of: inBody.ended())?.end == .cutShort)
    }

    @Test("an invalid header block is refused at its first bad byte")
    func refused() {
        let (progress, _) = feed(Array("12x".utf8), cutEvery: 1)
        #expect(progress == [.needsMore, .needsMore, .refused(.lengthNotDecimal(UInt8(ascii: "x")))])
    }
}
