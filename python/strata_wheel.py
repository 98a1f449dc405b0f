"""Wheels for Strata, with the standard library only.

Two wheels come out of this file:

* the *binary* wheel (`make wheel`, `python3 python/strata_wheel.py binary ...`):
  `strata_migrations-<version>-py3-none-manylinux_2_<N>_<arch>.whl`, holding the release binary
  as a script (pip puts it on the venv's PATH as `strata`, the way ruff's and Squawk's wheels
  do) and a small `strata_migrations` package for `python -m strata_migrations`;
* the *hooks* wheel: this file is also the in-tree PEP 517 build backend named by the
  repository's `pyproject.toml`. pre-commit installs a `language: python` hook repository with
  `pip install .`; that builds a metadata-only wheel `strata-pre-commit-hooks` whose one
  requirement is `strata-migrations==<version>`, so the binary wheel is what pre-commit users
  get, and nothing needs Swift or a network fetch of build tools (`requires = []`).

The version is read from `Sources/strata/Strata.swift`, the one place it lives.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY_DISTRIBUTION = "strata-migrations"
HOOKS_DISTRIBUTION = "strata-pre-commit-hooks"
SUMMARY = "Strata: a guard for SQL schema migrations (lint, git history checks, apply)"


def strata_version(root: str = ROOT) -> str:
    """The version from `static let version = "..."` in Sources/strata/Strata.swift."""
    path = os.path.join(root, "Sources", "strata", "Strata.swift")
    with open(path, encoding="utf-8") as source:
        match = re.search(r'static let version = "([^"]+)"', source.read())
    if not match:
        raise RuntimeError(f"{path}: no `static let version`")
    return match.group(1)


def _normalized(distribution: str) -> str:
    return re.sub(r"[-_.]+", "_", distribution).lower()


class WheelWriter:
    """Writes a wheel: files in order, then RECORD with each file's hash and size.

    Every entry gets the same timestamp (`date_time`), so the same inputs give the same bytes.
    """

    def __init__(self, path: str, date_time: tuple[int, int, int, int, int, int]):
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self._date_time = date_time
        self._records: list[str] = []

    def add(self, name: str, data: bytes, executable: bool = False) -> None:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        mode = 0o755 if executable else 0o644
        info.external_attr = (stat.S_IFREG | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        self._records.append(f"{name},sha256={digest},{len(data)}")

    def close(self, record_name: str) -> None:
        body = "\n".join(self._records + [f"{record_name},,"]) + "\n"
        info = zipfile.ZipInfo(record_name, date_time=self._date_time)
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        self._zip.writestr(info, body.encode())
        self._zip.close()


def _metadata(distribution: str, version: str, requires: list[str], description: str) -> bytes:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {distribution}",
        f"Version: {version}",
        f"Summary: {SUMMARY}",
        "License: Apache-2.0",
        "Requires-Python: >=3.8",
        "Classifier: License :: OSI Approved :: Apache Software License",
        "Classifier: Operating System :: POSIX :: Linux",
        "Classifier: Topic :: Database",
    ]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    lines += ["Description-Content-Type: text/markdown", "", description]
    return ("\n".join(lines) + "\n").encode()


def _wheel_file(tag: str, purelib: bool) -> bytes:
    return (
        "Wheel-Version: 1.0\n"
        "Generator: strata_wheel\n"
        f"Root-Is-Purelib: {'true' if purelib else 'false'}\n"
        f"Tag: {tag}\n"
    ).encode()


def glibc_tag(binary: bytes, machine: str) -> str:
    """`manylinux_2_<N>_<arch>`, N the newest GLIBC_2.N symbol version the binary asks for."""
    minors = [int(m) for m in re.findall(rb"GLIBC_2\.(\d+)", binary)]
    if not minors:
        raise RuntimeError("the binary names no GLIBC symbol version: not a glibc Linux binary")
    return f"manylinux_2_{max(minors)}_{machine}"


def _date_time(date: str) -> tuple[int, int, int, int, int, int]:
    year, month, day = (int(part) for part in date.split("-"))
    return (year, month, day, 0, 0, 0)


def build_binary_wheel(binary_path: str, out_dir: str, date: str, machine: str,
                       license_path: str, readme_path: str, root: str = ROOT) -> str:
    """The binary wheel; returns its path."""
    version = strata_version(root)
    with open(binary_path, "rb") as handle:
        binary = handle.read()
    tag = f"py3-none-{glibc_tag(binary, machine)}"
    package = _normalized(BINARY_DISTRIBUTION)
    name = f"{package}-{version}"
    path = os.path.join(out_dir, f"{name}-{tag}.whl")
    with open(readme_path, encoding="utf-8") as handle:
        readme = handle.read()
    with open(license_path, "rb") as handle:
        licence = handle.read()
    sources = os.path.join(os.path.dirname(os.path.abspath(__file__)), package)

    os.makedirs(out_dir, exist_ok=True)
    wheel = WheelWriter(path, _date_time(date))
    for module in sorted(os.listdir(sources)):
        if module.endswith(".py"):
            with open(os.path.join(sources, module), "rb") as handle:
                wheel.add(f"{package}/{module}", handle.read())
    wheel.add(f"{name}.data/scripts/strata", binary, executable=True)
    wheel.add(f"{name}.dist-info/METADATA", _metadata(BINARY_DISTRIBUTION, version, [], readme))
    wheel.add(f"{name}.dist-info/WHEEL", _wheel_file(tag, purelib=False))
    wheel.add(f"{name}.dist-info/LICENSE", licence)
    wheel.close(f"{name}.dist-info/RECORD")
    return path


def _hooks_wheel(out_dir: str, root: str = ROOT) -> str:
    version = strata_version(root)
    name = f"{_normalized(HOOKS_DISTRIBUTION)}-{version}"
    filename = f"{name}-py3-none-any.whl"
    description = (
        "What pre-commit installs for Strata's `language: python` hooks: it only requires "
        f"{BINARY_DISTRIBUTION}=={version}, the wheel holding the `strata` binary."
    )
    wheel = WheelWriter(os.path.join(out_dir, filename), (2024, 1, 1, 0, 0, 0))
    requires = [f"{BINARY_DISTRIBUTION}=={version}"]
    wheel.add(f"{name}.dist-info/METADATA", _metadata(HOOKS_DISTRIBUTION, version, requires, description))
    wheel.add(f"{name}.dist-info/WHEEL", _wheel_file("py3-none-any", purelib=True))
    wheel.close(f"{name}.dist-info/RECORD")
    return filename


# PEP 517 hooks (the backend of the repository's pyproject.toml).

def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _hooks_wheel(wheel_directory)


def main(arguments: list[str]) -> int:
    usage = "usage: strata_wheel.py binary BINARY OUT_DIR DATE MACHINE LICENSE README"
    if len(arguments) != 7 or arguments[0] != "binary":
        print(usage, file=sys.stderr)
        return 64
    path = build_binary_wheel(*arguments[1:])
    print(f"wheel: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
