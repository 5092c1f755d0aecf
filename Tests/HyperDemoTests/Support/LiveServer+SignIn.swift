import HyperTesting

extension LiveServer {
    /// A client signed in to the demo through its form as sample user `userID` (the demo's
    /// password, `hyper`): its requests carry the session cookie and, when unsafe, the CSRF token.
    func signedIn(as userID: Int = 1) async throws -> LiveClient {
        try await LiveClient.signedIn(to: baseURL, as: userID)
    }
}

extension LiveClient {
    /// A client of the demo at `baseURL`, signed in as sample user `userID`.
    static func signedIn(to baseURL: String, as userID: Int = 1) async throws -> LiveClient {
        let client = LiveClient(baseURL: baseURL)
        try await client.signIn(form: ["user_id": String(userID), "password": "hyper"])
        return client
    }

    /// `-H` arguments for curl carrying the client's cookie and token: for a `CurlStream`.
    var curlArguments: [String] {
        headers.flatMap { ["-H", $0] }
    }
}
