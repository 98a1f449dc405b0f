#!/usr/bin/env python3
"""Generates a git repository for the `strata check` benchmark, deterministically and quickly
(one `git fast-import` stream, not one `git commit` per commit).

    scripts/gen_history_repo.py OUT_DIR --migrations 5000 --commits 20000

`main` holds COMMITS commits. The migrations (Strata layout: migrations/NNNNN_slug.sql with a
full header, UP and DOWN sections) are added in order, spread evenly over the commits (one per
commit, or several when there are fewer commits than migrations); the other commits edit
src/file_K.txt, so the commit count is reached. Then the branch `feature` starts at main's tip
(or --main-ahead commits before it), gets --feature-commits commits of its own, is checked out
with a working tree, and one new migration (number MIGRATIONS + 1) is staged but not committed.

Fixed names, dates and contents: the same arguments give the same commit ids. When everything
is written, OUT_DIR/.git/strata-bench-complete holds the arguments (scripts/bench.py reuses a
repository only when that stamp matches).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

STAMP = "strata-bench-complete"
AUTHOR = b"Strata Bench <bench@example.com>"
EPOCH = 1577836800  # 2020-01-01T00:00:00Z: commit i is dated EPOCH + i * COMMIT_STEP
COMMIT_STEP = 900
SRC_FILES = 200


class Migrations:
    """Migration number n (1-based) and its text; every table has a foreign key to the table
    before it (indexed), with an occasional added column or extra index for variety. Each
    migration depends on the one made before it."""

    def __init__(self):
        self.latest = None
        self.last_table = None

    def state(self):
        return self.latest, self.last_table

    def restore(self, state):
        self.latest, self.last_table = state

    def kind(self, n):
        if n > 1 and n % 7 == 0:
            return "add_note_to"
        if n > 1 and n % 11 == 0:
            return "index_created_at_on"
        return "create"

    def text(self, n):
        kind = self.kind(n)
        table = f"t{n:05d}" if kind == "create" else self.last_table
        mid = f"{n:05d}_{kind}_{table}"
        previous, self.latest = self.latest, mid
        stamp = (datetime(2020, 1, 1, tzinfo=timezone.utc) + timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        deps = f'["{previous}"]' if previous else "[]"
        if kind == "create":
            name, description, impact = f"Create {table}", f"Adds the {table} table", "low"
            if self.last_table:
                fk = f"  parent_id INTEGER NOT NULL REFERENCES {self.last_table} (id) ON DELETE CASCADE,\n"
                index = f"\nCREATE INDEX idx_{table}_parent ON {table} (parent_id);\n"
                drop_index = f"DROP INDEX IF EXISTS idx_{table}_parent;\n"
            else:
                fk = index = drop_index = ""
            up = (f"CREATE TABLE {table} (\n"
                  f"  id INTEGER PRIMARY KEY,\n"
                  f"{fk}"
                  f"  name TEXT NOT NULL,\n"
                  f"  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP\n"
                  f");\n{index}")
            down = f"{drop_index}DROP TABLE IF EXISTS {table};\n"
            self.last_table = table
        elif kind == "add_note_to":
            target = table
            name, description, impact = f"Add a note to {target}", f"Free-text note on {target} rows", "low"
            up = f"ALTER TABLE {target} ADD COLUMN note TEXT;\n"
            down = f"ALTER TABLE {target} DROP COLUMN note;\n"
        else:
            target = table
            name, description, impact = f"Index {target} by creation time", f"Speeds up recent-first lists of {target}", "medium"
            up = f"CREATE INDEX idx_{target}_created_at ON {target} (created_at);\n"
            down = f"DROP INDEX IF EXISTS idx_{target}_created_at;\n"
        text = (f"-- @name: {name}\n"
                f"-- @description: {description}\n"
                f"-- @timestamp: {stamp}\n"
                f"-- @rollbackSafe: true\n"
                f"-- @performanceImpact: {impact}\n"
                f"-- @dependencies: {deps}\n"
                f"\n"
                f"-- UP MIGRATION\n"
                f"{up}\n"
                f"-- DOWN MIGRATION\n"
                f"{down}")
        return f"migrations/{mid}.sql", text.encode()


def data(payload):
    return b"data %d\n%s\n" % (len(payload), payload)


def commit(out, ref, number, message, files):
    when = EPOCH + number * COMMIT_STEP
    out.append(b"commit %s\n" % ref)
    out.append(b"author %s %d +0000\n" % (AUTHOR, when))
    out.append(b"committer %s %d +0000\n" % (AUTHOR, when))
    out.append(data(message.encode()))
    for path, payload in files:
        out.append(b"M 100644 inline %s\n" % path.encode())
        out.append(data(payload))
    out.append(b"\n")


def src_edit(number, edit):
    """Edit number `edit` (0, 1, ...) of the SRC_FILES other files, in commit `number` (a few
    lines that change every time)."""
    k = edit % SRC_FILES
    lines = [f"file {k}, revision {number}"] + [f"line {j}: {(number * 31 + j * 17) % 1000}" for j in range(8)]
    return f"src/file_{k}.txt", ("\n".join(lines) + "\n").encode()


def generate(out_dir, migrations, commits, main_ahead, feature_commits):
    if commits < 1 or migrations < 1:
        sys.exit("gen_history_repo: --commits and --migrations must be at least 1")
    if main_ahead >= commits:
        sys.exit("gen_history_repo: --main-ahead must be smaller than --commits")
    git = ["git", "-C", str(out_dir), "-c", "core.autocrlf=false"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(out_dir)], check=True)
    subprocess.run(git + ["config", "gc.auto", "0"], check=True)  # no background gc during the runs

    gen = Migrations()
    stream = []
    # Migrations 1..M go to commits so that commit i (0-based) adds those with
    # floor(i * M / C) <= index < floor((i + 1) * M / C); commit 0 also adds the README.
    fork = commits - main_ahead  # feature starts after this many main commits
    edits = 0
    for i in range(commits):
        first, last = i * migrations // commits, (i + 1) * migrations // commits
        files = [gen.text(n + 1) for n in range(first, last)]
        if i == 0:
            files.append(("README.md", b"# Generated for the strata check benchmark\n"))
        if files and i > 0:
            message = f"Migration {first + 1:05d}" + (f" to {last:05d}" if last - first > 1 else "")
        elif i == 0:
            message = "Initial commit"
        else:
            files = [src_edit(i, edits)]
            edits += 1
            message = f"Edit {files[0][0]} (commit {i})"
        commit(stream, b"refs/heads/main", i, message, files)
        if i + 1 == fork:
            at_fork = gen.state()
            stream.append(b"reset refs/heads/feature\nfrom refs/heads/main\n\n")
    for j in range(feature_commits):
        number = commits + j
        path, payload = src_edit(number, edits)
        edits += 1
        commit(stream, b"refs/heads/feature", number, f"Feature work {j + 1} on {path}", [(path, payload)])
    stream.append(b"done\n")

    subprocess.run(git + ["fast-import", "--quiet", "--done"], input=b"".join(stream), check=True)
    subprocess.run(git + ["symbolic-ref", "HEAD", "refs/heads/feature"], check=True)
    # What a clone holds: one pack with git's own choice of deltas (fast-import's are poorer),
    # and a commit-graph, as `git gc` writes.
    subprocess.run(git + ["repack", "-a", "-d", "-f", "-q"], check=True)
    subprocess.run(git + ["commit-graph", "write", "--reachable", "--no-progress"], check=True)
    subprocess.run(git + ["reset", "-q", "--hard"], check=True)
    # The checkout and the index were written in the same second, so git would take every entry
    # for racily clean and compare contents on each `git diff`: date the files a minute back and
    # refresh the index, as an index in daily use would be.
    past = time.time() - 60
    for dirpath, dirs, names in os.walk(out_dir):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            os.utime(os.path.join(dirpath, name), (past, past))

    # The staged migration builds on the last one feature holds; its number follows main's last.
    gen.restore(at_fork)
    path, payload = gen.text(migrations + 1)
    (out_dir / path).write_bytes(payload)
    os.utime(out_dir / path, (past, past))
    subprocess.run(git + ["update-index", "-q", "--refresh"], check=True)
    subprocess.run(git + ["add", path], check=True)
    (out_dir / ".git" / STAMP).write_text(stamp_text(migrations, commits, main_ahead, feature_commits))
    return path


def stamp_text(migrations, commits, main_ahead=0, feature_commits=0):
    return f"v2 migrations={migrations} commits={commits} main_ahead={main_ahead} feature_commits={feature_commits}\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--migrations", type=int, default=5000)
    parser.add_argument("--commits", type=int, default=20000)
    parser.add_argument("--main-ahead", type=int, default=0, help="main commits after the fork point (default 0)")
    parser.add_argument("--feature-commits", type=int, default=0, help="commits on feature before the staged file (default 0)")
    parser.add_argument("--force", action="store_true", help="replace OUT_DIR if it exists")
    args = parser.parse_args()
    out_dir = args.out_dir.resolve()
    if out_dir.exists():
        if not args.force and any(out_dir.iterdir()):
            sys.exit(f"gen_history_repo: {out_dir} exists and is not empty (use --force to replace it)")
        shutil.rmtree(out_dir)
    staged = generate(out_dir, args.migrations, args.commits, args.main_ahead, args.feature_commits)
    print(f"gen_history_repo: {out_dir}: {args.commits} commits on main, {args.migrations} migrations, "
          f"feature checked out with {staged} staged")


if __name__ == "__main__":
    main()
