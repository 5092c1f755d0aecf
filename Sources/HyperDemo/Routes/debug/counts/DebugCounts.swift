import Foundation
import Hyper

/// `/debug/counts`: what the process holds right now, as JSON, for the leak test: route tasks
/// (this request's included), hub subscriptions, threads and open descriptors.
struct DebugCounts: Route {
    static let method = HTTPRequest.Method.get

    private struct Counts: Encodable {
        let runningRouteTasks: Int
        let hubSubscriptions: Int
        let threads: Int
        let openDescriptors: Int
    }

    static func respond(to request: Request) throws -> Response {
        let demo = try request.service(DemoCounts.self)
        let counts = Counts(
            runningRouteTasks: demo.runningRouteTasks,
            hubSubscriptions: demo.hubSubscriptions,
            threads: try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count,
            openDescriptors: try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Response(headerFields: [.contentType: MediaType.json], body: .bytes(Array(try encoder.encode(counts))))
    }
}
