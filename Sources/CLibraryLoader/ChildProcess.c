// Child processes that end with Strata (see strata_spawn_tied in CLibraryLoader.h).
//
// Foundation's Process cannot ask Linux to kill a child when its parent dies: that takes a
// prctl(PR_SET_PDEATHSIG) call in the child, between fork and exec. So the client programs of
// a PostgreSQL backup or restore are started here. Between fork and exec the child calls only
// async-signal-safe functions (the parent has other threads, whose locks may be held).

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include "CLibraryLoader.h"

// Closes every descriptor from `low` on except `keep` (the pipe that reports a failed exec,
// closed by exec itself).
static void close_from(int low, int keep, long max_fd) {
#if defined(__linux__) && defined(SYS_close_range)
    if (keep > low) syscall(SYS_close_range, (unsigned)low, (unsigned)(keep - 1), 0u);
    if (syscall(SYS_close_range, (unsigned)(keep + 1), ~0u, 0u) == 0) return;
    // An older kernel: close them one by one below.
    for (long fd = low; fd < keep; fd++) close((int)fd);
#endif
    for (long fd = low; fd < max_fd; fd++) {
        if (fd != keep) close((int)fd);
    }
}

int strata_spawn_tied(const char *path, char *const argv[], char *const envp[],
                      int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid_out) {
    return strata_spawn_tied_in(NULL, path, argv, envp, stdin_fd, stdout_fd, stderr_fd, pid_out);
}

int strata_spawn_tied_in(const char *directory, const char *path, char *const argv[], char *const envp[],
                         int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid_out) {
    long max_fd = sysconf(_SC_OPEN_MAX);
    if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
    int report[2];
#ifdef __linux__
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
#else
    if (pipe(report) != 0) return errno;
    fcntl(report[0], F_SETFD, FD_CLOEXEC);
    fcntl(report[1], F_SETFD, FD_CLOEXEC);
#endif
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int error = errno;
        close(report[0]);
        close(report[1]);
        return error;
    }
    if (pid == 0) {
        int error = 0;
        // The child starts with every signal at its default and none blocked: Strata's
        // ignored signals (SIGPIPE...) and its threads' masks are not the program's.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        struct sigaction standard;
        standard.sa_handler = SIG_DFL;
        standard.sa_flags = 0;
        sigemptyset(&standard.sa_mask);
        for (int s = 1; s < NSIG; s++) {
            if (s != SIGKILL && s != SIGSTOP) sigaction(s, &standard, NULL);
        }
#ifdef __linux__
        // Killed when Strata ends, however it ends (SIGKILL included). Strata may have ended
        // before this line: then the child's parent is no longer Strata.
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) { error = errno; goto failed; }
        if (getppid() != parent) _exit(127);
#endif
        // Out of the way of 0, 1 and 2 first: a source may itself be one of them.
        int sources[3] = {stdin_fd, stdout_fd, stderr_fd};
        int moved[3];
        for (int i = 0; i < 3; i++) {
            moved[i] = fcntl(sources[i], F_DUPFD_CLOEXEC, 3);
            if (moved[i] < 0) { error = errno; goto failed; }
        }
        for (int i = 0; i < 3; i++) {
            if (dup2(moved[i], i) < 0) { error = errno; goto failed; }
        }
        close_from(3, report[1], max_fd);
        if (directory != NULL && chdir(directory) != 0) { error = errno; goto failed; }
        execve(path, argv, envp);
        error = errno;
    failed:
        while (write(report[1], &error, sizeof error) < 0 && errno == EINTR) {}
        _exit(127);
    }
    close(report[1]);
    int child_error = 0;
    ssize_t got;
    do {
        got = read(report[0], &child_error, sizeof child_error);
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof child_error) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        return child_error != 0 ? child_error : EIO;
    }
    *pid_out = pid;
    return 0;
}
