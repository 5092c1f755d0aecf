import Foundation

/// Figures of this machine read from `/proc`, for the live dashboard.
struct SystemMetrics: Sendable {
    /// CPU busy time over the last interval, in percent of all cores.
    let cpu: Int
    /// Memory in use (total minus available), in percent.
    let memory: Int
    /// Load average over the last minute.
    let loadAverage: String
    /// Seconds since the machine booted.
    let uptime: Int

    /// CPU time counters from `/proc/stat`: busy and total jiffies of all cores.
    struct CPUTimes: Sendable {
        let busy: UInt64
        let total: UInt64

        static func read() -> CPUTimes {
            let line = SystemMetrics.contents(of: "/proc/stat").split(separator: "\n").first ?? ""
            let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
            let total = fields.reduce(0, +)
            let idle = fields.count > 4 ? fields[3] + fields[4] : total  // idle + iowait
            return CPUTimes(busy: total - idle, total: total)
        }
    }

    /// The figures now, CPU measured since `previous`.
    static func read(since previous: CPUTimes, now current: CPUTimes) -> SystemMetrics {
        let total = current.total - previous.total
        let cpu = total == 0 ? 0 : Int((current.busy - previous.busy) * 100 / total)
        var memory: [String: UInt64] = [:]
        for line in contents(of: "/proc/meminfo").split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let value = UInt64(parts[1]) { memory[String(parts[0].dropLast())] = value }
        }
        let memTotal = memory["MemTotal"] ?? 0
        let used = memTotal - min(memTotal, memory["MemAvailable"] ?? memTotal)
        let load = contents(of: "/proc/loadavg").split(separator: " ").first.map(String.init) ?? "?"
        let uptime = contents(of: "/proc/uptime").split(separator: " ").first.flatMap { Double($0) } ?? 0
        return SystemMetrics(
            cpu: cpu, memory: memTotal == 0 ? 0 : Int(used * 100 / memTotal), loadAverage: load, uptime: Int(uptime))
    }

    fileprivate static func contents(of path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
