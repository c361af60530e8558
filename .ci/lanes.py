#!/usr/bin/env python3
"""Runs the workspace's test binaries in two lanes at once.

`cargo test` runs its test binaries one after another. On these 2-core
machines that leaves cores idle: the agency's tests wait on PostgreSQL, HTTP
and Chromium, the prover's on snarkjs (one node thread) and on its own CLI,
and every binary ends on its slowest test alone. This runs the same binaries,
built by the same selection (`cargo test ARGS --no-run`, so nothing is
rebuilt), the way cargo runs them (in their package's directory, with
`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME` and `CARGO` set), in two lanes that
take the next binary from one queue as each frees up: first the integration
tests of `--first PACKAGE[,PACKAGE...]` (the longest), then the other
integration tests, then the unit-test and bench binaries (the shortest), so
that neither lane idles while the other still has a queue. Each binary's
output is printed whole when it ends, with its time; the run fails if any
binary fails (all are run, and the failures listed at the end).

Usage: lanes.py --first PACKAGE[,PACKAGE...] -- CARGO_TEST_ARGS...
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time


def test_binaries(cargo_args):
    """(package, target kind, target name, executable, package dir) of every
    test binary the selection builds, in cargo's order."""
    out = subprocess.run(
        ["cargo", "test", *cargo_args, "--no-run", "--message-format=json"],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    found = []
    for line in out.splitlines():
        m = json.loads(line)
        if (
            m.get("reason") == "compiler-artifact"
            and m.get("executable")
            and m["profile"]["test"]
        ):
            # "path+file:///…/dir#name@version", or "…/name#version" when
            # the directory is the package's name.
            url, frag = m["package_id"].rsplit("#", 1)
            name = frag.split("@")[0] if "@" in frag else url.rstrip("/").split("/")[-1]
            found.append(
                (
                    name,
                    m["target"]["kind"][0],
                    m["target"]["name"],
                    m["executable"],
                    os.path.dirname(m["manifest_path"]),
                )
            )
    return found


print_lock = threading.Lock()
failures = []
times = []


def run(binary):
    package, kind, target, exe, cwd = binary
    env = dict(os.environ)
    env["CARGO_MANIFEST_DIR"] = cwd
    env["CARGO_PKG_NAME"] = package
    env["CARGO"] = shutil.which("cargo") or "cargo"
    label = f"{package} {kind} {target}"
    with tempfile.TemporaryFile(mode="w+") as log:
        t0 = time.monotonic()
        child = subprocess.Popen([exe], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        # wait4 gives this binary's own CPU time, with that of the processes
        # it waited for (the CLIs, snarkjs, servers it ran), whatever the
        # other lane does meanwhile.
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = rc = os.waitstatus_to_exitcode(status)
        took = time.monotonic() - t0
        cpu = usage.ru_utime + usage.ru_stime
        log.seek(0)
        with print_lock:
            print(
                f"==== {label} ({os.path.relpath(exe)}): exit {rc}, {took:.0f} s, {cpu:.0f} CPU-s",
                flush=True,
            )
            sys.stdout.write(log.read())
            sys.stdout.flush()
            times.append((took, cpu, label))
            if rc != 0:
                failures.append(label)


queue_lock = threading.Lock()


def lane(queue):
    while True:
        with queue_lock:
            if not queue:
                return
            b = queue.pop(0)
        run(b)


def main():
    argv = sys.argv[1:]
    if len(argv) < 3 or argv[0] != "--first" or "--" not in argv:
        sys.exit(__doc__.strip().splitlines()[-1])
    first = argv[1].split(",")
    cargo_args = argv[argv.index("--") + 1 :]
    binaries = test_binaries(cargo_args)
    heavy = [b for b in binaries if b[0] in first and b[1] == "test"]
    missing = [p for p in first if not any(b[0] == p for b in heavy)]
    if missing:
        sys.exit(f"lanes.py: no integration test binary of {', '.join(missing)}")
    others = [b for b in binaries if b not in heavy and b[1] == "test"]
    queue = heavy + others + [b for b in binaries if b not in heavy and b not in others]
    lanes = [threading.Thread(target=lane, args=(queue,)) for _ in range(2)]
    for t in lanes:
        t.start()
    for t in lanes:
        t.join()
    print(f"==== {len(binaries)} test binaries in two lanes; the longest:")
    for took, cpu, label in sorted(times, reverse=True)[:6]:
        print(f"{took:7.0f} s  {cpu:7.0f} CPU-s  {label}")
    print(f"all binaries: {sum(t[1] for t in times):.0f} CPU-s")
    if failures:
        print("FAILED: " + ", ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
