#include <sqlite3.h>

/// sqlite3_config is variadic, which Swift cannot call. Turns off SQLite's memory statistics
/// (SQLITE_CONFIG_MEMSTATUS): with them on, every allocation SQLite makes takes a global mutex,
/// and once a process has a second thread glibc's mutexes are atomic operations: a twentieth
/// of a thousand-migration `up` went there. Only works before SQLite is initialised; returns
/// SQLITE_MISUSE after.
static inline int strata_sqlite3_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
