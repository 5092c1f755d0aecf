/// Who may use a route: checked before the route's code runs and, for a stream, before its
/// header, so a refused client never gets an event-stream body (EventSource treats 401 and 403
/// as final and stops retrying).
///
/// ```swift
/// struct InboxPage: Page {
///     static let access = Access.signedIn.redirectingStrangers(to: "/login")
///     …
/// }
/// struct RoomStream: EventStream {
///     static let access = Access.signedIn { request, session in
///         try await request.service(Rooms.self).isMember(session.userID, of: try request.parameter("room_id"))
///     }
///     …
/// }
/// ```
///
/// Nobody signed in gets 401 (or, with `redirectingStrangers(to:)`, a GET gets a 303 to the
/// sign-in page); signed in but refused by the rule gets 403.
public struct Access: Sendable {
    /// The rule a signed-in request must pass.
    public typealias Rule = @Sendable (Request, Session) async throws -> Bool

    enum Requirement: Sendable {
        case anyone
        case signedIn(Rule?)
    }

    let requirement: Requirement
    /// Where a GET or HEAD from nobody signed in is sent instead of a 401.
    let signInPath: String?

    /// Anyone, signed in or not: the default.
    public static let anyone = Access(requirement: .anyone, signInPath: nil)

    /// Anyone signed in.
    public static let signedIn = Access(requirement: .signedIn(nil), signInPath: nil)

    /// Anyone signed in whom `rule` allows (a room's members).
    public static func signedIn(where rule: @escaping Rule) -> Access {
        Access(requirement: .signedIn(rule), signInPath: nil)
    }

    /// The same rule, but a GET or HEAD from nobody signed in is answered with a 303 to
    /// `signInPath` (a page's visitors see the sign-in form instead of an error).
    public func redirectingStrangers(to signInPath: String) -> Access {
        Access(requirement: requirement, signInPath: signInPath)
    }
}
