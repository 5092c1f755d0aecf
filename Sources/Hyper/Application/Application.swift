import HTTPTypes
import HyperTransport
import Logging
import Synchronization

/// A Hyper app: a router and the settings to serve it over FastCGI or SCGI.
///
/// ```swift
/// var router = Router()
/// try router.add("/", HomePage.self)
/// let app = Application(router: router, logger: Logger(label: "app"))
/// try app.run(on: .unix(path: "/run/app.sock"))   // until SIGTERM, SIGINT or SIGQUIT
/// ```
public final class Application: Sendable {
    /// Limits and intervals of a running app.
    public struct Configuration: Sendable {
        /// Largest request body accepted; a larger one is answered with 413.
        public var maxBodySize: Int
        /// Silence after which a stream sends a heartbeat comment (keep it below nginx's
        /// `fastcgi_read_timeout`).
        public var heartbeatInterval: Duration
        /// How long requests in flight may take to finish after SIGTERM.
        public var shutdownGracePeriod: Duration
        /// Ordinary requests taking longer are logged as slow and counted on the status page;
        /// nil logs none. Streams are never slow.
        public var slowRequestThreshold: Duration?
        /// The path of the status page (see `Application.status`), such as `/_hyper/status`;
        /// nil serves none. Only local clients should reach it: restrict it in nginx.
        public var statusPath: String?
        /// The wire protocol (FastCGI or SCGI) and the request thread pool.
        public var server: TransportServer.Configuration
        /// The history in-memory hubs keep (`Hub(history:)`): an app passes it to the hubs it makes,
        /// so that `--max-hub-message-bytes` and `--max-history-bytes` apply; the app sweeps
        /// its budget's expired messages every second.
        public var hubHistory: HubHistory
        /// The sessions' lifetime, idle timeout and cookie, for the in-memory `Sessions` an
        /// application makes when it is given none.
        public var sessions: SessionConfiguration

        public init(
            maxBodySize: Int = 10 * 1024 * 1024, heartbeatInterval: Duration = .seconds(15),
            shutdownGracePeriod: Duration = .seconds(5), slowRequestThreshold: Duration? = nil,
            statusPath: String? = nil,
            server: TransportServer.Configuration = .init(), hubHistory: HubHistory = .default,
            sessions: SessionConfiguration = .init()
        ) {
            self.hubHistory = hubHistory
            self.sessions = sessions
            self.maxBodySize = maxBodySize
            self.heartbeatInterval = heartbeatInterval
            self.shutdownGracePeriod = shutdownGracePeriod
            self.slowRequestThreshold = slowRequestThreshold
            self.statusPath = statusPath
            self.server = server
        }
    }

    public let router: Router
    public let configuration: Configuration
    public let logger: Logger
    /// What the app's routes share, read through `Request.service(_:)`; `Sessions` among them.
    public let services: Services
    /// Who is signed in, and their streams: the `Sessions` registered in `services`, or one in
    /// memory with `Configuration.sessions`.
    public let sessions: Sessions
    /// Route tasks running now, each counted by itself (see `runningRouteTasks`).
    let runningTasks = Atomic<Int>(0)
    /// The streams being served: admitted within the server's `maxStreams`, counted and ended
    /// here alone.
    let streams = StreamRegistry()
    /// Ordinary requests slower than `Configuration.slowRequestThreshold` so far.
    let slowRequests = Atomic<Int>(0)
    /// When the application was created, for the status page's uptime.
    let started = ContinuousClock.now
    /// The server `run` serves with, for the status page.
    let runningServer = Mutex<TransportServer?>(nil)

    public init(
        router: Router, configuration: Configuration = .init(), services: Services = Services(), logger: Logger
    ) {
        self.router = router
        self.configuration = configuration
        var services = services
        if let sessions = services[Sessions.self] {
            self.sessions = sessions
        } else {
            sessions = Sessions(configuration: configuration.sessions, logger: logger)
            services.register(sessions)
        }
        self.services = services
        self.logger = logger
    }

    /// Route tasks currently running (streams included); 0 once every request has ended.
    public var runningRouteTasks: Int {
        runningTasks.load(ordering: .relaxed)
    }

    /// Answers `request` in process, without a transport: routing, the route, and error pages.
    /// The request's `path` must already be normalised.
    public func response(for request: Request) async -> Response {
        var request = request
        let match = route(&request)
        return await response(for: request, routedAs: match, notFound: { HTTPError(.notFound).response(for: $0) })
    }

    /// Finds the route for `request`; when there is one, gives the request the route's path
    /// parameters and the application's services.
    func route(_ request: inout Request) -> Router.Match {
        let match = router.match(method: request.method, path: request.path)
        if case .found(_, let parameters, _) = match {
            request.pathParameters = parameters
            request.services = services
        }
        return match
    }

    /// Runs the route `route(_:)` found for `request`: `notFound` answers an unknown path.
    func response(for request: Request, routedAs match: Router.Match, notFound: (Request) -> Response) async
        -> Response
    {
        switch match {
        case .notFound: notFound(request)
        case .methodNotAllowed(let allowed): methodNotAllowed(allowed, request: request)
        case .found(let handler, _, _): await response(for: request, from: handler)
        }
    }

    func response(for request: Request, from handler: RequestHandler) async -> Response {
        do {
            return try await handler(request)
        } catch {
            return response(for: request, failedWith: error)
        }
    }

    /// The answer to a route that threw: its own response for an `HTTPResponseError`, a 500
    /// that reveals nothing for any other error; a server error is logged. Not async, so that
    /// its work does not enlarge the frame every route call allocates.
    private func response(for request: Request, failedWith error: any Error) -> Response {
        if let refusal = error as? RequestRefusal {
            logger.log(
                level: refusal.logLevel, "Hyper: request refused",
                metadata: [
                    "method": "\(request.method)", "path": "\(request.path.escapingControlCharacters)",
                    "status": "\(refusal.status.code)", "cause": "\(refusal.cause)",
                ])
            return refusal.response(for: request)
        }
        if let error = error as? any HTTPResponseError {
            let response = error.response(for: request)
            if response.status.kind == .serverError {
                logger.error(
                    "Hyper: route failed",
                    metadata: ["method": "\(request.method)", "path": "\(request.path)", "error": "\(error)"])
            }
            return response
        }
        logger.error(
            "Hyper: route failed",
            metadata: [
                "method": "\(request.method)", "path": "\(request.path.escapingControlCharacters)",
                "error": "\(String(describing: error).escapingControlCharacters)",
            ])
        return HTTPError(.internalServerError).response(for: request)
    }

    func methodNotAllowed(_ allowed: [HTTPRequest.Method], request: Request) -> Response {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        return HTTPError(.methodNotAllowed, headerFields: [.allow: allow]).response(for: request)
    }
}
