#ifndef HYPER_CHYPERSYSTEM_H
#define HYPER_CHYPERSYSTEM_H

// C code Hyper's transport needs that must be C: the replacement of libfcgi's `OS_Read` (a symbol
// with a fixed C name and linkage) and signal handlers (which may only do async-signal-safe work).

#include <stddef.h>

/// The function every libfcgi read is routed to: `context` is the calling thread's, set with
/// `hyper_read_gate_set_thread_context`. Returns what read(2) would, with `errno` set on failure.
typedef long (*hyper_read_gate_function)(void *context, int descriptor, char *buffer, size_t count);

/// Routes libfcgi's reads to `function`. Until it is called, and on a thread with no context,
/// every libfcgi read fails with `EPROTO`: the gate fails closed.
void hyper_read_gate_install(hyper_read_gate_function function);

/// Sets the calling thread's context for `hyper_read_gate_function` (NULL to clear it).
void hyper_read_gate_set_thread_context(void *context);

/// Whether the dynamic linker resolves `OS_Read` to the replacement in this program, the way
/// libfcgi's calls to it are resolved: 1 if so, 0 if libfcgi would read on its own.
int hyper_read_gate_is_interposed(void);

/// Makes `signal_number`, whichever thread receives it, write its number as one byte to
/// `descriptor` (a pipe whose reader acts on it). Returns 0, or -1 with `errno` set.
int hyper_forward_signal(int signal_number, int descriptor);

/// accept4(2) with `SOCK_CLOEXEC`, which Swift's Glibc module leaves out (it needs _GNU_SOURCE).
int hyper_accept_cloexec(int listening_descriptor);

/// pipe2(2) with `O_CLOEXEC`, for the same reason.
int hyper_pipe_cloexec(int ends[2]);

#endif
