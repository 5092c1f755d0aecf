import Foundation
import Logging
import Synchronization
import Testing

@testable import Hyper
@testable import HyperTransport

/// A route that fails in the middle of its stream, served in process over a real FastCGI socket.
@Suite("Errors in the middle of a stream")
struct MidStreamErrorTests {
    struct FailingStream: EventStream {
        struct Failure: Error, CustomStringConvertible {
            var description: String { "the feed's source broke" }
        }

        init(request: Request) {}

        func stream(to events: EventSink) async throws {
            try await events.send("first" as HTML)
            try await events.send("second" as HTML)
            throw Failure()
        }
    }

    /// Keeps the messages logged at error level.
    struct RecordingLogHandler: LogHandler {
        let messages: Messages
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .error

        final class Messages: Sendable {
            let lines = Mutex<[String]>([])
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            messages.lines.withLock { $0.append(([event.message.description] + fields).joined(separator: " ")) }
        }
    }

    @Test("the stream ends after the last whole event, the response completes, and the error is logged")
    func failingStream() throws {
        let folder = try FileManager.default.url(
            for: .itemReplacementDirectory, in: .userDomainMask, appropriateFor: URL(fileURLWithPath: "/tmp"),
            create: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let socketPath = folder.path + "/hyper.sock"
        var router = Router()
        try router.add("/fails", FailingStream.self)
        let messages = RecordingLogHandler.Messages()
        let app = Application(
            router: router, logger: Logger(label: "test") { _ in RecordingLogHandler(messages: messages) })
        let socket = try ListeningSocket.unix(path: socketPath)
        let server = try TransportServer(socket: socket, configuration: .init(initialThreads: 1), logger: app.logger) {
            app.serve($0)
        }
        server.start()
        defer {
            server.stop()
            server.waitUntilStopped(timeout: .seconds(5))
            socket.close()
        }

        let client = try RawFastCGIClient(socketPath: socketPath)
        defer { client.close() }
        client.send(
            RawFastCGIClient.beginRequest
                + RawFastCGIClient.params([("REQUEST_METHOD", "GET"), ("DOCUMENT_URI", "/fails"), ("QUERY_STRING", "")])
                + RawFastCGIClient.record(.stdin, []))
        let received = client.receiveAll(timeout: .seconds(5))
        let output = RawFastCGIClient.stdout(of: received)
        #expect(output.hasPrefix("Status: 200 OK\r\n"))
        #expect(output.contains("Content-Type: text/event-stream\r\n"))
        #expect(output.hasSuffix("\r\n\r\ndata: first\n\ndata: second\n\n"))
        #expect(Self.recordTypes(in: received).last == FastCGIRecord.RecordType.endRequest.rawValue)
        #expect(
            messages.lines.withLock { $0 }.contains {
                $0.hasPrefix("Hyper: stream ended by an error") && $0.contains("the feed's source broke")
                    && $0.contains("path=/fails")
            })
        let deadline = ContinuousClock.now + .seconds(1)
        while app.runningRouteTasks > 0 && ContinuousClock.now < deadline { usleep(1000) }
        #expect(app.runningRouteTasks == 0)
    }

    /// The type of each FastCGI record in `bytes`, in order.
    private static func recordTypes(in bytes: [UInt8]) -> [UInt8] {
        var types: [UInt8] = []
        var offset = 0
        while offset + 8 <= bytes.count {
            types.append(bytes[offset + 1])
            offset += 8 + (Int(bytes[offset + 4]) << 8 | Int(bytes[offset + 5])) + Int(bytes[offset + 6])
        }
        return types
    }
}
