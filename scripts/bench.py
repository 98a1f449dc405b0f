#!/usr/bin/env python3
"""Benchmarks for `make bench`: lints ../shared/corpus and a synthetic corpus ten times larger
with the release build of strata, next to Squawk on the same PostgreSQL files, measures the
tokenizer on one core, times `strata check --staged` in generated repositories of 2,000 and 20,000
commits next to `git diff` as the floor, and writes BENCHMARKS.md.

Whole-process figures: wall time from fork to exit (median of RUNS) and the peak RSS of that
process (from wait4's rusage, so other processes never count).

`scripts/bench.py --history` runs the history check alone and prints it (BENCHMARKS.md is left
as it is). STRATA_BIN names another strata binary (default .build/release/strata).
"""
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.dont_write_bytecode = True  # no scripts/__pycache__ from the import below
import gen_history_repo  # noqa: E402 (scripts/gen_history_repo.py, next to this file)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("STRATA_CORPUS", ROOT.parent / "shared" / "corpus"))
WORK = ROOT / ".build-bench"
STRATA = Path(os.environ.get("STRATA_BIN", ROOT / ".build" / "release" / "strata")).resolve()
TOKENIZER_BENCH = ROOT / ".build" / "release" / "strata-bench"
SQUAWK = WORK / "venv" / "bin" / "squawk"
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
HISTORY_RUNS = int(os.environ.get("BENCH_HISTORY_RUNS", "21"))  # short runs: more of them
SYNTHETIC_COPIES = 10
HISTORY_MIGRATIONS = 5000
HISTORY_COMMITS = (2000, 20000)
HISTORY_BUDGET = 0.150  # seconds, whole process, for a pre-commit hook
HISTORY_FLAT = 1.2  # 20,000 commits may cost at most this much more than 2,000 (noise)


def run_once(argv, cwd=None):
    """Wall seconds from fork to exit and peak RSS (MB) of one run of `argv`, output discarded."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            if cwd:
                os.chdir(cwd)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"bench: {argv[0]} exited with {code}")
    return wall, usage.ru_maxrss / 1024  # KiB -> MiB


def measure(argv, runs=RUNS, cwd=None):
    """Median wall seconds, all wall times, and max peak RSS (MB) of `argv` over `runs` runs."""
    return measure_interleaved([(argv, cwd)], runs)[0]


def measure_interleaved(jobs, runs=RUNS):
    """measure() of several (argv, cwd) jobs, taking turns run by run, so that a change in the
    machine's load weighs on all of them alike (what compares them stays fair on a shared box)."""
    walls, peaks = [[] for _ in jobs], [[] for _ in jobs]
    for _ in range(runs + 1):  # the first run warms the page cache and is dropped
        for k, (argv, cwd) in enumerate(jobs):
            wall, peak = run_once(argv, cwd)
            walls[k].append(wall)
            peaks[k].append(peak)
    return [(statistics.median(w[1:]), w[1:], max(p[1:])) for w, p in zip(walls, peaks)]


def corpus_files():
    rows = []
    for line in (CORPUS / "FILES.tsv").read_text().splitlines()[1:]:
        path, _repo, dialect, runs_on, _direction, size = line.split("\t")
        rows.append((path, dialect, runs_on, int(size)))
    return rows


def synthetic_corpus(rows):
    """Every corpus file SYNTHETIC_COPIES times under .build-bench/synthetic/copyN/ (made once)."""
    target = WORK / "synthetic"
    stamp = target / ".complete"
    if not stamp.exists():
        shutil.rmtree(target, ignore_errors=True)
        for copy in range(SYNTHETIC_COPIES):
            for path, dialect, runs_on, _ in rows:
                # Dialect folders keep the per-dialect runs apart, as in the real corpus.
                sub = "pg" if dialect == "postgresql" or (dialect == "portable" and "postgresql" in runs_on) else "lite"
                dest = target / sub / f"copy{copy}" / path
                dest.parent.mkdir(parents=True, exist_ok=True)
                name = dest.name if dest.name.endswith(".sql") else dest.name + ".sql"
                shutil.copyfile(CORPUS / path, dest.with_name(name))
        stamp.touch()
    return target


def size_of(paths):
    return sum(os.path.getsize(p) for p in paths)


def tree_stats(folder):
    count = total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            if name.endswith(".sql"):
                count += 1
                total += os.path.getsize(os.path.join(dirpath, name))
    return count, total


