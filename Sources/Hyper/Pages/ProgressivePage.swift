import HTTPTypes

/// A page written in pieces, each reaching the browser as soon as it is written: progressive
/// HTML, for large or slow pages.
///
/// The initializer runs first and may throw an `HTTPError`; then `stream(to:)` writes the page.
/// The response is `text/html` and nginx is told not to buffer it, so the browser shows the
/// header while later sections are still being produced.
///
/// ```swift
/// struct ReportPage: ProgressivePage {
///     let reportID: Int
///     init(request: Request) throws { reportID = try request.parameter("report_id") }
///
///     func stream(to page: ResponseBodyWriter) async throws {
///         try await page.write("<html><body><h1>Report \(reportID)</h1>" as HTML)
///         let summary = await Reports.summary(of: reportID)
///         try await page.write("<section id=\"summary\">\(summary)</section>" as HTML)
///         try await page.write("</body></html>" as HTML)
///     }
/// }
/// ```
public protocol ProgressivePage: Route, Sendable {
    /// Loads what the page needs before its first byte is written.
    init(request: Request) async throws

    /// Writes the page, piece by piece.
    func stream(to page: ResponseBodyWriter) async throws
}

extension ProgressivePage {
    public static var method: HTTPRequest.Method { .get }

    public static func respond(to request: Request) async throws -> Response {
        let page = try await Self(request: request)
        return Response(
            headerFields: [.contentType: MediaType.html], body: .stream(StreamingBody { try await page.stream(to: $0) })
        )
    }
}
