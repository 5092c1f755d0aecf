import Glibc
import Hyper
import HyperTransport
import Logging

/// `/hello` on the unix socket named by the first argument, until SIGTERM.
public enum HelloApp {
    public static func main() {
        let logger = Logger(label: "hello-app")
        do {
            var router = Router()
            try router.add("/hello", HelloRoute.self)
            let app = Application(router: router, logger: logger)
            try app.run(on: .unix(path: CommandLine.arguments[1]))
        } catch {
            logger.critical("\(error)")
            exit(1)
        }
    }
}

struct HelloRoute: Route {
    static let method = HTTPRequest.Method.get

    static func respond(to request: Request) -> Response {
        Response(html: "Hello, world!")
    }
}
