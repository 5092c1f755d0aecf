import Hyper

/// `/`: links to every example.
struct HomePage: Page {
    let users: [User]

    init(request: Request) async {
        users = await SampleStore.shared.allUsers()
    }

    var body: HTML {
        Layout(title: "Home") {
            """
            <h1>Hyper for Swift</h1>
            <ul>
            <li><a href="/about">About (a synchronous page)</a></li>
            \(users.map { user -> HTML in "<li><a href=\"/users/\(user.id)\">User \(user.id): \(user.name)</a></li>\n" })
            </ul>
            """
        }
    }
}
