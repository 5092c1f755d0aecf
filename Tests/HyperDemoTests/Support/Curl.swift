import Foundation

/// Runs the real `curl` and parses what it received.
struct Curl {
    /// One HTTP response as curl saw it.
    struct Response {
        var status: Int
        /// Header lines, names lowercased, in order.
        var headers: [(name: String, value: String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.name == name.lowercased() }?.value
        }
    }

    /// Runs curl with `arguments`; returns its standard output as `body` (status 0, no headers).
    static func run(_ arguments: [String], timeout: Duration = .seconds(20)) async throws -> Response {
        // Waiting for curl blocks a thread for as long as it runs: never one of the cooperative
        // pool's two, which every other suite of this process needs meanwhile.
        try await DedicatedThread.run {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            process.arguments = ["--max-time", String(timeout.components.seconds)] + arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Response(status: 0, headers: [], body: String(decoding: data, as: UTF8.self))
        }
    }

    /// Sends one request and returns the final response with its headers (`curl -i`).
    static func request(
        _ url: String, method: String = "GET", headers: [String] = [], body: String? = nil, extra: [String] = []
    )
        async throws -> Response
    {
        var arguments = ["-s", "-i", "-X", method, url]
        if method == "HEAD" { arguments = ["-s", "-I", url] }
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["--data-binary", body] }
        let raw = try await run(arguments + extra).body
        return parse(raw)
    }

    /// Splits `HTTP/1.1 200 OK\r\nName: value\r\n\r\nbody`.
    static func parse(_ raw: String) -> Response {
        guard let end = raw.range(of: "\r\n\r\n") else { return Response(status: 0, headers: [], body: raw) }
        let lines = raw[..<end.lowerBound].components(separatedBy: "\r\n")
        let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Response(status: status, headers: headers, body: String(raw[end.upperBound...]))
    }
}

extension DemoServer {
    /// `GET path` through nginx.
    func get(_ path: String, headers: [String] = []) async throws -> Curl.Response {
        try await Curl.request(baseURL + path, headers: headers)
    }
}
