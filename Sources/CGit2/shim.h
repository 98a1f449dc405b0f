#include <git2.h>

/// libgit2 re-hashes every object it reads to verify it (strict hash verification); git itself
/// does not, and on a pre-commit path reading thousands of blobs it costs milliseconds. The
/// option is set through a variadic call, which Swift cannot make: hence this wrapper.
static inline int strata_git_disable_strict_hash_verification(void) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}
