import Hyper

/// `/slow?ms=N&bytes=K`: a plain-text answer that takes N milliseconds (at most 60 000) to
/// produce, to watch graceful shutdown and the slow-request log at work. With `bytes`, the answer
/// is that many bytes long (at most 10 MB), to see a large response split into FastCGI records.
struct SlowRoute: Route {
    static let method = HTTPRequest.Method.get

    static func respond(to request: Request) async throws -> Response {
        let milliseconds = min(max(Int(request.query["ms"] ?? "") ?? 1000, 0), 60_000)
        try await Task.sleep(for: .milliseconds(milliseconds))
        let text = "slept \(milliseconds) ms\n"
        guard let size = request.query["bytes"].flatMap({ Int($0) }).map({ min(max($0, 0), 10_000_000) }) else {
            return Response(text: text)
        }
        let padding = String(repeating: ".", count: max(size - text.utf8.count, 0))
        return Response(text: String((text + padding).prefix(size)))
    }
}
