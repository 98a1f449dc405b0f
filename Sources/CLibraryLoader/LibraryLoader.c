// libpq and libgit2, loaded on first use instead of linked.
//
// `strata lint` and `strata --version` need neither library, but a binary that links them pays
// for them at every start (the loader maps libpq, libgit2 and what they pull in: GSSAPI,
// Kerberos, LDAP, TLS, ssh2; about 6 ms and 400 page faults). So they are not linked: this file
// defines every libpq and libgit2 function that Strata calls, with the prototype of the real
// header (the compiler checks each against it), and each forwards to the real function. The
// first call into a library dlopens it by the SONAME its headers were built for and looks all of
// its functions up at once; later calls cost one atomic load and an indirect call.
//
// A function that Swift code starts to call must be added to LIBPQ_FUNCTIONS or
// LIBGIT2_FUNCTIONS below; until it is, the link fails with an undefined symbol.

#include <dlfcn.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h> // Debian and Ubuntu put it there
#endif

// The forwarding functions must not be exported from the executable: libgit2 and libpq call
// their own public functions through the PLT, and an exported definition in the executable
// would take those calls over (the executable comes first in the loader's search). libgit2
// declares its functions with visibility("default"), and a hidden definition may not follow a
// default declaration; so while its headers are read, `visibility` in their attributes turns
// into the harmless `unused`. (System headers they include are included above, with the
// macro not yet defined.)
#define visibility(x) unused
#include <git2.h>
#undef visibility
#include <git2/version.h>

#include "CLibraryLoader.h"

#define STRATA_HIDDEN __attribute__((__visibility__("hidden")))

// MARK: - The functions Strata calls
//
// F(return type, name, (parameters), (arguments)) for functions that return a value,
// V(name, (parameters), (arguments)) for void ones (C does not allow `return f()` there).

#define LIBPQ_FUNCTIONS(F, V) \
    V(PQclear, (PGresult *res), (res)) \
    F(PGconn *, PQconnectdbParams, (const char *const *keywords, const char *const *values, int expand_dbname), \
      (keywords, values, expand_dbname)) \
    F(char *, PQerrorMessage, (const PGconn *conn), (conn)) \
    F(PGresult *, PQexec, (PGconn *conn, const char *query), (conn, query)) \
    F(PGresult *, PQexecParams, (PGconn *conn, const char *command, int nParams, const Oid *paramTypes, \
                                 const char *const *paramValues, const int *paramLengths, \
                                 const int *paramFormats, int resultFormat), \
      (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat)) \
    V(PQfinish, (PGconn *conn), (conn)) \
    V(PQfreemem, (void *ptr), (ptr)) \
    F(Oid, PQftype, (const PGresult *res, int field_num), (res, field_num)) \
    F(int, PQgetCopyData, (PGconn *conn, char **buffer, int async), (conn, buffer, async)) \
    F(PGresult *, PQgetResult, (PGconn *conn), (conn)) \
    F(int, PQgetisnull, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num)) \
    F(char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num)) \
    F(int, PQlibVersion, (void), ()) \
    F(int, PQnfields, (const PGresult *res), (res)) \
    F(int, PQntuples, (const PGresult *res), (res)) \
    F(int, PQputCopyEnd, (PGconn *conn, const char *errormsg), (conn, errormsg)) \
    F(char *, PQresultErrorField, (const PGresult *res, int fieldcode), (res, fieldcode)) \
    F(char *, PQresultErrorMessage, (const PGresult *res), (res)) \
    F(ExecStatusType, PQresultStatus, (const PGresult *res), (res)) \
    F(int, PQsendQuery, (PGconn *conn, const char *query), (conn, query)) \
    F(int, PQserverVersion, (const PGconn *conn), (conn)) \
    F(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn *conn, PQnoticeProcessor proc, void *arg), (conn, proc, arg)) \
    F(ConnStatusType, PQstatus, (const PGconn *conn), (conn))

