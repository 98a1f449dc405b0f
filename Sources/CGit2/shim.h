// libgit2's declarations and types only: the library is not linked but loaded on first use
// (Sources/CLibraryLoader).
#include <git2.h>
