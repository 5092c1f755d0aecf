import Hyper

/// Who is looking at a page, as its layout shows them: their name and a sign-out button, and
/// the session's CSRF token for the page's forms and htmx requests; or a sign-in link.
struct Viewer: Sendable {
    /// The signed-in user's id and name; nil for a visitor.
    let user: User?
    /// `<meta name="csrf-token">` for the head.
    let csrfMetaTag: HTML
    /// `hx-headers` for the body: every htmx request carries the token.
    let csrfHTMXHeaders: HTML
    /// The hidden `_csrf` field of a plain form.
    let csrfField: HTML

    init(_ request: Request) {
        user = request.session.flatMap { Int($0.userID) }.flatMap { SampleStore.users[$0] }
        csrfMetaTag = request.csrfMetaTag
        csrfHTMXHeaders = request.csrfHTMXHeaders
        csrfField = request.csrfField
    }

    /// The signed-in user's id, for routes that only they may use.
    static func userID(of request: Request) throws(HTTPError) -> Int {
        guard let text = request.session?.userID, let id = Int(text) else {
            throw HTTPError(.unauthorized, message: "Sign in first.")
        }
        return id
    }
}
