import ServiceLifecycle

/// Sweeps a `HistoryBudget` at an interval, so that messages too old for their history leave it
/// (and their memory returns to the system) even in topics nobody uses any more. An
/// `Application` runs one for its configuration's budget beside its server.
struct HistorySweeper: Service {
    let budget: HistoryBudget
    let interval: Duration

    /// Sweeps every `interval` until the task is cancelled or the service group shuts down.
    func run() async {
        await cancelWhenGracefulShutdown {
            // Sleeping fails only when the task is cancelled: the sweeper's end.
            while (try? await Task.sleep(for: interval)) != nil {
                budget.sweep()
            }
        }
    }
}
