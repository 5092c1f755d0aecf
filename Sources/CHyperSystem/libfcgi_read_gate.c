#define _GNU_SOURCE
#include "CHyperSystem.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>

static _Atomic(hyper_read_gate_function) installed_function = NULL;
static _Thread_local void *thread_context = NULL;

void hyper_read_gate_install(hyper_read_gate_function function) {
    atomic_store(&installed_function, function);
}

void hyper_read_gate_set_thread_context(void *context) {
    thread_context = context;
}

/// libfcgi's `int OS_Read(int fd, char *buf, size_t len)`, defined in the program so that it takes
/// the place of libfcgi's own for every read libfcgi makes (ELF symbol interposition: libfcgi calls
/// it through its PLT). A C definition with default visibility is a global symbol in every build
/// configuration; `hyper_read_gate_is_interposed` checks at start-up that it is really the one used.
__attribute__((visibility("default"), used)) int OS_Read(int fd, char *buf, size_t len) {
    hyper_read_gate_function function = atomic_load(&installed_function);
    if (function == NULL || thread_context == NULL) {
        errno = EPROTO;
        return -1;
    }
    return (int)function(thread_context, fd, buf, len);
}

int hyper_read_gate_is_interposed(void) {
    void *resolved = dlsym(RTLD_DEFAULT, "OS_Read");
    return resolved != NULL && resolved == (void *)&OS_Read;
}
