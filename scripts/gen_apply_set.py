#!/usr/bin/env python3
"""The migration set of the apply benchmark (`scripts/bench.py --apply`).

usage: scripts/gen_apply_set.py OUT [--count N] [--corpus DIR]

Runs ../shared/corpus/tools/gen_synthetic.py (the set PEERS.md timed dbmate with) into OUT, which
writes OUT/db/migrations/ (dbmate), OUT/all_up.sql and OUT/all_up_tx.sql (the floors), and writes
OUT/all_up_per_migration.sql (each migration's up section in its own BEGIN; ... COMMIT;, the floor of
applying them one transaction each) and the same SQL in Strata's format:

    OUT/strata/strata.yml                                 migrations: migrations
    OUT/strata/migrations/NNNN_create_t_N.sql             full header, UP = dbmate's up section,
                                                          DOWN = dbmate's down section

The migrations declare `@dependencies: []`, so they apply in id order, as dbmate applies them in
version order. OUT/.complete records the count, so callers can skip a set that is already there.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path(os.environ.get("STRATA_CORPUS", ROOT.parent / "shared" / "corpus"))
STAMP = ".complete"
BASE_TIME = datetime(2024, 1, 1, tzinfo=timezone.utc)
DBMATE_NAME = re.compile(r"^(\d+)_create_t_(\d+)\.sql$")


def stamp_text(count):
    return f"apply set v2, {count} migrations\n"


def split_dbmate(text, path):
    """The up and down sections of one dbmate file."""
    up_marker, down_marker = "-- migrate:up\n", "-- migrate:down\n"
    if not text.startswith(up_marker) or down_marker not in text:
        sys.exit(f"gen_apply_set: {path}: not a dbmate file with up and down sections")
    up, down = text[len(up_marker):].split(down_marker, 1)
    return up.strip("\n") + "\n", down.strip("\n") + "\n"


def strata_file(n, up, down):
    timestamp = (BASE_TIME + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"-- @name: Create t_{n}\n"
        f"-- @description: Synthetic benchmark table t_{n} with an index on name"
        f"{f' and a foreign key to t_{n - 1}' if n > 1 else ''}\n"
        f"-- @timestamp: {timestamp}\n"
        f"-- @rollbackSafe: true\n"
        f"-- @performanceImpact: low\n"
        f"-- @dependencies: []\n"
        f"\n"
        f"-- UP MIGRATION\n"
        f"{up}\n"
        f"-- DOWN MIGRATION\n"
        f"{down}"
    ), f"{n:04d}_create_t_{n}.sql"


def generate(out, count, corpus=DEFAULT_CORPUS):
    out = Path(out)
    tool = corpus / "tools" / "gen_synthetic.py"
    if not tool.exists():
        sys.exit(f"gen_apply_set: {tool} missing")
    if count > 9999:
        sys.exit("gen_apply_set: at most 9,999 migrations (four-digit ids)")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    subprocess.run([sys.executable, str(tool), str(out), str(count)], check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(out / "sqitch", ignore_errors=True)  # gen_synthetic's Sqitch project: not timed here
    dbmate = out / "db" / "migrations"
    strata = out / "strata" / "migrations"
    strata.mkdir(parents=True)
    (out / "strata" / "strata.yml").write_text("migrations: migrations\n")
    seen = 0
    per_migration = []
    for path in sorted(dbmate.iterdir()):
        match = DBMATE_NAME.match(path.name)
        if not match:
            sys.exit(f"gen_apply_set: unexpected file {path}")
        up, down = split_dbmate(path.read_text(), path)
        text, name = strata_file(int(match.group(2)), up, down)
        (strata / name).write_text(text)
        per_migration.append(f"BEGIN;\n{up}COMMIT;\n")
        seen += 1
    if seen != count:
        sys.exit(f"gen_apply_set: gen_synthetic.py wrote {seen} migrations, expected {count}")
    (out / "all_up_per_migration.sql").write_text("".join(per_migration))
    (out / STAMP).write_text(stamp_text(count))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    out = generate(args.out, args.count, args.corpus)
    print(f"gen_apply_set: {args.count} migrations in {out}/db/migrations (dbmate) and {out}/strata/migrations (strata); "
          f"floors {out}/all_up.sql, all_up_tx.sql, all_up_per_migration.sql")


if __name__ == "__main__":
    main()