#define LIBGIT2_FUNCTIONS(F, V) \
    V(git_blob_free, (git_blob *blob), (blob)) \
    F(int, git_blob_lookup, (git_blob **blob, git_repository *repo, const git_oid *id), (blob, repo, id)) \
    F(const void *, git_blob_rawcontent, (const git_blob *blob), (blob)) \
    F(git_object_size_t, git_blob_rawsize, (const git_blob *blob), (blob)) \
    V(git_commit_free, (git_commit *commit), (commit)) \
    F(int, git_commit_lookup, (git_commit **commit, git_repository *repo, const git_oid *id), (commit, repo, id)) \
    F(int, git_commit_tree, (git_tree **tree_out, const git_commit *commit), (tree_out, commit)) \
    V(git_config_free, (git_config *cfg), (cfg)) \
    F(int, git_config_get_string, (const char **out, const git_config *cfg, const char *name), (out, cfg, name)) \
    F(const git_error *, git_error_last, (void), ()) \
    F(int, git_index_entry_stage, (const git_index_entry *entry), (entry)) \
    F(size_t, git_index_entrycount, (const git_index *index), (index)) \
    V(git_index_free, (git_index *index), (index)) \
    F(const git_index_entry *, git_index_get_byindex, (git_index *index, size_t n), (index, n)) \
    F(int, git_index_open, (git_index **out, const char *index_path), (out, index_path)) \
    F(int, git_libgit2_init, (void), ()) \
    F(int, git_libgit2_version, (int *major, int *minor, int *rev), (major, minor, rev)) \
    F(int, git_merge_base, (git_oid *out, git_repository *repo, const git_oid *one, const git_oid *two), \
      (out, repo, one, two)) \
    V(git_object_free, (git_object *object), (object)) \
    F(const git_oid *, git_object_id, (const git_object *obj), (obj)) \
    F(int, git_object_peel, (git_object **peeled, const git_object *object, git_object_t target_type), \
      (peeled, object, target_type)) \
    F(int, git_odb_hash, (git_oid *out, const void *data, size_t len, git_object_t type), (out, data, len, type)) \
    F(int, git_reference_dwim, (git_reference **out, git_repository *repo, const char *shorthand), (out, repo, shorthand)) \
    V(git_reference_free, (git_reference *ref), (ref)) \
    F(int, git_reference_is_branch, (const git_reference *ref), (ref)) \
    F(int, git_reference_resolve, (git_reference **out, const git_reference *ref), (out, ref)) \
    F(const char *, git_reference_shorthand, (const git_reference *ref), (ref)) \
    F(int, git_oid_equal, (const git_oid *a, const git_oid *b), (a, b)) \
    F(char *, git_oid_tostr, (char *out, size_t n, const git_oid *id), (out, n, id)) \
    F(const char *, git_repository_commondir, (const git_repository *repo), (repo)) \
    F(int, git_repository_config_snapshot, (git_config **out, git_repository *repo), (out, repo)) \
    F(int, git_repository_head, (git_reference **out, git_repository *repo), (out, repo)) \
    V(git_repository_free, (git_repository *repo), (repo)) \
    F(int, git_repository_head_unborn, (git_repository *repo), (repo)) \
    F(int, git_repository_index, (git_index **out, git_repository *repo), (out, repo)) \
    F(int, git_repository_is_shallow, (git_repository *repo), (repo)) \
    F(int, git_repository_open_ext, (git_repository **out, const char *path, unsigned int flags, \
                                     const char *ceiling_dirs), \
      (out, path, flags, ceiling_dirs)) \
    F(const char *, git_repository_path, (const git_repository *repo), (repo)) \
    F(const char *, git_repository_workdir, (const git_repository *repo), (repo)) \
    F(int, git_revparse_single, (git_object **out, git_repository *repo, const char *spec), (out, repo, spec)) \
    F(const git_tree_entry *, git_tree_entry_byindex, (const git_tree *tree, size_t idx), (tree, idx)) \
    F(int, git_tree_entry_bypath, (git_tree_entry **out, const git_tree *root, const char *path), (out, root, path)) \
    V(git_tree_entry_free, (git_tree_entry *entry), (entry)) \
    F(const git_oid *, git_tree_entry_id, (const git_tree_entry *entry), (entry)) \
    F(const char *, git_tree_entry_name, (const git_tree_entry *entry), (entry)) \
    F(git_object_t, git_tree_entry_type, (const git_tree_entry *entry), (entry)) \
    F(size_t, git_tree_entrycount, (const git_tree *tree), (tree)) \
    V(git_tree_free, (git_tree *tree), (tree)) \
    F(const git_oid *, git_tree_id, (const git_tree *tree), (tree)) \
    F(int, git_tree_lookup, (git_tree **out, git_repository *repo, const git_oid *id), (out, repo, id))

// Called only through strata_git_disable_strict_hash_verification (variadic: not forwardable).
#define LIBGIT2_INTERNAL_FUNCTIONS(F, V) \
    F(int, git_libgit2_opts, (int option, ...), ())

// MARK: - Loading

#if defined(__APPLE__)
#define LIBPQ_SONAME "libpq.5.dylib"
#define LIBGIT2_SONAME "libgit2." LIBGIT2_SOVERSION ".dylib"
#else
#define LIBPQ_SONAME "libpq.so.5"
#define LIBGIT2_SONAME "libgit2.so." LIBGIT2_SOVERSION
#endif

/// One line on stderr, as the rest of strata reports a configuration error, and exit status 2.
__attribute__((noreturn, cold)) static void strata_cannot_load(const char *soname, const char *what,
                                                               const char *symbol, const char *package) {
    const char *reason = dlerror();
    if (!reason) reason = "unknown error";
    if (symbol) {
        fprintf(stderr, "strata: error: cannot load %s from %s (%s): %s; install %s\n",
                symbol, soname, what, reason, package);
    } else {
        fprintf(stderr, "strata: error: cannot load %s (%s): %s; install %s\n", soname, what, reason, package);
    }
    fflush(stderr);
    exit(2);
}

