#define _GNU_SOURCE
#include "CHyperSystem.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

int hyper_accept_cloexec(int listening_descriptor) {
    return accept4(listening_descriptor, NULL, NULL, SOCK_CLOEXEC);
}

int hyper_pipe_cloexec(int ends[2]) {
    return pipe2(ends, O_CLOEXEC);
}
