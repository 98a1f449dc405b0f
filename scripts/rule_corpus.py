#!/usr/bin/env python3
"""Strata's rules on the real migrations of ../shared/corpus, next to Squawk.

    scripts/rule_corpus.py [--sample N] [--seed S]

Lints every corpus file with the `plain` layout (every statement forward) in the dialect
FILES.tsv gives it (a portable file in each dialect it runs on), one run per project and
direction so that each project's schema builds up in order; `preset: all`, so the opt-in rules
count too. Runs Squawk on the same PostgreSQL files and compares by file and line. Prints a
Markdown section (findings per rule per dialect, for every rule `strata rules --format json` lists, with
"—" where a rule does not apply to the dialect; per Squawk rule, how many of its findings Strata
also reports at the same file and line) and, on stderr, a seeded sample of findings to read by
hand: --sample N findings (default 40) drawn round-robin over the rules with findings, so every
such rule is in it once N reaches their number; --seed S (default 20261125) picks them.
STRATA_BIN and SQUAWK_BIN name the binaries (defaults: .build/release/strata, the bench's venv).
"""

import collections
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT.parent / "shared" / "corpus").resolve()
STRATA = Path(os.environ.get("STRATA_BIN", ROOT / ".build" / "release" / "strata")).resolve()
SQUAWK = Path(os.environ.get("SQUAWK_BIN", ROOT / ".build-bench" / "venv" / "bin" / "squawk")).resolve()


def strata_rules():
    """rule id -> the dialects it applies to, from the binary itself."""
    run = subprocess.run([str(STRATA), "rules", "--format", "json"], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"rule_corpus: strata rules failed: {run.stderr.strip()}")
    return {r["id"]: set(r["dialects"]) for r in json.loads(run.stdout)["rules"]}


def corpus_rows():
    rows = []
    with open(CORPUS / "FILES.tsv", encoding="utf-8") as tsv:
        next(tsv)
        for line in tsv:
            path, repo, dialect, runs_on, direction, _ = line.rstrip("\n").split("\t")
            rows.append(dict(path=path, repo=repo, dialect=dialect, runs_on=runs_on.split(","), direction=direction))
    return rows


def groups(rows):
    """(dialect, repo, direction) -> files, each project's files in path order."""
    out = collections.defaultdict(list)
    for r in rows:
        dialects = [r["dialect"]] if r["dialect"] != "portable" else [d for d in ("postgresql", "sqlite") if d in r["runs_on"]]
        direction = "down" if r["direction"] == "down" else "up"
        for d in dialects:
            out[(d, r["repo"], direction)].append(r["path"])
    return {k: sorted(v) for k, v in out.items()}


def strata_findings(rows):
    findings = []
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "strata.yml"
        config.write_text("preset: all\n")
        for (dialect, repo, direction), files in sorted(groups(rows).items()):
            argv = [str(STRATA), "lint", "--config", str(config), "--layout", "plain", "--dialect", dialect,
                    "--format", "json", "--verbose"] + files
            run = subprocess.run(argv, cwd=CORPUS, capture_output=True, text=True)
            if run.returncode not in (0, 1):
                sys.exit(f"rule_corpus: strata failed on {repo} ({dialect}): {run.stderr.strip()}")
            for d in json.loads(run.stdout)["diagnostics"]:
                d.update(dialect=dialect, repo=repo, direction=direction)
                findings.append(d)
    return findings


def squawk_findings(rows):
    files = sorted({r["path"] for r in rows if r["dialect"] == "postgresql" or
                    (r["dialect"] == "portable" and "postgresql" in r["runs_on"])})
    run = subprocess.run([str(SQUAWK), "--reporter", "json"] + files, cwd=CORPUS, capture_output=True, text=True)
    if not run.stdout.strip().startswith("["):
        sys.exit(f"rule_corpus: squawk gave no JSON: {run.stderr.strip()[:300]}")
    # Squawk's lines and columns count from 0.
    return [dict(file=f["file"], line=f["line"] + 1, rule=f["rule_name"]) for f in json.loads(run.stdout)], len(files)


