import FoundationEssentials

/// Who is asking: the session a request's cookie names, read with `request.session`.
///
/// ```swift
/// guard let session = request.session else { throw HTTPError(.unauthorized) }
/// let inbox = try await inboxes.recent(20, in: session.userID)
/// ```
public final class Session: Sendable {
    /// The signed-in user, as the app named it at sign-in.
    public let userID: String
    /// The token the session's unsafe requests carry (`X-CSRF-Token` or the `_csrf` form field);
    /// pages put it in their layout with `request.csrfMetaTag` and `request.csrfField`.
    public let csrfToken: String
    /// When the session ends, however much it is used.
    public let expires: Date
    /// The SHA-256 of the session's cookie value: how stores, caches and revocations name it.
    let key: String

    init(_ record: SessionRecord) {
        userID = record.userID
        csrfToken = record.csrfToken
        expires = record.expires
        key = record.key
    }
}
