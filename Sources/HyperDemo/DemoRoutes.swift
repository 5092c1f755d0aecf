import Hyper

/// The demo's route table.
enum DemoRoutes {
    static func router() throws -> Router {
        var router = Router()
        try router.add("/", HomePage.self)
        try router.add("/about", AboutPage.self)
        try router.add("/users/{user_id}", UserPage.self)
        try router.add("/hello", HelloRoute.self)
        return router
    }
}
