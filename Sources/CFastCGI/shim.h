#ifndef HYPER_CFASTCGI_SHIM_H
#define HYPER_CFASTCGI_SHIM_H

// libfcgi's request API.
#include <fcgiapp.h>

// Linux facilities the transport uses beside libfcgi, which Swift's Glibc module leaves out.
#include <malloc.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

/// poll(2)'s "peer closed its end" event; <poll.h> declares it only under _GNU_SOURCE.
#define HYPER_POLLRDHUP 0x2000

/// epoll(7) events, as plain numbers Swift imports.
#define HYPER_EPOLLIN 0x001
#define HYPER_EPOLLOUT 0x004
#define HYPER_EPOLLERR 0x008
#define HYPER_EPOLLHUP 0x010
#define HYPER_EPOLLRDHUP 0x2000

/// Adds, changes (`op`) or removes `descriptor` in `epoll`, with `token` given back in its events.
/// `struct epoll_event` is packed on x86-64, which Swift cannot lay out, hence this wrapper.
static inline int hyper_epoll_control(int epoll, int op, int descriptor, uint32_t events, uint64_t token) {
    struct epoll_event event = {.events = events, .data = {.u64 = token}};
    return epoll_ctl(epoll, op, descriptor, &event);
}

/// Waits like epoll_wait(2) for at most 256 events, unpacked into `tokens` and `events`.
static inline int hyper_epoll_wait(int epoll, uint64_t *tokens, uint32_t *events, int capacity, int timeout) {
    struct epoll_event ready[256];
    int count = epoll_wait(epoll, ready, capacity < 256 ? capacity : 256, timeout);
    for (int index = 0; index < count; index++) {
        tokens[index] = ready[index].data.u64;
        events[index] = ready[index].events;
    }
    return count;
}

#endif