// For each library: a table of pointers to the real functions, typed from the real
// declarations; `ready`, set (release) once the whole table is filled, read (acquire) by each
// call; pthread_once so that threads calling at the same time load the library once.
#define STRATA_POINTER(ret, name, params, args) __typeof__(name) *name;
#define STRATA_VOID_POINTER(name, params, args) __typeof__(name) *name;
#define STRATA_RESOLVE(ret, name, params, args) \
    if (!(table.name = (__typeof__(name) *)dlsym(handle, #name))) strata_cannot_load(SONAME, WHAT, #name, PACKAGE);
#define STRATA_VOID_RESOLVE(name, params, args) STRATA_RESOLVE(void, name, params, args)

static struct {
    LIBPQ_FUNCTIONS(STRATA_POINTER, STRATA_VOID_POINTER)
} libpq;
static atomic_bool libpq_ready;
static pthread_once_t libpq_once = PTHREAD_ONCE_INIT;

static void libpq_load(void) {
#define table libpq
#define SONAME LIBPQ_SONAME
#define WHAT "the PostgreSQL client library"
#define PACKAGE "libpq5"
    dlerror();
    void *handle = dlopen(SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!handle) strata_cannot_load(SONAME, WHAT, NULL, PACKAGE);
    LIBPQ_FUNCTIONS(STRATA_RESOLVE, STRATA_VOID_RESOLVE)
    atomic_store_explicit(&libpq_ready, 1, memory_order_release);
#undef table
#undef SONAME
#undef WHAT
#undef PACKAGE
}

static inline void libpq_ensure(void) {
    if (__builtin_expect(!atomic_load_explicit(&libpq_ready, memory_order_acquire), 0)) {
        pthread_once(&libpq_once, libpq_load);
    }
}

static struct {
    LIBGIT2_FUNCTIONS(STRATA_POINTER, STRATA_VOID_POINTER)
    LIBGIT2_INTERNAL_FUNCTIONS(STRATA_POINTER, STRATA_VOID_POINTER)
} libgit2;
static atomic_bool libgit2_ready;
static pthread_once_t libgit2_once = PTHREAD_ONCE_INIT;

static void libgit2_load(void) {
#define table libgit2
#define SONAME LIBGIT2_SONAME
#define WHAT "the git library"
#define PACKAGE "libgit2-" LIBGIT2_SOVERSION
    dlerror();
    void *handle = dlopen(SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!handle) strata_cannot_load(SONAME, WHAT, NULL, PACKAGE);
    LIBGIT2_FUNCTIONS(STRATA_RESOLVE, STRATA_VOID_RESOLVE)
    LIBGIT2_INTERNAL_FUNCTIONS(STRATA_RESOLVE, STRATA_VOID_RESOLVE)
    atomic_store_explicit(&libgit2_ready, 1, memory_order_release);
#undef table
#undef SONAME
#undef WHAT
#undef PACKAGE
}

static inline void libgit2_ensure(void) {
    if (__builtin_expect(!atomic_load_explicit(&libgit2_ready, memory_order_acquire), 0)) {
        pthread_once(&libgit2_once, libgit2_load);
    }
}

// MARK: - The forwarding functions

#define STRATA_DEFINE_FORWARD(library, ret, name, params, args) \
    STRATA_HIDDEN ret name params { \
        library##_ensure(); \
        return library.name args; \
    }
#define STRATA_DEFINE_VOID_FORWARD(library, name, params, args) \
    STRATA_HIDDEN void name params { \
        library##_ensure(); \
        library.name args; \
    }

#define STRATA_LIBPQ_FORWARD(ret, name, params, args) STRATA_DEFINE_FORWARD(libpq, ret, name, params, args)
#define STRATA_LIBPQ_VOID_FORWARD(name, params, args) STRATA_DEFINE_VOID_FORWARD(libpq, name, params, args)
LIBPQ_FUNCTIONS(STRATA_LIBPQ_FORWARD, STRATA_LIBPQ_VOID_FORWARD)

#define STRATA_LIBGIT2_FORWARD(ret, name, params, args) STRATA_DEFINE_FORWARD(libgit2, ret, name, params, args)
#define STRATA_LIBGIT2_VOID_FORWARD(name, params, args) STRATA_DEFINE_VOID_FORWARD(libgit2, name, params, args)
LIBGIT2_FUNCTIONS(STRATA_LIBGIT2_FORWARD, STRATA_LIBGIT2_VOID_FORWARD)

STRATA_HIDDEN int strata_git_disable_strict_hash_verification(void) {
    libgit2_ensure();
    return libgit2.git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}
