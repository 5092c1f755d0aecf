#include "CHyperSystem.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static atomic_int forwarding_descriptor = -1;

/// Writes the signal's number to the forwarding pipe; only async-signal-safe calls, errno kept.
static void forward_signal(int signal_number) {
    int saved = errno;
    unsigned char byte = (unsigned char)signal_number;
    int descriptor = atomic_load(&forwarding_descriptor);
    if (descriptor >= 0) {
        (void)!write(descriptor, &byte, 1);
    }
    errno = saved;
}

int hyper_forward_signal(int signal_number, int descriptor) {
    atomic_store(&forwarding_descriptor, descriptor);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = forward_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    return sigaction(signal_number, &action, NULL);
}
