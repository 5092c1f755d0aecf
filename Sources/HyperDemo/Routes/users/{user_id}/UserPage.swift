import Hyper

/// `/users/{user_id}`: loads a user and their posts before rendering.
struct UserPage: Page {
    let viewer: Viewer
    let user: User
    let posts: [Post]

    init(request: Request) async throws {
        viewer = Viewer(request)
        let userID = try request.parameter("user_id", as: Int.self)
        let store = try request.service(SampleStore.self)
        guard let user = await store.user(id: userID) else {
            throw HTTPError(.notFound, message: "There is no user \(userID).")
        }
        self.user = user
        posts = await store.posts(by: userID)
    }

    var body: HTML {
        Layout(title: user.name, viewer: viewer) {
            """
            <h1>\(user.name)</h1>
            <ul>
            \(posts.map { post -> HTML in "<li>\(post.title)</li>\n" })
            </ul>
            """
        }
    }
}
