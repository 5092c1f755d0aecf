import Foundation
import Hyper

/// `/debug/request`: a few request headers as the route reads them, as JSON, for the tests of
/// headers a client sends more than once (combined with `, `, or `; ` for `Cookie`): the `Accept`
/// and `Last-Event-ID` values, where the stream would resume, and the names (never the values) of
/// the cookies.
struct DebugRequest: Route {
    static let method = HTTPRequest.Method.get

    private struct Echo: Encodable {
        let accept: String?
        let lastEventID: String?
        let resumePoint: String
        let cookieNames: [String]
    }

    static func respond(to request: Request) throws -> Response {
        let echo = Echo(
            accept: request.header(.accept), lastEventID: request.lastEventID,
            resumePoint: describe(request.resumePoint), cookieNames: request.cookies.keys.sorted())
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Response(headerFields: [.contentType: MediaType.json], body: .bytes(Array(try encoder.encode(echo))))
    }

    /// `live`, `after 7` or `invalid`.
    private static func describe(_ point: ResumePoint) -> String {
        switch point {
        case .live: "live"
        case .after(let id): "after \(id)"
        case .invalid: "invalid"
        }
    }
}
