import Foundation
import Glibc
import Hyper
import Synchronization

/// A chat message of a typical size: what the demo's chat room publishes.
struct Message: Sendable {
    let user: String
    let text: String
    let timestamp: String

    static func sample(_ number: Int) -> Message {
        Message(
            user: "Ada Lovelace", text: "Message number \(number), long enough to look like a chat line.",
            timestamp: "2026-12-02T01:30:00Z")
    }
}

/// Runs each measurement and prints its figures, as text and as JSON into the file named by the
/// first argument. Timings are medians of interleaved rounds; ratios are to a baseline measured
/// in the same run.
@main
struct HubBenchmark {
    static func main() async throws {
        var results: [String: Any] = [:]
        results["memory"] = try await memory()  // first, before other measurements leave freed pages behind
        results["publish"] = await publishCost()
        results["resume"] = try await resume()
        var fanOuts: [[String: Any]] = []
        for (subscribers, messages) in [(500, 2_000), (5_000, 500)] {
            fanOuts.append(try await fanOut(subscribers: subscribers, messages: messages))
        }
        results["fan_out"] = fanOuts
        let json = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
        if CommandLine.arguments.count > 1 {
            try json.write(to: URL(fileURLWithPath: CommandLine.arguments[1]))
        }
    }

    /// ns per publish to a topic nobody subscribes to, with the default history and without any:
    /// 15 interleaved rounds of 20,000 publishes each, hubs in steady state (history full).
    static func publishCost() async -> [String: Any] {
        let withHistory = Hub<Int, Message>()
        let without = Hub<Int, Message>(history: HubHistory(maximumCount: 0))
        let messages = (0..<1_000).map(Message.sample)
        func round(_ hub: Hub<Int, Message>) async -> Double {
            let start = ContinuousClock.now
            for index in 0..<20_000 { _ = try? await hub.publish(messages[index % 1_000], to: 1) }
            return Double((ContinuousClock.now - start) / .nanoseconds(1)) / 20_000
        }
        _ = await round(withHistory)
        _ = await round(without)
        var a: [Double] = []
        var b: [Double] = []
        for _ in 0..<15 {
            a.append(await round(withHistory))
            b.append(await round(without))
        }
        let result: [String: Any] = [
            "ns_per_publish_with_history": median(a), "ns_per_publish_without_history": median(b),
            "ratio": median(a) / median(b),
        ]
        report(
            String(
                format: "publish: %.0f ns with history (1,000 / 10 min), %.0f ns without: %.3f ×", median(a), median(b),
                median(a) / median(b)))
        return result
    }

    /// A subscriber that missed 1,000 messages resumes: time until it has all 1,000 (15 rounds).
    static func resume() async throws -> [String: Any] {
        let hub = Hub<Int, Message>()
        var first = EventID.zero
        for number in 0..<1_000 {
            let id = try await hub.publish(.sample(number), to: 1)
            if number == 0 { first = id }
        }
        let before = EventID(rawValue: first.rawValue - 1)!
        var times: [Double] = []
        for _ in 0..<15 {
            let start = ContinuousClock.now
            var received = 0
            for await delivery in hub.subscribe(to: 1, from: .after(before)) {
                guard case .event = delivery else { fatalError("hub benchmark: a reset while resuming") }
                received += 1
                if received == 1_000 { break }
            }
            times.append(Double((ContinuousClock.now - start) / .microseconds(1)))
        }
        report(String(format: "resume: 1,000 missed messages delivered in %.0f µs (in process)", median(times)))
        return ["missed": 1_000, "microseconds": median(times)]
    }

