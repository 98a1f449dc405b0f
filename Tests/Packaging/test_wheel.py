"""`make wheel` and the pre-commit hooks: a Python user gets `strata` without Swift."""

from __future__ import annotations

import glob
import os
import shutil
import sys
import zipfile

from support import DIST, MIGRATION, DANGEROUS_MIGRATION, ROOT, VERSION
from support import TempDirTestCase, git, make_git_repo, run, write


def the_wheel():
    wheels = glob.glob(os.path.join(DIST, f"strata_migrations-{VERSION}-py3-none-manylinux_2_*_{os.uname().machine}.whl"))
    assert len(wheels) == 1, f"expected one strata_migrations {VERSION} wheel in {DIST} (run make wheel), found {wheels}"
    return wheels[0]


class WheelTests(TempDirTestCase):
    def make_venv(self, name):
        venv = os.path.join(self.temp, name)
        run([sys.executable, "-m", "venv", venv], check=True)
        return venv

    def test_wheel_holds_the_archive_binary_as_a_script_with_a_true_record(self):
        with zipfile.ZipFile(the_wheel()) as wheel:
            names = set(wheel.namelist())
            self.assertIn(f"strata_migrations-{VERSION}.data/scripts/strata", names)
            record = wheel.read(f"strata_migrations-{VERSION}.dist-info/RECORD").decode()
            metadata = wheel.read(f"strata_migrations-{VERSION}.dist-info/METADATA").decode()
        self.assertIn(f"Version: {VERSION}", metadata)
        self.assertIn("Name: strata-migrations", metadata)
        recorded = {line.split(",")[0] for line in record.splitlines() if line}
        self.assertEqual(recorded, names)

    def test_pip_install_into_a_fresh_venv_gives_a_working_strata_and_uninstall_removes_it(self):
        venv = self.make_venv("venv")
        run([os.path.join(venv, "bin", "pip"), "install", "--no-index", "--quiet", the_wheel()], check=True)
        strata = os.path.join(venv, "bin", "strata")
        self.assertEqual(run([strata, "--version"], check=True).stdout.strip(), VERSION)
        module = run([os.path.join(venv, "bin", "python"), "-m", "strata_migrations", "--version"], check=True)
        self.assertEqual(module.stdout.strip(), VERSION)

        project = os.path.join(self.temp, "project")
        write(os.path.join(project, "migrations", "0001_create_notes.sql"), MIGRATION)
        environment = {"PATH": os.path.join(venv, "bin") + ":/usr/bin:/bin", "HOME": self.temp}
        self.assertEqual(run(["strata", "lint"], cwd=project, env=environment).returncode, 0)
        up = run(["strata", "up"], cwd=project, env=environment)
        self.assertEqual(up.returncode, 0, up.stdout + up.stderr)
        self.assertTrue(os.path.isfile(os.path.join(project, "data", "app.db")))

        run([os.path.join(venv, "bin", "pip"), "uninstall", "--yes", "--quiet", "strata-migrations"], check=True)
        self.assertFalse(os.path.exists(strata))


class PreCommitHookTests(TempDirTestCase):
    """The repository's `language: python` hooks, run by the real pre-commit framework."""

    def setUp(self):
        super().setUp()
        tools = os.path.join(self.temp, "tools")
        run([sys.executable, "-m", "venv", tools], check=True)
        # pre-commit itself comes from PyPI; the hooks' own installs below use only dist/.
        run([os.path.join(tools, "bin", "pip"), "install", "--quiet", "pre-commit"], check=True)
        self.pre_commit = os.path.join(tools, "bin", "pre-commit")

    def hook_repository(self):
        """A git repository holding what pre-commit reads of ours, as a release tag would."""
        hooks = make_git_repo(os.path.join(self.temp, "hooks"))
        for path in [".pre-commit-hooks.yaml", "pyproject.toml", "python/strata_wheel.py",
                     "Sources/strata/Strata.swift", "LICENSE"]:
            target = os.path.join(hooks, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(os.path.join(ROOT, path), target)
        git(hooks, "add", "-A")
        git(hooks, "commit", "-q", "-m", "hooks")
        git(hooks, "tag", f"v{VERSION}")
        return hooks

    def test_hooks_install_the_wheel_and_block_a_commit_with_findings(self):
        the_wheel()
        hooks = self.hook_repository()
        project = make_git_repo(os.path.join(self.temp, "project"))
        write(os.path.join(project, ".pre-commit-config.yaml"),
              f"repos:\n  - repo: {hooks}\n    rev: v{VERSION}\n    hooks:\n"
              "      - id: strata-check\n      - id: strata-lint\n")
        environment = dict(os.environ)
        environment.update({
            "PRE_COMMIT_HOME": os.path.join(self.temp, "pre-commit-cache"),
            # Hermetic: the hook environment is built from the wheel in dist/ only.
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": DIST,
        })
        environment.pop("VIRTUAL_ENV", None)
        run([self.pre_commit, "install"], cwd=project, env=environment, check=True)

        write(os.path.join(project, "migrations", "0001_create_notes.sql"), MIGRATION)
        git(project, "add", "-A")
        good = run(["git", "commit", "-m", "notes"], cwd=project, env=environment)
        self.assertEqual(good.returncode, 0, good.stdout + good.stderr)
        self.assertIn("strata check", good.stdout + good.stderr)
        self.assertIn("Passed", good.stdout + good.stderr)
        # The hook ran the wheel's binary, not one from PATH.
        installed = run(["find", environment["PRE_COMMIT_HOME"], "-path", "*/bin/strata"], check=True).stdout
        self.assertTrue(installed.strip(), "no strata binary in pre-commit's hook environment")

        write(os.path.join(project, "migrations", "0002_drop_legacy.sql"), DANGEROUS_MIGRATION)
        git(project, "add", "-A")
        bad = run(["git", "commit", "-m", "drop legacy"], cwd=project, env=environment)
        self.assertNotEqual(bad.returncode, 0, bad.stdout + bad.stderr)
        self.assertIn("0002_drop_legacy.sql", bad.stdout + bad.stderr)
        self.assertIn("Failed", bad.stdout + bad.stderr)
        self.assertEqual(git(project, "rev-list", "--count", "HEAD").strip(), "1")