def report(sample_size=40, seed=20261125):
    """(Markdown lines for BENCHMARKS.md, lines of the sample to read by hand)."""
    rows = corpus_rows()
    everything = strata_findings(rows)
    findings = [f for f in everything if f["severity"] != "note"]
    # Notes: a lock or rewrite rule that stayed quiet because the table is new in the file.
    skipped = {(f["file"], f["line"]) for f in everything if f["severity"] == "note"}
    squawk, squawk_files = squawk_findings(rows) if SQUAWK.exists() else ([], 0)

    lines = ["## Rules on the real corpus", "",
             f"Every file of `../shared/corpus` ({len(rows):,} files from {len({r['repo'] for r in rows})} projects) linted with "
             "`--layout plain --preset all` in the dialect FILES.tsv gives (portable files in each dialect they run on), "
             "one run per project and direction so each project's schema builds up in order "
             "(scripts/rule_corpus.py). Every rule `strata rules` lists is here; \"—\" marks a rule that does not "
             "apply to the dialect. The plain layout has no header, sections or migration numbers, so the rules about "
             "those (`missing-metadata`, `invalid-metadata`, `section-markers`, `missing-down`, "
             "`duplicate-migration-number`, `unknown-dependency`, `dependency-cycle`, `destructive-in-rollback-safe`) "
             "do not run, nor do the ones that need git history (`edited-applied-migration`, "
             "`deleted-applied-migration`, `renamed-applied-migration`, `out-of-order-migration`, run by `strata check`): "
             "their 0 says so, not that the corpus is free of what they look for.", "",
             "| rule | PostgreSQL findings | SQLite findings |", "|---|---|---|"]
    counts = collections.Counter((f["rule"], f["dialect"]) for f in findings)
    dialects_of = strata_rules()
    unknown = {f["rule"] for f in findings} - set(dialects_of)
    if unknown:
        sys.exit(f"rule_corpus: findings of rules `strata rules` does not list: {', '.join(sorted(unknown))}")

    def cell(rule, dialect):
        return f"{counts[(rule, dialect)]:,}" if dialect in dialects_of[rule] else "—"
    for rule in sorted(dialects_of):
        lines.append(f"| `{rule}` | {cell(rule, 'postgresql')} | {cell(rule, 'sqlite')} |")
    if squawk:
        at = {(f["file"], f["line"]) for f in findings if f["dialect"] == "postgresql"}
        per_rule = collections.defaultdict(lambda: [0, 0, 0])
        for f in squawk:
            per_rule[f["rule"]][0] += 1
            per_rule[f["rule"]][1] += (f["file"], f["line"]) in at
            per_rule[f["rule"]][2] += (f["file"], f["line"]) not in at and (f["file"], f["line"]) in skipped
        lines += ["", f"Squawk 2.70 on the same {squawk_files:,} PostgreSQL files: per Squawk rule, how many of its findings "
                  "Strata also reports at the same file and line (any Strata rule). The reasons for the rest are in "
                  "docs/rule-precision.md.", "",
                  "| Squawk rule | Squawk findings | also found by Strata | not reported: table new in the file | missed otherwise |",
                  "|---|---|---|---|---|"]
        for rule, (total, both, new) in sorted(per_rule.items(), key=lambda kv: -kv[1][0]):
            lines.append(f"| `{rule}` | {total:,} | {both:,} | {new:,} | {total - both - new:,} |")
    rng = random.Random(seed)
    by_rule = collections.defaultdict(list)
    for f in findings:
        by_rule[f["rule"]].append(f)
    sample = []
    while len(sample) < sample_size and any(by_rule.values()):
        for rule in sorted(by_rule):
            if by_rule[rule] and len(sample) < sample_size:
                sample.append(by_rule[rule].pop(rng.randrange(len(by_rule[rule]))))
    sampled = []
    for f in sample:
        text = (CORPUS / f["file"]).read_text(encoding="utf-8", errors="replace").splitlines()
        line = text[f["line"] - 1].strip() if 0 < f["line"] <= len(text) else ""
        sampled.append(f"{f['rule']}\t{f['dialect']}\t{f['repo']}\t{f['file']}:{f['line']}:{f['column']}\t{f['message']}\t| {line[:120]}")
    return lines, sampled


def main():
    args = sys.argv[1:]
    lines, sampled = report(int(args[args.index("--sample") + 1]) if "--sample" in args else 40,
                            int(args[args.index("--seed") + 1]) if "--seed" in args else 20261125)
    print("\n".join(lines))
    print("\n## Sample to read by hand\n", file=sys.stderr)
    print("\n".join(sampled), file=sys.stderr)


if __name__ == "__main__":
    main()
