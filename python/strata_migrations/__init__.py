"""The `strata` binary, shipped as a wheel.

pip installs the binary itself as the `strata` script of the environment (it is the wheel's
`.data/scripts/strata`); this package only finds it, for `python -m strata_migrations`.
"""

import os
import sysconfig


def strata_binary() -> str:
    """The path of the `strata` binary this wheel installed."""
    candidates = [os.path.join(sysconfig.get_path("scripts"), "strata")]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        candidates.append(os.path.join(sysconfig.get_path("scripts", scheme=user_scheme), "strata"))
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(f"strata binary not found (looked in {', '.join(candidates)})")
