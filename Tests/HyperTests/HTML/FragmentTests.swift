import Testing

@testable import Hyper

@Suite("Fragments")
struct FragmentTests {
    struct StatusPage: FragmentPage {
        let status: String

        init(request: Request) {
            status = request.query["status"] ?? "online"
        }

        var statusFragment: Fragment {
            Fragment(id: "status", attributes: "class=\"badge\"") { "Status: \(status)" }
        }

        var body: HTML {
            "<h1>User</h1>\(statusFragment)"
        }

        func fragment(id: String) -> Fragment? {
            id == statusFragment.id ? statusFragment : nil
        }
    }

    @Test("a fragment renders as its element with its id, escaping its data")
    func rendering() {
        let fragment = Fragment(id: "a\"b") { "x & \("<y>")" }
        #expect(fragment.html.string == #"<div id="a&quot;b">x & &lt;y&gt;</div>"#)
        #expect(Fragment(id: "row", tag: "tr") { "<td>1</td>" }.html.string == #"<tr id="row"><td>1</td></tr>"#)
    }

    @Test("a fragment interpolates into a page")
    func inPage() {
        #expect(
            StatusPage(request: Request(method: .get, path: "/")).body.string
                == #"<h1>User</h1><div id="status" class="badge">Status: online</div>"#)
    }

    @Test("an out-of-band fragment carries hx-swap-oob")
    func outOfBand() {
        let fragment = Fragment(id: "count") { "3" }
        #expect(fragment.outOfBand().html.string == #"<div id="count" hx-swap-oob="true">3</div>"#)
        #expect(fragment.outOfBand("beforeend").html.string == #"<div id="count" hx-swap-oob="beforeend">3</div>"#)
    }

    @Test("an htmx request targeting a fragment gets the fragment alone")
    func htmxTarget() async throws {
        var request = Request(
            method: .get, path: "/",
            headerFields: [.hxRequest: "true", .hxTarget: "status"])
        request.query = QueryParameters([("status", "away")])
        let response = try await StatusPage.respond(to: request)
        #expect(
            String(decoding: response.bodyBytes, as: UTF8.self) == #"<div id="status" class="badge">Status: away</div>"#
        )
        #expect(response.headerFields[.vary] == "HX-Request, HX-Target")
    }

    @Test("an htmx request targeting another element, or a plain request, gets the page")
    func otherTargets() async throws {
        let page = #"<h1>User</h1><div id="status" class="badge">Status: online</div>"#
        let elsewhere = Request(
            method: .get, path: "/",
            headerFields: [.hxRequest: "true", .hxTarget: "main"])
        #expect(String(decoding: try await StatusPage.respond(to: elsewhere).bodyBytes, as: UTF8.self) == page)
        let notHTMX = Request(method: .get, path: "/", headerFields: [.hxTarget: "status"])
        #expect(String(decoding: try await StatusPage.respond(to: notHTMX).bodyBytes, as: UTF8.self) == page)
    }
}
