"""Shared by the packaging tests: where the release artefacts are, and small helpers.

The tests run after `make dist wheel` (scripts/test.sh does both); a missing artefact is a
failure, never a skip, since the artefacts are what users install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
import strata_wheel  # noqa: E402

DIST = os.path.abspath(os.environ.get("DIST_DIR", os.path.join(ROOT, "dist")))
VERSION = strata_wheel.strata_version(ROOT)
ARCH = os.uname().machine
NAME = f"strata-{VERSION}-linux-{ARCH}"
ARCHIVE = os.path.join(DIST, f"{NAME}.tar.gz")
CHECKSUM = ARCHIVE + ".sha256"

MIGRATION = """\
-- @name: Create notes
-- @description: Adds the notes table
-- @timestamp: 2024-01-01T00:00:00Z
-- @rollbackSafe: true
-- @performanceImpact: low
-- @dependencies: []

-- UP MIGRATION
CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE INDEX idx_notes_body ON notes (body);

-- DOWN MIGRATION
DROP INDEX IF EXISTS idx_notes_body;
DROP TABLE IF EXISTS notes;
"""

# Marked rollback-safe, yet drops a table: `dangerous-in-rollback-safe` at error level.
DANGEROUS_MIGRATION = MIGRATION.replace("CREATE INDEX idx_notes_body ON notes (body);",
                                        "CREATE INDEX idx_notes_body ON notes (body);\nDROP TABLE legacy_notes;")


def run(arguments, cwd=None, env=None, check=False, input=None):
    """Runs a command, capturing text output; `check` raises with both streams on failure."""
    result = subprocess.run(arguments, cwd=cwd, env=env, input=input, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and result.returncode != 0:
        raise AssertionError(f"{arguments} exited {result.returncode}\nstdout:\n{result.stdout}\n"
                             f"stderr:\n{result.stderr}")
    return result


def git(repo, *arguments):
    return run(["git", "-C", repo, *arguments], check=True).stdout


def make_git_repo(path):
    os.makedirs(path, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "tests@example.com")
    git(path, "config", "user.name", "Strata tests")
    git(path, "config", "commit.gpgsign", "false")
    return path


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


class TempDirTestCase(unittest.TestCase):
    """A test with its own temporary folder, removed afterwards."""

    def setUp(self):
        self.temp = tempfile.mkdtemp(prefix="strata-packaging-")
        self.addCleanup(shutil.rmtree, self.temp, True)

    def extract_archive(self):
        """The release archive extracted into the test's folder; returns the unpacked folder."""
        self.assertTrue(os.path.isfile(ARCHIVE), f"{ARCHIVE} is missing: run make dist")
        with tarfile.open(ARCHIVE) as archive:
            archive.extractall(self.temp, filter="data")
        return os.path.join(self.temp, NAME)
