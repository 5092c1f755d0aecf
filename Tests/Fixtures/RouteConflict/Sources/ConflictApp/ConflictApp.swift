import Hyper

/// Registers the routes of `Routes/`, which the route table refuses: two pages answer GET /about.
@main
enum ConflictApp {
    static func main() throws {
        var router = Router()
        try router.addFileRoutes()
    }
}
