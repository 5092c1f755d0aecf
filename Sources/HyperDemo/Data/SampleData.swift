/// The company shown on the about page.
struct Company: Sendable {
    let name: String
    let founded: Int

    static let current = Company(name: "Hyper & Sons <Swift>", founded: 2026)
}

/// A user of the demo.
struct User: Sendable {
    let id: Int
    let name: String
}

/// A post written by a user.
struct Post: Sendable {
    let id: Int
    let userID: Int
    let title: String
}

/// In-memory users and posts, read asynchronously as a database would be.
actor SampleStore {
    /// The demo's users, who can sign in (`/login`).
    static let users: [Int: User] = [
        1: User(id: 1, name: "Ada Lovelace"),
        2: User(id: 2, name: "Grace Hopper"),
        3: User(id: 3, name: "<script>alert('x')</script>"),
    ]

    private let posts: [Post] = [
        Post(id: 1, userID: 1, title: "Notes on the Analytical Engine"),
        Post(id: 2, userID: 1, title: "On Bernoulli numbers"),
        Post(id: 3, userID: 2, title: "Compilers & \"bugs\""),
        Post(id: 4, userID: 3, title: "<img src=x onerror=alert(1)>"),
    ]

    func user(id: Int) -> User? {
        Self.users[id]
    }

    func posts(by userID: Int) -> [Post] {
        posts.filter { $0.userID == userID }
    }

    func allUsers() -> [User] {
        Self.users.values.sorted { $0.id < $1.id }
    }
}
