import Testing

@testable import Hyper

@Suite("ServerStatus")
struct ServerStatusTests {
    private let status = ServerStatus(
        startTime: 1_795_592_373, uptimeSeconds: 12.5, acceptedRequests: 42, activeRequests: 3, slowRequests: 1,
        threads: .init(total: 6, busy: 3, idle: 3, max: 64),
        openStreams: [
            .init(route: "/ticker", path: "/ticker", ageSeconds: 2.25, events: 9, bytesSent: 126),
            .init(route: "/ticker", path: "/ticker", ageSeconds: 0.5, events: 1, bytesSent: 14),
            .init(route: "/a\"b\\c", path: "/a\"b\\c", ageSeconds: 1, events: 0, bytesSent: 0),
        ])

    @Test("JSON has snake_case keys in a stable order and unescaped slashes")
    func json() {
        let expected = """
            {
              "accepted_requests" : 42,
              "active_requests" : 3,
              "open_streams" : [
                {
                  "age_seconds" : 2.25,
                  "bytes_sent" : 126,
                  "events" : 9,
                  "path" : "/ticker",
                  "route" : "/ticker"
                },
                {
                  "age_seconds" : 0.5,
                  "bytes_sent" : 14,
                  "events" : 1,
                  "path" : "/ticker",
                  "route" : "/ticker"
                },
                {
                  "age_seconds" : 1,
                  "bytes_sent" : 0,
                  "events" : 0,
                  "path" : "/a\\"b\\\\c",
                  "route" : "/a\\"b\\\\c"
                }
              ],
              "slow_requests" : 1,
              "start_time" : 1795592373,
              "threads" : {
                "busy" : 3,
                "idle" : 3,
                "max" : 64,
                "total" : 6
              },
              "uptime_seconds" : 12.5
            }

            """
        #expect(String(decoding: status.json, as: UTF8.self) == expected)
    }

    @Test("Prometheus text aggregates streams by route and escapes label values")
    func prometheus() {
        let expected = """
            # HELP hyper_start_time_seconds When the application started, in seconds since 1970.
            # TYPE hyper_start_time_seconds gauge
            hyper_start_time_seconds 1795592373
            # HELP hyper_uptime_seconds Seconds since the application started.
            # TYPE hyper_uptime_seconds gauge
            hyper_uptime_seconds 12.5
            # HELP hyper_requests_accepted_total Requests accepted since start.
            # TYPE hyper_requests_accepted_total counter
            hyper_requests_accepted_total 42
            # HELP hyper_requests_active Requests being served, open streams included.
            # TYPE hyper_requests_active gauge
            hyper_requests_active 3
            # HELP hyper_requests_slow_total Ordinary requests slower than the slow-request threshold.
            # TYPE hyper_requests_slow_total counter
            hyper_requests_slow_total 1
            # HELP hyper_threads Request threads by state.
            # TYPE hyper_threads gauge
            hyper_threads{state="busy"} 3
            hyper_threads{state="idle"} 3
            # HELP hyper_threads_max The most request threads allowed.
            # TYPE hyper_threads_max gauge
            hyper_threads_max 64
            # HELP hyper_streams_open Open streams by route.
            # TYPE hyper_streams_open gauge
            hyper_streams_open{route="/a\\"b\\\\c"} 1
            hyper_streams_open{route="/ticker"} 2
            # HELP hyper_streams_oldest_age_seconds Age of the oldest open stream by route.
            # TYPE hyper_streams_oldest_age_seconds gauge
            hyper_streams_oldest_age_seconds{route="/a\\"b\\\\c"} 1.0
            hyper_streams_oldest_age_seconds{route="/ticker"} 2.25
            # HELP hyper_streams_events Events sent so far by the open streams, by route.
            # TYPE hyper_streams_events gauge
            hyper_streams_events{route="/a\\"b\\\\c"} 0
            hyper_streams_events{route="/ticker"} 10
            # HELP hyper_streams_sent_bytes Body bytes sent so far by the open streams, by route.
            # TYPE hyper_streams_sent_bytes gauge
            hyper_streams_sent_bytes{route="/a\\"b\\\\c"} 0
            hyper_streams_sent_bytes{route="/ticker"} 140

            """
        #expect(status.prometheusText == expected)
    }
}
