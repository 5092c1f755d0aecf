/*
 * The floor of the page benchmark: a bare libfcgi responder with no framework, answering every
 * request with "Hello, world!" from a few threads, each in its own FCGX_Accept_r loop.
 * Usage: bare-libfcgi SOCKET_PATH [THREADS]
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int listening;

static void *serve(void *unused) {
    (void)unused;
    FCGX_Request request;
    FCGX_InitRequest(&request, listening, 0);
    static const char response[] =
        "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 13\r\n\r\nHello, world!";
    while (FCGX_Accept_r(&request) >= 0) {
        FCGX_PutStr(response, sizeof response - 1, request.out);
        FCGX_Finish_r(&request);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s SOCKET_PATH [THREADS]\n", argv[0]);
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 64;
    FCGX_Init();
    signal(SIGPIPE, SIG_IGN);
    unlink(argv[1]);
    listening = FCGX_OpenSocket(argv[1], 1024);
    if (listening < 0) {
        perror("FCGX_OpenSocket");
        return 1;
    }
    chmod(argv[1], 0666);
    pthread_t thread;
    for (int i = 1; i < threads; i++) pthread_create(&thread, NULL, serve, NULL);
    serve(NULL);
    return 0;
}
