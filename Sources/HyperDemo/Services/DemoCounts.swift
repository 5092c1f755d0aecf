import Hyper
import Synchronization

/// What the demo's counts and dashboard show of their own app: its running route tasks and the
/// live subscriptions of its hubs. One per application, made before it and attached to it once
/// it exists (weakly: the application holds this service).
final class DemoCounts: Sendable {
    private let notifications: NotificationService
    private let chat: ChatService
    private let statuses: StatusService
    private let application = Mutex<WeakApplication>(WeakApplication(nil))

    init(notifications: NotificationService, chat: ChatService, statuses: StatusService) {
        self.notifications = notifications
        self.chat = chat
        self.statuses = statuses
    }

    /// Gives the counts the application whose route tasks they count.
    func attach(_ app: Application) {
        application.withLock { $0 = WeakApplication(app) }
    }

    /// Route tasks running in the app, this request's included; 0 before `attach(_:)`.
    var runningRouteTasks: Int {
        application.withLock { $0.application?.runningRouteTasks } ?? 0
    }

    /// Live subscriptions over every hub of the demo.
    var hubSubscriptions: Int {
        notifications.hub.subscriptionCount + chat.hub.subscriptionCount + statuses.hub.subscriptionCount
    }

    /// The application, without keeping it alive.
    private struct WeakApplication: Sendable {
        weak let application: Application?

        init(_ application: Application?) {
            self.application = application
        }
    }
}
