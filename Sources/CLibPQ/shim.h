// libpq's declarations and types only: the library is not linked but loaded on first use
// (Sources/CLibraryLoader).
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h> // Debian and Ubuntu put it there
#endif
