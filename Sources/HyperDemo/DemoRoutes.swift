import Hyper

/// The demo's route table: every route under `Routes/`, found by `RouteTablePlugin`.
enum DemoRoutes {
    static func router() throws -> Router {
        var router = Router()
        try router.addFileRoutes()
        return router
    }
}
