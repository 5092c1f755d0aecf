/// A named part of a page: an element with an `id` that can be rendered on its own.
///
/// A page builds its fragments from its data, places them in `body` by interpolation, and
/// names them in `fragment(id:)` (see `FragmentPage`). The same fragment, rendered with fresh
/// data, is then an SSE payload, the answer to an htmx request that targets its id, or an
/// out-of-band swap:
///
/// ```swift
/// var status: Fragment {
///     Fragment(id: "status") { "Status: \(user.status)" }
/// }
/// var body: HTML { "<h1>\(user.name)</h1>\(status)" }   // <div id="status">Status: away</div>
///
/// try await events.send("status", status.html)
/// let swap = status.outOfBand().html                        // <div id="status" hx-swap-oob="true">…
/// ```
public struct Fragment: Sendable, Hashable {
    /// The element's id, which names the fragment.
    public let id: String
    /// The element's content.
    public let content: HTML
    private let tag: StaticString
    private let attributes: HTML
    private let outOfBandSwap: String?

    /// A fragment rendered as `<tag id="id" attributes>content</tag>`.
    ///
    /// - Parameters:
    ///   - tag: The element's name, `div` unless given.
    ///   - attributes: More attributes, such as `class="status"`.
    public init(id: String, tag: StaticString = "div", attributes: HTML = HTML(), content: () -> HTML) {
        self.init(id: id, tag: tag, attributes: attributes, content: content(), outOfBandSwap: nil)
    }

    private init(id: String, tag: StaticString, attributes: HTML, content: HTML, outOfBandSwap: String?) {
        self.id = id
        self.tag = tag
        self.attributes = attributes
        self.content = content
        self.outOfBandSwap = outOfBandSwap
    }

    /// The same fragment marked for an htmx out-of-band swap (`hx-swap-oob`): sent along with
    /// another answer, htmx swaps it into the element with its id wherever that is on the page.
    ///
    /// - Parameter swap: The attribute's value: `true` (replace the element), or a swap style
    ///   such as `innerHTML` or `beforeend`.
    public func outOfBand(_ swap: String = "true") -> Fragment {
        Fragment(id: id, tag: tag, attributes: attributes, content: content, outOfBandSwap: swap)
    }

    /// The element with its content.
    public var html: HTML {
        var rendered: HTML = "<\(unsafeRaw: tag.description) id=\"\(id)\""
        if !attributes.bytes.isEmpty { rendered = "\(rendered) \(attributes)" }
        if let outOfBandSwap { rendered = "\(rendered) hx-swap-oob=\"\(outOfBandSwap)\"" }
        return "\(rendered)>\(content)</\(unsafeRaw: tag.description)>"
    }

    public static func == (lhs: Fragment, rhs: Fragment) -> Bool {
        lhs.html == rhs.html
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(html)
    }
}

extension HTML.StringInterpolation {
    /// Inserts a fragment's element.
    public mutating func appendInterpolation(_ fragment: Fragment) {
        appendInterpolation(fragment.html)
    }
}

/// A page whose fragments can be rendered alone: an htmx request whose `HX-Target` names one of
/// them gets that fragment, rendered with fresh data, instead of the whole page.
///
/// ```swift
/// struct StatusPage: FragmentPage {
///     let user: User
///     init(request: Request) async throws { user = try await Users.find(request) }
///
///     var status: Fragment { Fragment(id: "status") { "Status: \(user.status)" } }
///     var body: HTML { Layout(title: user.name) { "<h1>\(user.name)</h1>\(status)" } }
///
///     func fragment(id: String) -> Fragment? {
///         id == status.id ? status : nil
///     }
/// }
/// ```
public protocol FragmentPage: Page {
    /// The fragment named `id`, rendered with this page's data; nil if the page has none.
    func fragment(id: String) -> Fragment?
}
