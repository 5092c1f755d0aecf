import Foundation
import Hyper

/// `/download/csv`: the users as a CSV file, streamed row by row (a `StreamingBody` of any media
/// type).
struct CSVDownload: Route {
    static let method = HTTPRequest.Method.get

    static func respond(to request: Request) throws -> Response {
        .streaming(
            UserCSVLines(store: try request.service(SampleStore.self)), contentType: "text/csv; charset=utf-8",
            headerFields: [.contentDisposition: "attachment; filename=users.csv"])
    }
}

/// The CSV's lines: the header, then one row per user, read from the store when first needed.
private struct UserCSVLines: AsyncSequence, Sendable {
    typealias Element = String
    typealias Failure = Never

    let store: SampleStore

    func makeAsyncIterator() -> Iterator {
        Iterator(store: store)
    }

    struct Iterator: AsyncIteratorProtocol {
        let store: SampleStore
        private var remaining: [User]?

        init(store: SampleStore) {
            self.store = store
        }

        mutating func next() async -> String? {
            guard var users = remaining else {
                remaining = await store.allUsers()
                return "name,email,created_at\n"
            }
            guard !users.isEmpty else { return nil }
            let user = users.removeFirst()
            remaining = users
            return [user.name, user.email, user.createdAt].map(Self.field).joined(separator: ",") + "\n"
        }

        /// A CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, a quote
        /// or a line break.
        static func field(_ value: String) -> String {
            guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }
}
