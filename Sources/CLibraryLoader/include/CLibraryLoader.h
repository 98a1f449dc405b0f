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

#endif
