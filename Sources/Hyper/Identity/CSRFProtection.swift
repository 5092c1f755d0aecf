/// Whether a route's unsafe requests (POST, PUT, PATCH, DELETE) must prove they come from the
/// app's own pages: the session's token (`X-CSRF-Token` or a `_csrf` form field), and no
/// `Sec-Fetch-Site: cross-site` or foreign `Origin`.
public enum CSRFProtection: Sendable {
    /// Checked: the default.
    case required
    /// Not checked: for a route that other sites call by design and that authenticates them
    /// itself, such as a webhook whose sender signs its body.
    case exempt
}
