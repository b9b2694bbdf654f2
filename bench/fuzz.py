"""Fuzz every form and API endpoint with thousands of hypothesis examples.

Runs tests/test_fuzz.py (the same properties CI checks with a small budget: never a 5xx,
never a write on a refused request) with FUZZ_EXAMPLES examples per property, on a fresh
SQLite database (or TEST_DATABASE_URL), and prints how many requests were tried, their
statuses and the failures found.

Run: .venv/bin/python bench/fuzz.py [--examples 2500]
"""
import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2500, help="examples per property (two properties)")
    args = parser.parse_args()
    env = dict(os.environ, FUZZ_EXAMPLES=str(args.examples))
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                             "tests/test_fuzz.py"], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    tried = re.search(r"fuzz: (\d+) requests tried.*?\(statuses ([^)]*)\)", result.stdout)
    failed = re.search(r"(\d+) failed", result.stdout)
    print("fuzz benchmark: every form and API endpoint, hypothesis-generated input")
    print(f"  examples per property : {args.examples}")
    print(f"  requests tried        : {tried.group(1) if tried else 'unknown (the run stopped early)'}")
    if tried:
        print(f"  statuses              : {tried.group(2)}")
    print(f"  failures found        : {failed.group(1) if failed else 0}")
    print(f"  time                  : {seconds:.0f} s ({int(tried.group(1)) / seconds:.0f} requests/s)"
          if tried else f"  time                  : {seconds:.0f} s")
    if result.returncode != 0:
        print(result.stdout[-4000:])
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
