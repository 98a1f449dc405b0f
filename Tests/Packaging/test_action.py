"""action.yml's steps, run here as GitHub would: GITHUB_* variables set by hand and the
release archive served over HTTP from a local folder."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading

from support import ARCHIVE, CHECKSUM, DANGEROUS_MIGRATION, MIGRATION, ROOT, VERSION
from support import TempDirTestCase, git, make_git_repo, run, write


class ActionTests(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.releases = os.path.join(self.temp, "releases", f"v{VERSION}")
        os.makedirs(self.releases)
        for path in [ARCHIVE, CHECKSUM]:
            shutil.copy(path, self.releases)
        handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                    directory=os.path.join(self.temp, "releases"))
        handler.log_message = lambda *arguments: None
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.runner_temp = os.path.join(self.temp, "runner")
        os.makedirs(self.runner_temp)
        self.files = {name: os.path.join(self.temp, name) for name in ["path", "output", "summary"]}
        for path in self.files.values():
            write(path, "")

    def github_environment(self, **step):
        environment = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": self.temp,
            "RUNNER_TEMP": self.runner_temp,
            "GITHUB_ACTION_PATH": ROOT,
            "GITHUB_PATH": self.files["path"],
            "GITHUB_OUTPUT": self.files["output"],
            "GITHUB_STEP_SUMMARY": self.files["summary"],
            "STRATA_ACTION_REPOSITORY": "strata-migrations/strata",
            "STRATA_ACTION_REF": f"v{VERSION}",
        }
        environment.update(step)
        return environment

    def install(self, **step):
        step.setdefault("STRATA_DOWNLOAD_URL", f"http://127.0.0.1:{self.server.server_address[1]}")
        return run(["bash", os.path.join(ROOT, "action", "install.sh")], cwd=self.temp,
                   env=self.github_environment(**step))

    def read(self, name):
        with open(self.files[name], encoding="utf-8") as handle:
            return handle.read()

    def project_with_a_dangerous_migration_on_a_branch(self):
        project = make_git_repo(os.path.join(self.temp, "project"))
        write(os.path.join(project, "migrations", "0001_create_notes.sql"), MIGRATION)
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", "notes")
        git(project, "checkout", "-q", "-b", "feature")
        write(os.path.join(project, "migrations", "0002_drop_legacy.sql"), DANGEROUS_MIGRATION)
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", "drop legacy")
        return project

    def check(self, project, **step):
        installed = self.read("path").strip()
        environment = self.github_environment(**step)
        environment["PATH"] = installed + ":" + environment["PATH"]
        environment.setdefault("STRATA_SARIF_FILE", "strata.sarif")
        return run(["bash", os.path.join(ROOT, "action", "check.sh")], cwd=project, env=environment)

    def test_every_variable_a_step_script_reads_is_set_by_that_step_in_action_yml(self):
        with open(os.path.join(ROOT, "action.yml"), encoding="utf-8") as handle:
            steps = handle.read().split("\n    - name: ")[1:]
        self.assertEqual(len(steps), 2)
        for step in steps:
            script = re.search(r'action/(\w+\.sh)', step).group(1)
            with open(os.path.join(ROOT, "action", script), encoding="utf-8") as handle:
                read = set(re.findall(r"\b(STRATA_[A-Z_]+)", handle.read()))
            given = set(re.findall(r"^\s+(STRATA_[A-Z_]+):", step, re.MULTILINE))
            self.assertEqual(read - given - {"STRATA_RULE_DOCS_URL"}, set(), script)
            self.assertEqual(given - read, set(), script)

    def test_installs_the_release_of_the_action_tag_and_checks_the_pull_request(self):
        install = self.install(STRATA_VERSION="")
        self.assertEqual(install.returncode, 0, install.stdout + install.stderr)
        installed = self.read("path").strip()
        self.assertEqual(run([os.path.join(installed, "strata"), "--version"], check=True).stdout.strip(), VERSION)

        project = self.project_with_a_dangerous_migration_on_a_branch()
        result = self.check(project, STRATA_BASE_REF="main", STRATA_FAIL_ON="error")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertRegex(result.stdout, r"::error file=migrations/0002_drop_legacy\.sql,line=\d+")
        self.assertNotIn("0001_create_notes", result.stdout)

        with open(os.path.join(project, "strata.sarif"), encoding="utf-8") as handle:
            sarif = json.load(handle)
        results = sarif["runs"][0]["results"]
        self.assertTrue(results)
        rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        link = f"https://github.com/strata-migrations/strata/blob/v{VERSION}/docs/rules/"
        self.assertTrue(all(rule["helpUri"].startswith(link) for rule in rules))
        self.assertIn("sarif-file=strata.sarif", self.read("output"))

        summary = self.read("summary")
        self.assertIn("0002_drop_legacy.sql", summary)
        self.assertIn("|", summary)
        self.assertIn(link, summary)

    def test_fail_on_never_reports_but_passes_and_fail_on_warning_is_passed_through(self):
        self.assertEqual(self.install(STRATA_VERSION=VERSION).returncode, 0)
        project = self.project_with_a_dangerous_migration_on_a_branch()
        never = self.check(project, STRATA_BASE_REF="main", STRATA_FAIL_ON="never")
        self.assertEqual(never.returncode, 0, never.stdout + never.stderr)
        self.assertIn("::error file=migrations/0002_drop_legacy.sql", never.stdout)
        wrong = self.check(project, STRATA_BASE_REF="main", STRATA_FAIL_ON="sometimes")
        self.assertEqual(wrong.returncode, 2)
        self.assertIn("fail-on must be error, warning or never", wrong.stdout)

    def test_a_damaged_archive_is_refused_and_nothing_is_put_on_path(self):
        with open(os.path.join(self.releases, os.path.basename(ARCHIVE)), "r+b") as handle:
            handle.seek(1000)
            byte = handle.read(1)
            handle.seek(1000)
            handle.write(bytes([byte[0] ^ 0xFF]))
        result = self.install(STRATA_VERSION=VERSION)
        self.assertEqual(result.returncode, 2)
        self.assertIn("::error title=strata install::checksum mismatch", result.stdout)
        self.assertEqual(self.read("path"), "")

    def test_a_branch_ref_without_a_version_input_is_a_clear_error(self):
        result = self.install(STRATA_VERSION="", STRATA_ACTION_REF="main")
        self.assertEqual(result.returncode, 2)
        self.assertIn("set the action's 'version' input", result.stdout)
        missing = self.install(STRATA_VERSION="9.9.9")
        self.assertEqual(missing.returncode, 2)
        self.assertIn("could not download", missing.stdout)