def history_repo(commits):
    """The generated repository with HISTORY_MIGRATIONS migrations and `commits` commits on main,
    feature checked out and one new migration staged (made once by scripts/gen_history_repo.py)."""
    target = WORK / f"history-{commits}"
    stamp = target / ".git" / gen_history_repo.STAMP
    if not stamp.exists() or stamp.read_text() != gen_history_repo.stamp_text(HISTORY_MIGRATIONS, commits):
        print(f"bench: generating {target.relative_to(ROOT)} ({commits:,} commits)", flush=True)
        subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_history_repo.py"), str(target),
                        "--migrations", str(HISTORY_MIGRATIONS), "--commits", str(commits), "--force"],
                       check=True, stdout=subprocess.DEVNULL)
    return target


def history_check():
    """`strata check --staged` in both generated repositories, and `git diff` as the floor.
    Returns the rows for the report and the strata medians by commit count."""
    git = shutil.which("git")
    if not git:
        sys.exit("bench: git not found")
    commands = [
        ("strata check --staged", [str(STRATA), "check", "--staged"]),
        ("git diff --cached --name-status main -- migrations/", [git, "diff", "--cached", "--name-status", "main", "--", "migrations/"]),
        ("git diff --name-status main -- migrations/", [git, "diff", "--name-status", "main", "--", "migrations/"]),
    ]
    repos = {commits: history_repo(commits) for commits in HISTORY_COMMITS}
    print(f"bench: history check, {HISTORY_MIGRATIONS:,} migrations, {' and '.join(f'{c:,}' for c in HISTORY_COMMITS)} "
          f"commits (runs interleaved)", flush=True)
    jobs = [(name, commits, argv, repos[commits]) for commits in HISTORY_COMMITS for name, argv in commands]
    measured = measure_interleaved([(argv, cwd) for _, _, argv, cwd in jobs], HISTORY_RUNS)
    rows, strata = [], {}
    for (name, commits, argv, _), (median, walls, peak) in zip(jobs, measured):
        rows.append(dict(name=name, commits=commits, median=median, fastest=min(walls), peak=peak))
        print(f"  {name}, {commits:,} commits: {median * 1000:.1f} ms (fastest {min(walls) * 1000:.1f} ms), "
              f"peak {peak:.1f} MB", flush=True)
        if argv[0] == str(STRATA):
            strata[commits] = median
    return rows, strata


def main():
    if sys.argv[1:] == ["--history"]:
        history_check()
        return
    if sys.argv[1:]:
        sys.exit("usage: scripts/bench.py [--history]")
    if not (CORPUS / "FILES.tsv").exists():
        sys.exit(f"bench: no corpus at {CORPUS}")
    rows = corpus_files()
    pg_only = [str(CORPUS / r[0]) for r in rows if r[1] == "postgresql"]
    pg_runs = [str(CORPUS / r[0]) for r in rows if r[1] == "postgresql" or (r[1] == "portable" and "postgresql" in r[2])]
    lite_rest = [str(CORPUS / r[0]) for r in rows if str(CORPUS / r[0]) not in set(pg_runs)]
    synthetic = synthetic_corpus(rows)

    lint = [str(STRATA), "lint", "--layout", "plain", "--format", "json"]
    results = []

    def record(name, files, nbytes, argv, note=""):
        median, walls, peak = measure(argv)
        results.append(dict(name=name, files=files, mb=nbytes / 1e6, median=median, walls=walls, peak=peak, note=note))
        print(f"  {name}: {median:.3f} s, {files / median:,.0f} files/s, {nbytes / 1e6 / median:.1f} MB/s, peak {peak:.1f} MB", flush=True)
        return median, peak

    print("bench: corpus set A (PostgreSQL-only files)", flush=True)
    strata_a, _ = record("strata, set A (PostgreSQL)", len(pg_only), size_of(pg_only), lint + ["--dialect", "postgresql"] + pg_only)
    squawk_a, _ = record("squawk 2.70.0, set A (PostgreSQL)", len(pg_only), size_of(pg_only), [str(SQUAWK), "--reporter", "json"] + pg_only)

    print("bench: whole corpus", flush=True)
    record("strata, files that run on PostgreSQL", len(pg_runs), size_of(pg_runs), lint + ["--dialect", "postgresql"] + pg_runs)
    record("strata, the other files (SQLite)", len(lite_rest), size_of(lite_rest), lint + ["--dialect", "sqlite"] + lite_rest)

    print("bench: synthetic corpus, 10x", flush=True)
    pg_count, pg_bytes = tree_stats(synthetic / "pg")
    lite_count, lite_bytes = tree_stats(synthetic / "lite")
    _, peak_pg10 = record("strata, 10x PostgreSQL folder", pg_count, pg_bytes, lint + ["--dialect", "postgresql", str(synthetic / "pg")])
    _, peak_lite10 = record("strata, 10x SQLite folder", lite_count, lite_bytes, lint + ["--dialect", "sqlite", str(synthetic / "lite")])

    tokenizer = subprocess.run([str(TOKENIZER_BENCH), str(CORPUS)], capture_output=True, text=True, check=True).stdout.strip()
    print("bench: " + tokenizer.replace("\n", "\n       "), flush=True)

    history, history_strata = history_check()

    speedup = squawk_a / strata_a
    peak_10x = max(peak_pg10, peak_lite10)
    write_report(results, speedup, peak_10x, tokenizer, history, history_strata)
    print(f"bench: strata is {speedup:.1f}x Squawk on set A; peak RSS on 10x {peak_10x:.1f} MB; wrote BENCHMARKS.md")


