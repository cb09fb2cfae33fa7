#!/usr/bin/env python3
"""Rewrite src/releases.tsv from python.org's downloads API.

    python3 scripts/refresh-releases.py [--file PATH] [--stdout]

Lists every published final CPython release of 3.9 or later with the SHA-256
that python.org publishes for its Python-X.Y.Z.tar.xz, sorted by version.
It reads two public JSON lists: releases (/api/v2/downloads/release/) and
their files (/api/v2/downloads/release_file/, field sha256_sum). A line
already in the file is kept when python.org gives no checksum for it (older
releases may lack one); a checksum that differs from the file's is an error,
as a published tarball never changes. Releases with no checksum anywhere are
reported and left out (the Rust tests then point at the gap).

It needs to reach www.python.org, which gilbench's development machines
cannot; its parsing and formatting are tested offline on inline samples in
tests/python/test_refresh_releases.py. Standard library only.
"""

import argparse
import json
import re
import sys
import urllib.request
from pathlib import Path

API = "https://www.python.org/api/v2/downloads/"
RELEASES_URL = API + "release/?is_published=true&pre_release=false"
FILES_URL = API + "release_file/"
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "src" / "releases.tsv"
OLDEST_MINOR = 9
FINAL_NAME = re.compile(r"Python (3\.(\d+)\.(\d+))$")
TARBALL_URL = re.compile(r"/Python-(3\.\d+\.\d+)\.tar\.xz$")
LINE = re.compile(r"(3\.(\d+)\.(\d+))\t([0-9a-f]{64})$")
HEADER = """\
# SHA-256 of python.org's CPython source tarballs, Python-VERSION.tar.xz, as
# each release's page on python.org publishes them. gilbench verifies a
# python.org download against this list; releases not listed need --sha256.
#
# One line per final release of 3.9 and later: VERSION<TAB>SHA256, sorted by
# version, no gaps within a minor. Pre-releases (a, b, rc) are not listed.
# 3.9.3 was recalled upstream (replaced by 3.9.4) but its tarball is still
# published, so it stays.
#
# Refresh (needs python.org; rewrites this file in place):
#   python3 scripts/refresh-releases.py
"""


def get_list(url):
    """All items of an API list, following pages if the API paginates."""
    items = []
    while url:
        with urllib.request.urlopen(url, timeout=120) as response:
            page = json.load(response)
        if isinstance(page, list):
            return items + page
        items += page["results"]
        url = page.get("next")
    return items


def object_id(uri):
    """The trailing number of an API object's URI: .../release/1234/ -> "1234"."""
    match = re.search(r"(\d+)/?$", uri or "")
    return match and match.group(1)


def version_key(version):
    return tuple(int(part) for part in version.split("."))


def published(releases, files):
    """(checksums, wanted): {version: sha256} from the API, and every wanted version."""
    wanted = {}
    for release in releases:
        match = FINAL_NAME.match(release.get("name", ""))
        if (
            match
            and release.get("is_published")
            and not release.get("pre_release")
            and int(match.group(2)) >= OLDEST_MINOR
        ):
            wanted[object_id(release.get("resource_uri"))] = match.group(1)
    checksums = {}
    for file in files:
        version = wanted.get(object_id(file.get("release")))
        match = TARBALL_URL.search(file.get("url") or "")
        sha256 = (file.get("sha256_sum") or "").strip().lower()
        if version and match and match.group(1) == version and sha256:
            checksums[version] = sha256
    return checksums, set(wanted.values())


def parse(text):
    """{version: sha256} from the file's text; comments and blank lines skipped."""
    entries = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = LINE.match(line)
        if not match or match.group(1) in entries:
            raise ValueError("line %d: bad or repeated entry: %r" % (number, line))
        entries[match.group(1)] = match.group(4)
    return entries


def merge(existing, checksums, wanted):
    """(entries, missing); raises ValueError when python.org contradicts the file."""
    conflicts = [
        "%s: file %s, python.org %s" % (v, existing[v], sha)
        for v, sha in checksums.items()
        if v in existing and existing[v] != sha
    ]
    if conflicts:
        raise ValueError("checksums differ:\n  " + "\n  ".join(conflicts))
    entries = dict(existing)
    entries.update(checksums)
    missing = sorted(wanted - set(entries), key=version_key)
    return entries, missing


def render(entries):
    lines = ["%s\t%s\n" % (v, entries[v]) for v in sorted(entries, key=version_key)]
    return HEADER + "".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--stdout", action="store_true", help="print, do not write")
    args = parser.parse_args()
    existing = parse(args.file.read_text()) if args.file.exists() else {}
    checksums, wanted = published(get_list(RELEASES_URL), get_list(FILES_URL))
    entries, missing = merge(existing, checksums, wanted)
    for version in missing:
        print("no published checksum for Python-%s.tar.xz" % version, file=sys.stderr)
    text = render(entries)
    if args.stdout:
        sys.stdout.write(text)
    else:
        args.file.write_text(text)
    added = sorted(set(entries) - set(existing), key=version_key)
    print("%d releases, added: %s" % (len(entries), " ".join(added) or "none"), file=sys.stderr)


if __name__ == "__main__":
    main()
