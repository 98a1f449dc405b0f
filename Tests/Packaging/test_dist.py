"""`make dist`: the release archive installs and runs without Swift."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import tarfile

from support import ARCHIVE, CHECKSUM, DIST, MIGRATION, DANGEROUS_MIGRATION, NAME, VERSION
from support import TempDirTestCase, run, write


def subcommand_names(binary):
    """Top-level subcommands a user sees, as the binary's own parser describes them (hidden
    ones, such as the docs generator, get no completion or manual entry)."""
    dump = json.loads(run([binary, "--experimental-dump-help"], check=True).stdout)
    return [command["commandName"] for command in dump["command"]["subcommands"]
            if command["commandName"] != "help" and command.get("shouldDisplay", True)]


class ReleaseArchiveTests(TempDirTestCase):
    def test_checksum_file_is_in_sha256sum_format_and_catches_a_damaged_archive(self):
        self.assertTrue(os.path.isfile(CHECKSUM), f"{CHECKSUM} is missing: run make dist")
        with open(CHECKSUM, encoding="utf-8") as handle:
            digest, name = handle.read().split()
        self.assertEqual(name, os.path.basename(ARCHIVE))
        self.assertEqual(len(digest), 64)
        run(["sha256sum", "--check", "--strict", os.path.basename(CHECKSUM)], cwd=DIST, check=True)

        damaged = os.path.join(self.temp, os.path.basename(ARCHIVE))
        with open(ARCHIVE, "rb") as source, open(damaged, "wb") as target:
            data = bytearray(source.read())
            data[len(data) // 2] ^= 0xFF
            target.write(data)
        with open(CHECKSUM, encoding="utf-8") as source:
            write(os.path.join(self.temp, os.path.basename(CHECKSUM)), source.read())
        result = run(["sha256sum", "--check", "--strict", os.path.basename(CHECKSUM)], cwd=self.temp)
        self.assertNotEqual(result.returncode, 0)

    def test_archive_holds_the_binary_licence_readme_completions_and_man_page_in_one_folder(self):
        with tarfile.open(ARCHIVE) as archive:
            members = {member.name: member for member in archive.getmembers()}
        files = {name for name, member in members.items() if member.isfile()}
        expected = {f"{NAME}/{path}" for path in [
            "strata", "LICENSE", "README.md", "CHANGELOG.md", "completions/strata.bash",
            "completions/_strata", "completions/strata.fish", "man/strata.1"]}
        self.assertEqual(files, expected)
        self.assertTrue(all(name == NAME or name.startswith(NAME + "/") for name in members))
        self.assertTrue(members[f"{NAME}/strata"].mode & stat.S_IXUSR)
        self.assertTrue(all(member.uid == 0 and member.gid == 0 for member in members.values()))

    def test_binary_carries_the_swift_runtime_and_needs_no_toolchain_library(self):
        binary = os.path.join(self.extract_archive(), "strata")
        libraries = run(["ldd", binary], check=True).stdout
        self.assertNotIn("libswift", libraries)
        self.assertNotIn("libFoundation", libraries)
        self.assertNotIn("/swift/", libraries)
        self.assertNotIn("not found", libraries)
        # libgit2 and libpq are opened on first use, not linked.
        self.assertNotIn("libgit2", libraries)
        self.assertNotIn("libpq", libraries)

    def test_binary_runs_version_lint_and_up_with_an_empty_environment(self):
        binary = os.path.join(self.extract_archive(), "strata")
        for flag in ["--version", "-V"]:
            result = run(["env", "-i", binary, flag], check=True)
            self.assertEqual(result.stdout.strip(), VERSION)

        project = os.path.join(self.temp, "project")
        write(os.path.join(project, "migrations", "0001_create_notes.sql"), MIGRATION)
        lint = run(["env", "-i", binary, "lint"], cwd=project)
        self.assertEqual(lint.returncode, 0, lint.stdout + lint.stderr)

        up = run(["env", "-i", binary, "up"], cwd=project)
        self.assertEqual(up.returncode, 0, up.stdout + up.stderr)
        database = sqlite3.connect(os.path.join(project, "data", "app.db"))
        self.addCleanup(database.close)
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        self.assertIn("notes", tables)
        status = run(["env", "-i", binary, "status"], cwd=project, check=True)
        self.assertIn("0001_create_notes", status.stdout)
        self.assertIn("applied", status.stdout)

        write(os.path.join(project, "migrations", "0002_drop_legacy.sql"), DANGEROUS_MIGRATION)
        findings = run(["env", "-i", binary, "lint"], cwd=project)
        self.assertEqual(findings.returncode, 1, findings.stdout + findings.stderr)
        self.assertIn("0002_drop_legacy.sql", findings.stdout)

    def test_completions_and_man_page_cover_every_subcommand_of_the_binary(self):
        folder = self.extract_archive()
        binary = os.path.join(folder, "strata")
        names = subcommand_names(binary)
        self.assertIn("lint", names)
        bash = os.path.join(folder, "completions", "strata.bash")
        run(["bash", "-n", bash], check=True)
        with open(bash, encoding="utf-8") as handle:
            bash_text = handle.read()
        with open(os.path.join(folder, "completions", "_strata"), encoding="utf-8") as handle:
            zsh_text = handle.read()
        with open(os.path.join(folder, "completions", "strata.fish"), encoding="utf-8") as handle:
            fish_text = handle.read()
        with open(os.path.join(folder, "man", "strata.1"), encoding="utf-8") as handle:
            man_text = handle.read()
        self.assertTrue(zsh_text.startswith("#compdef strata"))
        self.assertTrue("complete -c 'strata'" in fish_text, "fish completion completes no strata")
        self.assertTrue(".Dt STRATA 1" in man_text, "man page has no STRATA(1) title")
        for name in names:
            self.assertTrue(name in bash_text, f"bash completion lacks {name}")
            self.assertTrue(f"_strata_{name}()" in zsh_text, f"zsh completion lacks {name}")
            self.assertTrue(f"-fa '{name}'" in fish_text, f"fish completion lacks {name}")
            self.assertTrue(f".It Em {name}" in man_text, f"man page lacks {name}")
