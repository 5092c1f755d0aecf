import Hyper

/// `/login`: the sign-in form (a sample user and the demo's password, `hyper`).
struct LoginPage: Page {
    let viewer: Viewer
    let failed: Bool

    init(request: Request) {
        self.init(viewer: Viewer(request), failed: false)
    }

    init(viewer: Viewer, failed: Bool) {
        self.viewer = viewer
        self.failed = failed
    }

    var body: HTML {
        Layout(title: "Sign in", viewer: viewer) {
            """
            <h1>Sign in</h1>
            \(failed ? "<p id=\"sign-in-failed\" role=\"alert\">That user and password do not match.</p>" : "")
            <form method="post" action="/login">
            <label>User <select name="user_id">
            \(SampleStore.users.keys.sorted().map { id -> HTML in "<option value=\"\(id)\">\(id): \(SampleStore.users[id]?.name ?? "")</option>\n" })
            </select></label>
            <label>Password <input type="password" name="password" required></label>
            <button>Sign in</button>
            </form>
            <p>Every sample user's password is <code>hyper</code> (in this demo only).</p>
            """
        }
    }
}
