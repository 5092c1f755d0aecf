import Glibc

/// The process's limit on open descriptors. Every handed-off stream holds one (its connection)
/// and every request thread two (its connection and its wake-up descriptor), so the default soft
/// limit of 1024 would cap a server at a few hundred streams.
public enum DescriptorLimit {
    /// Raises the soft limit to the hard limit, as a server holding thousands of connections
    /// needs; returns the limit now in force.
    @discardableResult
    public static func raiseToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return -1 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// How the descriptors in `limit` are shared beside the `alreadyOpen` ones and a reserve
    /// for the runtime (libdispatch traps when it cannot open a descriptor), logs and the app's
    /// files: request threads (two each: a connection and a wake-up descriptor) get a quarter,
    /// and at least half up to 64 threads, since every connection nginx keeps open holds one;
    /// handed-off streams (one each) get the rest. A crowd of streams therefore never takes the
    /// descriptors that ordinary requests need.
    public static func budget(within limit: Int, alreadyOpen: Int = openCount()) -> (threads: Int, streams: Int) {
        let available = limit - alreadyOpen
        let reserve = min(available / 2, max(32, limit / 32))
        let shared = max(0, available - reserve)
        let threads = max(shared / 8, min(64, shared / 4))
        return (threads: max(1, threads), streams: max(1, shared - 2 * threads))
    }

    /// How many descriptors the process has open now (inherited ones included).
    public static func openCount() -> Int {
        guard let folder = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(folder) }
        var count = -1  // the folder's own descriptor
        while let entry = readdir(folder) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return max(0, count)
    }
}
