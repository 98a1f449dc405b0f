"""Where `strata up`'s CPU time goes, from a profile (perf record with DWARF call stacks).

Used by scripts/bench.py --apply. Every sample of the strata process falls in one bucket:

- before: everything outside `Applier.up` (start, configuration, reading, parsing, linting,
  hashing, the plan) and the threads that do part of it;
- database: inside `Applier.up`, in the database's client library (libsqlite3 executes the SQL
  in-process; libpq sends it), or in the kernel below it (file writes, fsync, sockets);
- strata: inside `Applier.up`, anywhere else: Strata's own work per migration (the loop,
  tracking-row values, timestamps, progress lines, the lock logic, allocation).

perf samples CPU time only, so waiting on fsync or on the server costs nothing here: `strata`
divided by the number of migrations is Strata's own overhead per migration.
"""

import subprocess

UP_FRAME = "StrataApply7ApplierC2up"  # mangled Applier.up(_:singleTransaction:)
DATABASE_DSOS = ("libsqlite3", "libpq", "libssl", "libcrypto", "libgssapi", "libkrb5")


def perf_available():
    try:
        probe = subprocess.run(["perf", "record", "-o", "/dev/null", "-F", "1000", "--", "true"],
                               capture_output=True, text=True)
        return probe.returncode == 0
    except OSError:
        return False


def samples(script_text):
    """(pid, tid, period, frames) per sample of `perf script -F comm,pid,tid,period,ip,sym,dso`."""
    for block in script_text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        head = lines[0].split()
        try:
            pid_tid, period = head[1], int(head[2])
            pid, tid = (int(x) for x in pid_tid.split("/"))
        except (IndexError, ValueError):
            continue
        frames = []
        for line in lines[1:]:
            parts = line.strip().split(" ", 1)
            if len(parts) == 2:
                symbol, _, dso = parts[1].rpartition(" (")
                frames.append((symbol, dso.rstrip(")")))
        yield pid, tid, period, frames


def classify(frames):
    if not any(UP_FRAME in symbol for symbol, _ in frames):
        return "before"
    for symbol, dso in frames:
        if any(name in dso for name in DATABASE_DSOS) or symbol.startswith(("sqlite3", "PQ", "pq")):
            return "database"
    # A sample in the kernel whose user-space caller is Strata's own code (a page fault in
    # Swift code, say) is Strata's.
    return "strata"


def profile(argv, env, cwd, migrations, work):
    """Runs argv under perf; returns milliseconds per bucket and Strata's own per migration."""
    data = work / "apply-profile.data"
    subprocess.run(["perf", "record", "-q", "-F", "4000", "--call-graph", "dwarf,8192", "-o", str(data), "--"] + argv,
                   env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    text = subprocess.run(["perf", "script", "-i", str(data), "-F", "comm,pid,tid,period,ip,sym,dso"],
                          capture_output=True, text=True).stdout
    data.unlink(missing_ok=True)
    totals = {"before": 0, "database": 0, "strata": 0}
    for _, _, period, frames in samples(text):
        totals[classify(frames)] += period
    ms = {k: v / 1e6 for k, v in totals.items()}  # cpu-clock periods are nanoseconds
    ms["strata per migration"] = ms["strata"] / migrations
    return ms
