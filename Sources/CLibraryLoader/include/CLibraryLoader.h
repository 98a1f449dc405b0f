#ifndef STRATA_CLIBRARYLOADER_H
#define STRATA_CLIBRARYLOADER_H

// libpq and libgit2 are not linked: LibraryLoader.c defines every function of theirs that
// Strata calls, each forwarding to the real one, which it looks up with dlopen/dlsym on the
// first call into that library. So `strata lint` starts without loading either; the headers
// and types still come from the CLibPQ and CGit2 modules.
//
// When a library cannot be loaded, the first call prints one line to stderr
// ("strata: error: cannot load libpq.so.5 ...") and exits with status 2.

/// Turns off libgit2's strict hash verification (libgit2 re-hashes every object it reads; git
/// itself does not, and on a pre-commit path reading thousands of blobs it costs milliseconds).
/// `git_libgit2_opts` is variadic, which Swift cannot call: hence this function.
int strata_git_disable_strict_hash_verification(void);

/// Caps the malloc arenas of glibc at `arenas` (mallopt's M_ARENA_MAX); call it before a second
/// thread starts. Returns 1 when set, 0 when not (mallopt refused it, or the C library is not
/// glibc: then it does nothing).
int strata_limit_malloc_arenas(int arenas);

#include <sys/types.h>

/// Starts the program at `path` (argv and envp NULL-terminated, as for execve) with the three
/// descriptors as its standard input, output and error, and puts its pid in `pid_out`. On
/// Linux the child is killed (SIGKILL) when the thread that started it ends, so with Strata
/// however Strata ends: call it from the thread that then waits for the child. It starts with
/// default signal handling, no blocked signals, and no other descriptor of Strata's open.
/// Returns 0, or the errno of what failed (exec included: no child is left then).
int strata_spawn_tied(const char *path, char *const argv[], char *const envp[],
                      int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid_out);

/// strata_spawn_tied, the program started in `directory` (NULL: this process's).
int strata_spawn_tied_in(const char *directory, const char *path, char *const argv[], char *const envp[],
                         int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid_out);

#endif