    /// `subscribers` tasks read one topic while `messages` are published as fast as the hub takes
    /// them: deliveries per second, and each subscriber's sequence checked (every id in order, or
    /// a reset where history could not cover a gap).
    static func fanOut(subscribers: Int, messages: Int) async throws -> [String: Any] {
        let hub = Hub<Int, Message>()
        let ready = Counter()
        let done = Counter()
        let start = ContinuousClock.now
        let outcomes = try await withThrowingTaskGroup(of: Outcome?.self) { group in
            for _ in 0..<subscribers {
                group.addTask {
                    let subscription = hub.subscribe(to: 1)
                    ready.increment()
                    var outcome = Outcome()
                    var position = subscription.start
                    for await delivery in subscription {
                        switch delivery {
                        case .event(let event):
                            if event.id.rawValue != position.rawValue + 1 { outcome.ordered = false }
                            position = event.id
                            if event.message.user == "end" {
                                done.increment()
                                return outcome
                            }
                            outcome.events += 1
                        case .reset(let reset):
                            outcome.resets += 1
                            position = reset.resumeID
                        }
                    }
                    return outcome
                }
            }
            while ready.value < subscribers { await Task.yield() }
            for number in 0..<messages { try await hub.publish(.sample(number), to: 1) }
            // Repeated, so that a subscriber reset past the first one still sees one.
            group.addTask {
                while done.value < subscribers {
                    try await hub.publish(Message(user: "end", text: "", timestamp: ""), to: 1)
                    try await Task.sleep(for: .milliseconds(5))
                }
                return nil
            }
            var outcomes: [Outcome] = []
            for try await outcome in group { if let outcome { outcomes.append(outcome) } }
            return outcomes
        }
        let elapsed = Double((ContinuousClock.now - start) / .milliseconds(1)) / 1_000
        let delivered = outcomes.reduce(0) { $0 + $1.events }
        let complete = outcomes.filter { $0.events == messages && $0.resets == 0 }.count
        let reset = outcomes.filter { $0.resets > 0 }.count
        let ordered = outcomes.allSatisfy(\.ordered)
        report(
            String(
                format:
                    "fan-out: %d subscribers × %d messages: %.0f deliveries/s; %d got every message, %d a reset, no silent gap: %@",
                subscribers, messages, Double(delivered) / elapsed, complete, reset, ordered ? "yes" : "NO"))
        return [
            "subscribers": subscribers, "messages": messages, "deliveries_per_second": Double(delivered) / elapsed,
            "complete": complete, "reset": reset, "no_silent_gap": ordered,
        ]
    }

    /// What one fan-out subscriber received.
    struct Outcome: Sendable {
        var events = 0
        var resets = 0
        /// Every event followed the previous one or a reset's position.
        var ordered = true
    }

    /// Resident memory (from /proc/self/statm) held by a full history at the defaults, averaged
    /// over 50 topics' histories, and by each of 20,000 idle subscriptions.
    static func memory() async throws -> [String: Any] {
        let topics = 50
        let hub = Hub<Int, Message>()
        let before = residentBytes()
        for topic in 0..<topics {
            for number in 0..<1_000 { try await hub.publish(.sample(number), to: topic) }
        }
        let history = (residentBytes() - before) / topics
        let sample = Message.sample(500)
        let textBytes = sample.user.utf8.count + sample.text.utf8.count + sample.timestamp.utf8.count
        let beforeSubscribers = residentBytes()
        let subscriptions = (0..<20_000).map { index in hub.subscribe(to: index % topics) }
        let perSubscriber = Double(residentBytes() - beforeSubscribers) / Double(subscriptions.count)
        report(
            String(
                format:
                    "memory: one full history (1,000 messages of %d bytes of text) %.0f KiB; %.0f bytes a subscription",
                textBytes, Double(history) / 1024, perSubscriber))
        withExtendedLifetime(subscriptions) {}
        return [
            "history_bytes_1000_messages": history, "message_text_bytes": textBytes,
            "bytes_per_subscription": perSubscriber,
        ]
    }

    static func residentBytes() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let pages = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Prints `line` at once, even into a pipe.
    static func report(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}

/// Subscribers that have subscribed.
final class Counter: Sendable {
    private let count = Mutex<Int>(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
