"""Offline tests for scripts/refresh-releases.py (python.org is not reachable).

Run from the repository root:

    python3 -m unittest discover -s tests/python -p 'test_refresh*' -v
"""

import contextlib
import importlib.util
import io
import json
import os
import sys
import tempfile
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(ROOT, "scripts", "refresh-releases.py")
RELEASES_TSV = os.path.join(ROOT, "src", "releases.tsv")

spec = importlib.util.spec_from_file_location("refresh_releases", SCRIPT)
refresh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(refresh)

A = "a" * 64
B = "b" * 64
C = "c" * 64
API = "https://www.python.org/api/v2/downloads/"


def release(number, name, pre_release=False, is_published=True):
    return {
        "name": name,
        "pre_release": pre_release,
        "is_published": is_published,
        "resource_uri": "%srelease/%d/" % (API, number),
    }


def file(number, url, sha256):
    return {
        "release": "%srelease/%d/" % (API, number),
        "url": "https://www.python.org/ftp/python/" + url,
        "sha256_sum": sha256,
    }


RELEASES = [
    release(1, "Python 3.13.10"),
    release(2, "Python 3.13.9"),
    release(3, "Python 3.15.0b4", pre_release=True),
    release(4, "Python 3.8.20"),
    release(5, "Python 3.13.11", is_published=False),
    release(6, "Python 3.9.0"),
    release(7, "Python 3.13.8"),
]
FILES = [
    file(1, "3.13.10/Python-3.13.10.tar.xz", A.upper()),
    file(1, "3.13.10/Python-3.13.10.tgz", C),
    file(2, "3.13.9/Python-3.13.9.tar.xz", ""),
    file(3, "3.15.0/Python-3.15.0b4.tar.xz", C),
    file(4, "3.8.20/Python-3.8.20.tar.xz", C),
    file(5, "3.13.11/Python-3.13.11.tar.xz", C),
    file(6, "3.9.0/Python-3.9.0.tar.xz", B),
    file(7, "3.13.8/Python-3.13.8.tgz", C),
]


class RefreshReleasesTest(unittest.TestCase):
    def test_only_final_published_tarballs_of_3_9_and_later(self):
        checksums, wanted = refresh.published(RELEASES, FILES)
        self.assertEqual(checksums, {"3.13.10": A, "3.9.0": B})
        self.assertEqual(wanted, {"3.13.10", "3.13.9", "3.13.8", "3.9.0"})

    def test_merge_keeps_file_entries_python_org_leaves_blank(self):
        checksums, wanted = refresh.published(RELEASES, FILES)
        entries, missing = refresh.merge({"3.13.9": C}, checksums, wanted)
        self.assertEqual(entries, {"3.13.10": A, "3.13.9": C, "3.9.0": B})
        self.assertEqual(missing, ["3.13.8"])

    def test_a_changed_checksum_is_an_error(self):
        with self.assertRaises(ValueError):
            refresh.merge({"3.9.0": A}, {"3.9.0": B}, {"3.9.0"})

    def test_render_sorts_by_version_and_parses_back(self):
        entries = {"3.13.10": A, "3.9.0": B, "3.13.9": C}
        text = refresh.render(entries)
        data = [line for line in text.splitlines() if not line.startswith("#")]
        self.assertEqual(data, ["3.9.0\t" + B, "3.13.9\t" + C, "3.13.10\t" + A])
        self.assertEqual(refresh.parse(text), entries)

    def test_parse_rejects_bad_lines(self):
        for text in ["3.13.5 " + A, "3.13.5\t" + A.upper(), "3.13.5\t%s\n3.13.5\t%s" % (A, A)]:
            with self.assertRaises(ValueError):
                refresh.parse(text)

    def test_the_checked_in_file_is_in_the_scripts_format(self):
        with open(RELEASES_TSV) as f:
            text = f.read()
        self.assertEqual(refresh.render(refresh.parse(text)), text)

    def test_get_list_follows_pages(self):
        pages = {
            "u1": {"results": [1, 2], "next": "u2"},
            "u2": {"results": [3], "next": None},
            "plain": [4, 5],
        }

        def urlopen(url, timeout):
            return io.BytesIO(json.dumps(pages[url]).encode())

        with mock.patch.object(refresh.urllib.request, "urlopen", urlopen):
            self.assertEqual(refresh.get_list("u1"), [1, 2, 3])
            self.assertEqual(refresh.get_list("plain"), [4, 5])

    def test_main_rewrites_the_file(self):
        def get_list(url):
            return RELEASES if url == refresh.RELEASES_URL else FILES

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "releases.tsv")
            with open(path, "w") as f:
                f.write("3.13.9\t%s\n" % C)
            argv = ["refresh-releases.py", "--file", path]
            stderr = io.StringIO()
            with mock.patch.object(refresh, "get_list", get_list), mock.patch.object(
                sys, "argv", argv
            ), contextlib.redirect_stderr(stderr):
                refresh.main()
            with open(path) as f:
                text = f.read()
        self.assertEqual(refresh.parse(text), {"3.13.10": A, "3.13.9": C, "3.9.0": B})
        self.assertTrue(text.startswith(refresh.HEADER))
        self.assertIn("no published checksum for Python-3.13.8.tar.xz", stderr.getvalue())
        self.assertIn("added: 3.9.0 3.13.10", stderr.getvalue())


if __name__ == "__main__":
    unittest.main()
