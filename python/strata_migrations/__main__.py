"""`python -m strata_migrations ARGS...` runs `strata ARGS...`."""

import os
import sys

from strata_migrations import strata_binary


def main() -> None:
    binary = strata_binary()
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
