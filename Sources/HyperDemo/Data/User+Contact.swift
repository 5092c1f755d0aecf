/// The columns of the demo's CSV download that the user pages do not show.
extension User {
    /// The user's address, made from their id.
    var email: String { "user\(id)@example.com" }

    /// When the user joined, one day apart in id order.
    var createdAt: String { "2026-01-\(id < 10 ? "0" : "")\(id)T09:00:00Z" }
}
