/*
 * The stream benchmarks' client (Benchmarks/streams.py drives it). It opens N Server-Sent Event
 * streams to nginx on 127.0.0.1:PORT at a bounded rate, with HTTP/1.0 so the body is not
 * chunked, reads them all on one thread with epoll and stamps each event's arrival with
 * CLOCK_REALTIME, the clock of the timestamps the server and the publisher embed. It replaces an
 * asyncio client that, CPU bound at 10,000 streams, measured its own delay instead of the server's.
 *
 *   hold    PATH is /sse?every_ms=I: event K is `data: tick K`, sent at the stream's start + K·I.
 *           Once every stream is open it holds them --seconds and reports the ticks received
 *           against the ticks due and each tick's lateness against its stream's schedule. The
 *           start is estimated as the earliest arrival − K·I over ticks K >= 1; ticks due before
 *           the end − 0.5 s count; tick 0 leaves as the stream opens, while the others are still
 *           being opened, so it counts as delivered but not for lateness.
 *   fanout  PATH is /notifications/stream (the signed-in user's, so with --cookie): each
 *           `notification` event carries its send time as <strong>TIMESTAMP</strong>; it reports
 *           send → arrival delays.
 *
 * --cookie C (or, without it, the environment's SSE_CLIENT_COOKIE) sends `Cookie: C` with every
 * request: a session's cookie, for streams that are only the signed-in's (the demo's chat and
 * notifications). Without either, no Cookie header is sent.
 *
 * --port and --cookie may be repeated (up to 8 times; one cookie, or as many as ports): streams are
 * then spread over the ports in turn, stream K to the (K mod n)th port with its cookie. For
 * instances that each know only their own sessions, each behind its own nginx.
 *
 * It talks to the driver in lines:
 *   stdout  ready          every stream is open or has failed
 *   stdin   published P    (fanout) P publishes were made: wait --wait s for established × P events
 *   stdout  end            measuring is over and the streams are still open, so the driver can
 *                          sample the server now; the client closes them when its stdin closes
 *                          (at most 10 s later)
 *   stdout  {...}          the figures, as one JSON object
 * Everything is bounded: --connect-timeout per stream (connect, status line, headers) and
 * --limit for the whole run; it closes every socket and exits by itself.
 *
 * Usage: sse-client hold|fanout --port P --path PATH --streams N [--rate PER_S]
 *        [--connect-timeout S] [--limit S] [--seconds S --interval-ms I] [--wait S] [--cookie C]
 *        (--port P --cookie C repeated: streams spread over the ports)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { CONNECTING, STATUS, HEADERS, EVENTS, CLOSED };

struct stream {
    int fd;
    enum state state;
    double opened;        /* monotonic, for the handshake timeout */
    long tick;            /* hold: the current event's tick, or -1 */
    double sent;          /* fanout: the current notification's send time, or -1 */
    bool notification;    /* the current event is named `notification` */
    unsigned used;
    char buffer[2048];    /* an unfinished line; longer lines fail the stream */
};

struct tick { uint32_t stream, tick; double arrival; };

enum { MAX_PORTS = 8 };

static struct {
    bool fanout;
    int ports[MAX_PORTS];
    unsigned port_count;
    const char *path;
    const char *cookies[MAX_PORTS];  /* the Cookie header's value for each port, or NULL for none */
    unsigned cookie_count;
    unsigned streams;
    double rate, connect_timeout, limit, seconds, interval, wait;
} options = {.rate = 2000, .connect_timeout = 30, .limit = 600, .seconds = 20, .interval = 1, .wait = 30};

static struct stream *streams;
static int epoll;
static unsigned opened, pending, established, failed;
static double opening_started, run_ends;
static bool measuring = true, stdin_open = true;
static long published = -1;
static struct tick *ticks;        /* hold: every tick received, in arrival order */
static double *delays;            /* fanout: every notification's delay, ms */
static size_t received, capacity;
static const uint32_t STDIN_KEY = UINT32_MAX;

static void die(const char *what) {
    perror(what);
    exit(2);
}

static double now(clockid_t clock) {
    struct timespec time;
    clock_gettime(clock, &time);
    return time.tv_sec + time.tv_nsec / 1e9;
}

static void close_stream(struct stream *stream) {
    if (stream->state == CLOSED)
        return;
    if (stream->state != EVENTS) {
        failed++;
        pending--;
    }
    close(stream->fd);
    stream->state = CLOSED;
}

