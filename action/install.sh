#!/usr/bin/env bash
# Step 1 of action.yml: download the release archive, verify its checksum, put `strata` on PATH.
# Inputs come as environment variables (STRATA_VERSION, STRATA_DOWNLOAD_URL and the action's
# own repository and ref), so this script runs the same outside GitHub in the tests.
set -euo pipefail

fail() { echo "::error title=strata install::$*"; exit 2; }

version="${STRATA_VERSION:-}"
if [ -z "$version" ]; then
    # `uses: strata-migrations/strata@v0.1.0` installs 0.1.0.
    ref="${STRATA_ACTION_REF:-}"
    if [[ "$ref" =~ ^v?([0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?)$ ]]; then
        version="${BASH_REMATCH[1]}"
    else
        fail "no version: set the action's 'version' input (the action ref '${ref:-none}' is not a release tag)"
    fi
fi
version="${version#v}"

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) arch=x86_64 ;;
    Linux-aarch64 | Linux-arm64) arch=aarch64 ;;
    *) fail "no Strata release for $(uname -s) $(uname -m); Strata ships Linux x86_64 and aarch64 archives" ;;
esac

base="${STRATA_DOWNLOAD_URL:-}"
if [ -z "$base" ]; then
    [ -n "${STRATA_ACTION_REPOSITORY:-}" ] || fail "no download-url input and no action repository to take releases from"
    base="https://github.com/$STRATA_ACTION_REPOSITORY/releases/download"
fi
name="strata-$version-linux-$arch"
temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
download="$(mktemp -d "$temp/strata-download.XXXXXX")"

for file in "$name.tar.gz" "$name.tar.gz.sha256"; do
    curl --fail --silent --show-error --location --retry 3 --output "$download/$file" "$base/v$version/$file" \
        || fail "could not download $base/v$version/$file"
done
# The .sha256 file names the archive; `sha256sum -c` fails on any other content.
(cd "$download" && sha256sum --check --strict --status "$name.tar.gz.sha256") \
    || fail "checksum mismatch for $name.tar.gz: the download is damaged or not the release"

install_dir="$temp/strata-$version"
rm -rf "$install_dir"
mkdir -p "$install_dir"
tar -xzf "$download/$name.tar.gz" -C "$install_dir" --strip-components=1
rm -rf "$download"

# libgit2 is opened when history is first read, by the SONAME the release was built against;
# install it when the runner lacks it (Debian and Ubuntu name the package after the SONAME).
soname="$(grep -ao 'libgit2\.so\.[0-9][0-9.]*' "$install_dir/strata" | head -n 1 || true)"
if [ -n "$soname" ] && ! ldconfig -p 2>/dev/null | grep -qF "$soname"; then
    package="libgit2-${soname#libgit2.so.}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    echo "strata: installing $package (the git library, $soname)"
    if ! { "${sudo_cmd[@]}" apt-get update -qq && "${sudo_cmd[@]}" apt-get install -y -qq "$package"; } >/dev/null 2>&1; then
        echo "::warning title=strata install::$soname is not installed and apt could not install $package: history checks will fail. Run the job in a container with it (e.g. container: debian:12)"
    fi
fi

"$install_dir/strata" --version >/dev/null || fail "the installed strata does not start (missing shared libraries? see above)"
echo "$install_dir" >> "${GITHUB_PATH:-/dev/null}"
echo "strata $version installed in $install_dir"
