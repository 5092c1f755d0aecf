import Foundation
import Glibc
import HyperTesting
import Synchronization

/// A `curl -N` left running on a stream, recording when each piece of the body arrived.
///
/// ```swift
/// let stream = try CurlStream(server.baseURL + "/sse?every_ms=50")
/// defer { stream.stop() }
/// let events = try await stream.events(count: 3)
/// ```
final class CurlStream: Sendable {
    /// Bytes as they arrived, with the time they did.
    private final class Received: Sendable {
        let chunks = Mutex<[(time: ContinuousClock.Instant, bytes: Data)]>([])
    }

    private let received = Received()
    private let process: Process

    /// Starts `curl -s -N` on `url` with `arguments` before it (`-i` to see headers, `-H …`).
    init(_ url: String, arguments: [String] = [], timeout: Duration = .seconds(30)) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-N", "--max-time", String(timeout.components.seconds)] + arguments + [url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        output.fileHandleForReading.readabilityHandler = { [received] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            } else {
                received.chunks.withLock { $0.append((ContinuousClock.now, data)) }
            }
        }
        try process.run()
    }

    /// Everything received so far.
    var text: String {
        received.chunks.withLock { chunks in
            String(decoding: chunks.reduce(into: Data()) { $0.append($1.bytes) }, as: UTF8.self)
        }
    }

    /// Waits until the received text contains `needle`; returns when the piece completing it
    /// arrived. Throws after `timeout`.
    @discardableResult
    func wait(for needle: String, timeout: Duration = .seconds(10)) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let time = arrival(of: needle) { return time }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw CurlStreamError.timedOut(needle: needle, received: text)
    }

    /// The SSE events (or any blank-line separated blocks) received so far, with the time the
    /// last byte of each arrived, after skipping `headerBlocks` blocks (1 with `-i`).
    func events(skippingHeaderBlocks headerBlocks: Int = 0) -> [(time: ContinuousClock.Instant, text: String)] {
        let chunks = received.chunks.withLock { $0 }
        var result: [(time: ContinuousClock.Instant, text: String)] = []
        var pending = Data()
        var skipped = 0
        for chunk in chunks {
            pending.append(chunk.bytes)
            while let end = [pending.firstRange(of: Data("\n\n".utf8)), pending.firstRange(of: Data("\r\n\r\n".utf8))]
                .compactMap({ $0 }).min(by: { $0.lowerBound < $1.lowerBound })
            {
                let block = String(decoding: pending[pending.startIndex..<end.upperBound], as: UTF8.self)
                pending.removeSubrange(pending.startIndex..<end.upperBound)
                if skipped < headerBlocks {
                    skipped += 1
                } else {
                    result.append((chunk.time, block))
                }
            }
        }
        return result
    }

    /// Waits until `count` events have arrived and returns them.
    func events(count: Int, skippingHeaderBlocks headerBlocks: Int = 0, timeout: Duration = .seconds(10)) async throws
        -> [(time: ContinuousClock.Instant, text: String)]
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let events = events(skippingHeaderBlocks: headerBlocks)
            if events.count >= count { return Array(events.prefix(count)) }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw CurlStreamError.timedOut(needle: "\(count) events", received: text)
    }

    /// Stops curl by PID and waits for it. SIGKILL, because a child started from a test thread
    /// may inherit a signal mask that blocks SIGTERM.
    func stop() {
        if process.isStillRunning { kill(process.processIdentifier, SIGKILL) }
        _ = process.waitForEnd(within: .seconds(5))
    }

    /// Whether curl has ended (the server closed the stream) within `timeout`.
    func hasEnded(within timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isStillRunning {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    private func arrival(of needle: String) -> ContinuousClock.Instant? {
        let chunks = received.chunks.withLock { $0 }
        var text = Data()
        for chunk in chunks {
            text.append(chunk.bytes)
            if String(decoding: text, as: UTF8.self).contains(needle) { return chunk.time }
        }
        return nil
    }
}

enum CurlStreamError: Error, CustomStringConvertible {
    case timedOut(needle: String, received: String)

    var description: String {
        switch self {
        case .timedOut(let needle, let received):
            "CurlStream: no \(needle.debugDescription) in \(received.debugDescription)"
        }
    }
}
