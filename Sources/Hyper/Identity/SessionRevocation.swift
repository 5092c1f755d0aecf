/// Why streams must end, as every instance hears it through the sessions' revocation hub.
package enum SessionRevocation: Codable, Sendable, Equatable {
    /// One session ended (sign-out, or its expiry): its streams end, its cache entries go.
    case session(key: String, reason: String)
    /// Every session of a user ended (a password change): `keys` are theirs.
    case user(userID: String, keys: [String], reason: String)
    /// The user lost the right to read what is under `pathPrefix` (removed from a room): their
    /// streams there end; their sessions stay.
    case streams(userID: String, pathPrefix: String, reason: String)

    package var reason: String {
        switch self {
        case .session(_, let reason), .user(_, _, let reason), .streams(_, _, let reason): reason
        }
    }
}
