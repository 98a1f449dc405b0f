// glibc's malloc tuning, which Swift's Glibc module does not export (malloc.h is not in it).

#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "CLibraryLoader.h"

int strata_limit_malloc_arenas(int arenas) {
#ifdef __GLIBC__
    return mallopt(M_ARENA_MAX, arenas);
#else
    (void)arenas;
    return 0;
#endif
}
