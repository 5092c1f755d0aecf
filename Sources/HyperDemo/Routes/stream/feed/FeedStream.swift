import Foundation
import Hyper

/// `/stream/feed?interval_ms=N`: a `message` event on connecting, then a new post every
/// interval (2 s unless given).
struct FeedStream: EventStream {
    let interval: Duration

    init(request: Request) throws {
        interval = try request.streamInterval(default: .seconds(2))
    }

    func stream(to events: EventSink) async throws {
        try await events.send("message", #"<div class="info">Feed connected</div>"# as HTML)
        while true {
            try await Task.sleep(for: interval)
            try await events.send(
                "message",
                """
                <div class="post">
                <h3>New Post at \(Date.now.formatted(.iso8601))</h3>
                <p>Some exciting content!</p>
                </div>
                """ as HTML)
        }
    }
}