def git_revision():
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def write_report(results, speedup, peak_10x, tokenizer, history, history_strata):
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (scripts/bench.py); re-run it after changing a hot path.",
        "",
        f"- When: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, commit {git_revision()}",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        f"- Corpus: `{CORPUS.relative_to(ROOT.parent) if CORPUS.is_relative_to(ROOT.parent) else CORPUS}` "
        "(FILES.tsv); synthetic = every corpus file copied 10 times",
        f"- Method: whole process, fork to exit, median of {RUNS} runs after one warm-up; peak RSS is the "
        "largest of the runs (wait4 rusage of that process alone). Output goes to /dev/null, JSON format for both tools.",
        "",
        "| run | files | MB | median s | files/s | MB/s | peak RSS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r['name']} | {r['files']:,} | {r['mb']:.2f} | {r['median']:.3f} | "
                     f"{r['files'] / r['median']:,.0f} | {r['mb'] / r['median']:.1f} | {r['peak']:.1f} |")
    lines += [
        "",
        f"History check: `strata check --staged` in a generated repository (scripts/gen_history_repo.py) of "
        f"{HISTORY_MIGRATIONS:,} migrations on `main`, with `feature` checked out at main's tip and one new "
        f"migration staged; `git diff` over the same folder is the floor. Run from the repository's root, text output to /dev/null; median of "
        f"{HISTORY_RUNS} runs after one warm-up, the six commands taking turns run by run.",
        "",
        "| run | commits | median ms | fastest ms | peak RSS MB |",
        "|---|---|---|---|---|",
    ]
    for r in history:
        lines.append(f"| `{r['name']}` | {r['commits']:,} | {r['median'] * 1000:.1f} | {r['fastest'] * 1000:.1f} | {r['peak']:.1f} |")
    small, large = (history_strata[c] for c in HISTORY_COMMITS)
    growth = large / small
    floor = next(r["median"] for r in history if r["commits"] == HISTORY_COMMITS[1] and r["name"].startswith("git diff --cached"))
    lines += [
        "",
        "## Targets",
        "",
        f"- Strata at least 3x faster than Squawk on set A, whole process: **{speedup:.1f}x** "
        f"({'met' if speedup >= 3 else 'NOT met'}).",
        f"- Peak RSS under 64 MB on the 10x corpus: **{peak_10x:.1f} MB** ({'met' if peak_10x < 64 else 'NOT met'}).",
        f"- `strata check --staged` under {HISTORY_BUDGET * 1000:.0f} ms with {HISTORY_MIGRATIONS:,} migrations and "
        f"{HISTORY_COMMITS[1]:,} commits: **{large * 1000:.1f} ms** ({'met' if large < HISTORY_BUDGET else 'NOT met'}).",
        f"- Its cost does not grow with the commits: {HISTORY_COMMITS[1]:,} commits take **{growth:.2f}x** the time of "
        f"{HISTORY_COMMITS[0]:,} ({'met' if growth <= HISTORY_FLAT else 'NOT met'}, at most {HISTORY_FLAT}x allowed for noise).",
        f"- Floor: `git diff --cached --name-status main -- migrations/` takes **{floor * 1000:.1f} ms** there; "
        f"`strata check --staged` takes **{large / floor:.0f}x** as long (it also reads and lints every migration).",
        "- Tokenizer 200 MB/s on one core:",
        "",
        "```",
        tokenizer,
        "```",
        "",
        "Squawk was installed with `pip install squawk-cli==2.70.0` into `.build-bench/venv`. Reference figures",
        "measured earlier on this kind of machine are in `../shared/corpus/PEERS.md` (Squawk: 0.214 s, 35 MB on set A).",
        "The runs are on a shared 2-core machine: expect 10-30% noise between runs.",
        "",
    ]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