static void open_stream(struct stream *stream) {
    unsigned target = (unsigned)(stream - streams) % options.port_count;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(options.ports[target]),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    stream->state = CONNECTING;
    stream->opened = now(CLOCK_MONOTONIC);
    stream->tick = -1;
    stream->sent = -1;
    pending++;
    stream->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (stream->fd < 0) {
        stream->state = CLOSED;
        failed++;
        pending--;
        return;
    }
    struct epoll_event event = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)(stream - streams)};
    if ((connect(stream->fd, (struct sockaddr *)&address, sizeof address) < 0 && errno != EINPROGRESS)
        || epoll_ctl(epoll, EPOLL_CTL_ADD, stream->fd, &event) < 0)
        close_stream(stream);
}

/* Connected: sends the request (small enough for an empty socket buffer) and waits for the answer. */
static void send_request(struct stream *stream) {
    int error = 0;
    socklen_t length = sizeof error;
    const char *cookie = options.cookies[(unsigned)(stream - streams) % options.port_count];
    char request[1024];
    int size = snprintf(request, sizeof request,
                        "GET %s HTTP/1.0\r\nHost: bench\r\nAccept: text/event-stream\r\n%s%s%s\r\n", options.path,
                        cookie ? "Cookie: " : "", cookie ? cookie : "", cookie ? "\r\n" : "");
    struct epoll_event event = {.events = EPOLLIN, .data.u32 = (uint32_t)(stream - streams)};
    if (getsockopt(stream->fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0 || error
        || send(stream->fd, request, size, MSG_NOSIGNAL) != size
        || epoll_ctl(epoll, EPOLL_CTL_MOD, stream->fd, &event) < 0) {
        close_stream(stream);
        return;
    }
    stream->state = STATUS;
}

/* Room for one more record in `array`: the ticks or the delays, whichever the mode keeps. */
static void *grow(void *array, size_t element) {
    if (received < capacity)
        return array;
    capacity = capacity ? 2 * capacity : 65536;
    if (!(array = realloc(array, capacity * element)))
        die("sse-client: realloc");
    return array;
}

static void event_ended(struct stream *stream, double arrival) {
    if (measuring && !options.fanout && stream->tick >= 0) {
        ticks = grow(ticks, sizeof *ticks);
        ticks[received++] = (struct tick){(uint32_t)(stream - streams), (uint32_t)stream->tick, arrival};
    } else if (measuring && options.fanout && stream->notification && stream->sent >= 0) {
        delays = grow(delays, sizeof *delays);
        delays[received++] = (arrival - stream->sent) * 1000;
    }
    stream->tick = -1;
    stream->sent = -1;
    stream->notification = false;
}

/* One line without its line end, NUL-terminated. */
static void line(struct stream *stream, char *text, size_t length, double arrival) {
    switch (stream->state) {
    case STATUS:
        if (!strstr(text, " 200 "))
            close_stream(stream);
        else
            stream->state = HEADERS;
        break;
    case HEADERS:
        if (length == 0) {
            stream->state = EVENTS;
            established++;
            pending--;
        }
        break;
    case EVENTS:
        if (length == 0)
            event_ended(stream, arrival);
        else if (!strncmp(text, "event: ", 7))
            stream->notification = !strcmp(text + 7, "notification");
        else if (!strncmp(text, "data: tick ", 11))
            stream->tick = strtol(text + 11, NULL, 10);
        else if (!strncmp(text, "data: ", 6)) {
            char *strong = strstr(text, "<strong>");
            if (strong)
                stream->sent = strtod(strong + 8, NULL);
        }  /* comments (`:`) and other fields are ignored */
        break;
    default:
        break;
    }
}

static void readable(struct stream *stream) {
    ssize_t size = recv(stream->fd, stream->buffer + stream->used, sizeof stream->buffer - stream->used, 0);
    if (size < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (size <= 0) {
        close_stream(stream);
        return;
    }
    double arrival = now(CLOCK_REALTIME);
    stream->used += size;
    char *start = stream->buffer, *end = stream->buffer + stream->used, *newline;
    while (stream->state != CLOSED && (newline = memchr(start, '\n', end - start))) {
        size_t length = newline - start;
        if (length && start[length - 1] == '\r')
            length--;
        start[length] = '\0';
        line(stream, start, length, arrival);
        start = newline + 1;
    }
    if (stream->state == CLOSED)
        return;
    stream->used = end - start;
    memmove(stream->buffer, start, stream->used);
    if (stream->used == sizeof stream->buffer)
        close_stream(stream);  /* a line longer than the buffer */
}

static void read_stdin(void) {
    static char buffer[256];
    static size_t used;
    ssize_t size = read(STDIN_FILENO, buffer + used, sizeof buffer - 1 - used);
    if (size <= 0) {
        if (size < 0 && errno == EINTR)
            return;
        stdin_open = false;
        epoll_ctl(epoll, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
        return;
    }
    used += size;
    buffer[used] = '\0';
    char *newline;
    while ((newline = strchr(buffer, '\n'))) {
        *newline = '\0';
        sscanf(buffer, "published %ld", &published);
        used -= newline + 1 - buffer;
        memmove(buffer, newline + 1, used + 1);
    }
    if (used == sizeof buffer - 1)
        used = 0;
}

static bool all_opened(void) { return opened == options.streams && pending == 0; }
static bool told_published(void) { return published >= 0 || !stdin_open; }
static bool all_received(void) { return received >= (size_t)published * established; }
static bool stdin_closed(void) { return !stdin_open; }

/* Serves the sockets (and opens the streams still due) until `until`, the run's limit or `done`. */
static void run_until(double until, bool (*done)(void)) {
    struct epoll_event events[1024];
    double next_expiry = 0;
    if (until > run_ends)
        until = run_ends;
    for (;;) {
        double time = now(CLOCK_MONOTONIC);
        while (opened < options.streams && time >= opening_started + opened / options.rate)
            open_stream(&streams[opened++]);
        if (pending && time >= next_expiry) {  /* handshakes past their timeout, ten times a second */
            next_expiry = time + 0.1;
            for (unsigned index = 0; pending && index < opened; index++)
                if (streams[index].state != EVENTS && streams[index].state != CLOSED
                    && time - streams[index].opened > options.connect_timeout)
                    close_stream(&streams[index]);
        }
        if (time >= until || (done && done()))
            return;
        double wake = until;
        if (opened < options.streams)
            wake = fmin(wake, opening_started + opened / options.rate);
        if (pending)
            wake = fmin(wake, next_expiry);
        int count = epoll_wait(epoll, events, 1024, (int)ceil((wake - time) * 1000));
        if (count < 0 && errno != EINTR)
            die("sse-client: epoll_wait");
        for (int index = 0; index < count; index++) {
            uint32_t key = events[index].data.u32;
            if (key == STDIN_KEY)
                read_stdin();
            else if (streams[key].state == CONNECTING)
                send_request(&streams[key]);
            else if (streams[key].state != CLOSED)
                readable(&streams[key]);
        }
    }
}

static int compare(const void *left, const void *right) {
    double a = *(const double *)left, b = *(const double *)right;
    return (a > b) - (a < b);
}

/* The value at `fraction` of the sorted values, as streams.py's percentile; JSON null if none. */
static void print_percentile(const char *key, const double *sorted, size_t count, double fraction) {
    size_t index = (size_t)(fraction * count);
    if (count == 0)
        printf(", \"%s\": null", key);
    else
        printf(", \"%s\": %.3f", key, sorted[index < count ? index : count - 1]);
}

static void report_hold(double deadline) {
    double *start = malloc(options.streams * sizeof *start), *lateness = malloc((received + 1) * sizeof *lateness);
    bool *tick_zero = calloc(options.streams, sizeof *tick_zero);
    if (!start || !lateness || !tick_zero)
        die("sse-client: malloc");
    for (unsigned index = 0; index < options.streams; index++)
        start[index] = INFINITY;
    for (size_t index = 0; index < received; index++) {
        struct tick tick = ticks[index];
        if (tick.tick == 0)
            tick_zero[tick.stream] = true;
        else
            start[tick.stream] = fmin(start[tick.stream], tick.arrival - tick.tick * options.interval);
    }
    long long due = 0, delivered = 0;
    size_t late = 0;
    for (unsigned index = 0; index < options.streams; index++)
        if (start[index] != INFINITY) {
            due += (long long)floor((deadline - start[index]) / options.interval) + 1;
            delivered += tick_zero[index];
        }
    for (size_t index = 0; index < received; index++) {
        struct tick tick = ticks[index];
        double due_at = start[tick.stream] + tick.tick * options.interval;
        if (tick.tick >= 1 && due_at <= deadline) {
            delivered++;
            lateness[late++] = (tick.arrival - due_at) * 1000;
        }
    }
    qsort(lateness, late, sizeof *lateness, compare);
    printf("{\"streams\": %u, \"established\": %u, \"failed\": %u, \"seconds\": %g, "
           "\"ticks_received\": %lld, \"ticks_due\": %lld",
           options.streams, established, failed, options.seconds, delivered, due);
    print_percentile("lateness_p50_ms", lateness, late, 0.50);
    print_percentile("lateness_p99_ms", lateness, late, 0.99);
    printf("}\n");
    free(start);
    free(lateness);
    free(tick_zero);
}

static void report_fanout(void) {
    qsort(delays, received, sizeof *delays, compare);
    printf("{\"subscribers\": %u, \"established\": %u, \"failed\": %u, \"received\": %zu, \"expected\": %ld",
           options.streams, established, failed, received, published * (long)established);
    print_percentile("delay_p50_ms", delays, received, 0.50);
    print_percentile("delay_p99_ms", delays, received, 0.99);
    print_percentile("delay_max_ms", delays, received, 1.0);
    printf("}\n");
}

static void usage(void) {
    fprintf(stderr, "usage: sse-client hold|fanout --port P --path PATH --streams N [--rate PER_S]\n"
                    "       [--connect-timeout S] [--limit S] [--seconds S --interval-ms I] [--wait S]\n"
                    "       [--cookie C]  (default: $SSE_CLIENT_COOKIE, if set)\n"
                    "       --port and --cookie repeated, as many of each: streams spread over the ports\n");
    exit(2);
}

static void parse(int argc, char **argv) {
    static const struct option known[] = {
        {"port", required_argument, NULL, 'p'}, {"path", required_argument, NULL, 'u'},
        {"streams", required_argument, NULL, 'n'}, {"rate", required_argument, NULL, 'r'},
        {"connect-timeout", required_argument, NULL, 'c'}, {"limit", required_argument, NULL, 'l'},
        {"seconds", required_argument, NULL, 's'}, {"interval-ms", required_argument, NULL, 'i'},
        {"wait", required_argument, NULL, 'w'}, {"cookie", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0}};
    if (argc < 2 || (strcmp(argv[1], "hold") && strcmp(argv[1], "fanout")))
        usage();
    options.fanout = !strcmp(argv[1], "fanout");
    optind = 2;
    for (int option; (option = getopt_long(argc, argv, "", known, NULL)) != -1;) {
        double value = strtod(optarg ? optarg : "", NULL);
        switch (option) {
        case 'p':
            if (options.port_count == MAX_PORTS || (int)value <= 0)
                usage();
            options.ports[options.port_count++] = (int)value;
            break;
        case 'u': options.path = optarg; break;
        case 'n': options.streams = (unsigned)value; break;
        case 'r': options.rate = value; break;
        case 'c': options.connect_timeout = value; break;
        case 'l': options.limit = value; break;
        case 's': options.seconds = value; break;
        case 'i': options.interval = value / 1000; break;
        case 'w': options.wait = value; break;
        case 'k':
            if (options.cookie_count == MAX_PORTS || strlen(optarg) > 400 || strpbrk(optarg, "\r\n"))
                usage();
            options.cookies[options.cookie_count++] = *optarg ? optarg : NULL;
            break;
        default: usage();
        }
    }
    const char *environment = getenv("SSE_CLIENT_COOKIE");
    if (options.cookie_count == 0 && environment && *environment) {
        if (strlen(environment) > 400 || strpbrk(environment, "\r\n"))
            usage();
        options.cookies[options.cookie_count++] = environment;
    }
    if (options.cookie_count == 1)  /* one cookie goes with every port */
        for (unsigned index = 1; index < options.port_count; index++)
            options.cookies[index] = options.cookies[0];
    if (optind != argc || options.port_count == 0 || !options.path || !options.streams || options.rate <= 0
        || options.interval <= 0 || strlen(options.path) > 400
        || (options.cookie_count > 1 && options.cookie_count != options.port_count))
        usage();
}

int main(int argc, char **argv) {
    parse(argc, argv);
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    if ((epoll = epoll_create1(EPOLL_CLOEXEC)) < 0)
        die("sse-client: epoll_create1");
    struct epoll_event input = {.events = EPOLLIN, .data.u32 = STDIN_KEY};
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, STDIN_FILENO, &input) < 0)
        stdin_open = false;  /* /dev/null or a file: no driver to hear from */
    if (!(streams = calloc(options.streams, sizeof *streams)))
        die("sse-client: calloc");
    opening_started = now(CLOCK_MONOTONIC);
    run_ends = opening_started + options.limit;

    run_until(INFINITY, all_opened);
    printf("ready\n");
    fflush(stdout);
    double deadline = 0;
    if (options.fanout) {
        run_until(INFINITY, told_published);
        if (published < 0)
            published = 0;  /* stdin closed (or the limit passed) before the driver said */
        run_until(now(CLOCK_MONOTONIC) + options.wait, all_received);
    } else {
        run_until(now(CLOCK_MONOTONIC) + options.seconds, NULL);
        deadline = now(CLOCK_REALTIME) - 0.5;  /* ticks due before this had half a second to arrive */
    }
    measuring = false;
    printf("end\n");
    fflush(stdout);
    run_until(now(CLOCK_MONOTONIC) + 10, stdin_closed);
    for (unsigned index = 0; index < opened; index++)
        close_stream(&streams[index]);
    if (options.fanout)
        report_fanout();
    else
        report_hold(deadline);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    fprintf(stderr, "sse-client: %zu events, %.2f s CPU\n", received,
            usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6);
    return 0;
}
