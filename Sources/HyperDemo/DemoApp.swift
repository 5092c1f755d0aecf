import Hyper
import HyperPostgres

/// The demo's application, made fresh with its own state: a test makes as many as it likes, and
/// none shares anything with another.
enum DemoApp {
    /// The application over hubs in `postgres` (which it then runs beside its server, and stops
    /// after it), or in memory keeping the configuration's history (`Configuration.hubHistory`:
    /// message size and byte budget from the flags).
    static func make(
        configuration: Application.Configuration = .init(), postgres: PostgresHubStore? = nil, logger: Logger
    ) throws -> Application {
        let notifications: NotificationService
        let chat: ChatService
        let statuses: StatusService
        if let postgres {
            notifications = NotificationService(
                hub: Hub(backend: postgres.backend(named: "notifications"), logger: logger))
            chat = ChatService(hub: Hub(backend: postgres.backend(named: "chat"), logger: logger))
            statuses = StatusService(hub: Hub(backend: postgres.backend(named: "status"), logger: logger))
        } else {
            let history = configuration.hubHistory
            notifications = NotificationService(hub: Hub(history: history, logger: logger))
            chat = ChatService(hub: Hub(history: history, logger: logger))
            statuses = StatusService(hub: Hub(history: history, logger: logger))
        }
        let counts = DemoCounts(notifications: notifications, chat: chat, statuses: statuses)
        var services = Services()
        services.register(SampleStore())
        services.register(notifications)
        services.register(chat)
        services.register(statuses)
        services.register(counts)
        if let postgres {
            services.runBesideServer(postgres)
            services.register(postgres.sessions(configuration: configuration.sessions))
        }
        let app = Application(
            router: try DemoRoutes.router(), configuration: configuration, services: services, logger: logger)
        counts.attach(app)
        return app
    }
}
