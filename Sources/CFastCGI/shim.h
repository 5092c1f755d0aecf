#ifndef HYPER_CFASTCGI_SHIM_H
#define HYPER_CFASTCGI_SHIM_H

// libfcgi's request API.
#include <fcgiapp.h>

// Linux facilities the transport uses beside libfcgi, which Swift's Glibc module leaves out.
#include <sys/eventfd.h>

/// poll(2)'s "peer closed its end" event; <poll.h> declares it only under _GNU_SOURCE.
#define HYPER_POLLRDHUP 0x2000

#endif
