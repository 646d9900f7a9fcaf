#!/usr/bin/env python3
"""compare.py BIN_DIR: checks bot/toml.c, through BIN_DIR/toml_dump, against Python's
tomllib on the samples beside this script.

  valid/        both parse, and toml_dump prints what json.dumps(tomllib.load(f),
                sort_keys=True) prints
  invalid/      both refuse (toml_dump exits 1; tomllib raises)
  unsupported/  valid TOML outside our subset: tomllib parses, toml_dump exits 1

A refused sample whose first line is "# error: LINE:COL: reason" must be refused with
exactly "FILE:LINE:COL: reason". One line per failure; the last line is
"N passed, N failed"; exit status 0 only when none failed.
"""
import json
import os
import subprocess
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = b"# error: "


def by_tomllib(path):
    """(True, canonical JSON) or (False, why tomllib refused)."""
    try:
        with open(path, "rb") as f:
            return True, json.dumps(tomllib.load(f), sort_keys=True, default=repr)
    # tomllib.load decodes with strict UTF-8 and lets UnicodeDecodeError through.
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        return False, f"refused ({type(e).__name__}: {e})"


def by_ours(bin_dir, path):
    """(exit status, stdout, stderr) of toml_dump; a signal is a negative status."""
    try:
        p = subprocess.run([os.path.join(bin_dir, "toml_dump"), path],
                           capture_output=True, timeout=10)
    except subprocess.TimeoutExpired:
        return -999, "", "timed out"
    text = lambda b: b.decode("utf-8", "backslashreplace").rstrip("\n")
    return p.returncode, text(p.stdout), text(p.stderr)


def expected_message(path):
    with open(path, "rb") as f:
        first = f.readline()
    if not first.startswith(PREFIX):
        return None
    return f"{path}:" + first[len(PREFIX):].decode("utf-8").rstrip("\r\n")


def describe(status, out, err):
    if status == 0:
        return out
    if status == 1:
        return f"refused ({err})"
    return f"exit status {status} ({err})"


def check_valid(bin_dir, path):
    """None if fine, else (expected, actual)."""
    ok, want = by_tomllib(path)
    if not ok:
        return "a valid sample", f"tomllib {want}"
    status, out, err = by_ours(bin_dir, path)
    if status != 0 or out != want:
        return want, describe(status, out, err)
    return None


def check_refused(bin_dir, path, tomllib_accepts):
    ok, why = by_tomllib(path)
    if ok != tomllib_accepts:
        return ("tomllib accepts" if tomllib_accepts else "tomllib refuses"), f"tomllib {why}"
    status, out, err = by_ours(bin_dir, path)
    want = expected_message(path)
    if status != 1:
        return want or "refused", describe(status, out, err)
    if want is not None and err != want:
        return want, err
    return None


def main():
    if len(sys.argv) != 2 or not os.access(os.path.join(sys.argv[1], "toml_dump"), os.X_OK):
        print("usage: compare.py BIN_DIR (a directory holding toml_dump)", file=sys.stderr)
        return 2
    bin_dir = sys.argv[1]
    checks = {
        "valid": check_valid,
        "invalid": lambda b, p: check_refused(b, p, False),
        "unsupported": lambda b, p: check_refused(b, p, True),
    }
    passed = failed = 0
    for kind, check in checks.items():
        folder = os.path.join(HERE, kind)
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".toml"):
                continue
            path = os.path.join(folder, name)
            result = check(bin_dir, path)
            if result is None:
                passed += 1
                continue
            failed += 1
            print(f"FAIL {kind}/{name}: expected {result[0]!r}, actual {result[1]!r}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
