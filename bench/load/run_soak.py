#!/usr/bin/python3
"""The soak (`make soak`): jwtd under minutes of mixed load, checked.

Starts jwtd over Unix sockets in a temporary directory (main listener,
privileged listener for Issue and Revoke, SQLite revocation store, 1 h
default TTL), runs bench/load/jwtd_soak against it (which checks every
answer and samples jwtd's VmRSS and open FDs every second), then stops jwtd
with SIGTERM (by its pid; SIGKILL if it does not exit) and checks that it
exited cleanly. Prints jwtd_soak's table and a verdict; exit status 0 when
every check passed, 1 otherwise.

--smoke is the ctest variant: 8 s, RSS reported but not checked (a short
run cannot tell growth from warm-up). --docs writes the table into
docs/performance.md between the soak markers.

Usage:
  /usr/bin/python3 bench/load/run_soak.py --build-dir build [--seconds 600]
      [--threads 4] [--smoke] [--docs]
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

# Our lines and jwtd_soak's table (its stderr) in the order they happen.
sys.stdout.reconfigure(line_buffering=True)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(REPO, "docs", "performance.md")
BEGIN_MARKER = "<!-- soak:begin -->"
END_MARKER = "<!-- soak:end -->"
SECTION_TITLE = "## Soak (make soak)"


class SoakError(Exception):
    """The soak could not run (jwtd did not start, a binary is missing)."""


class Jwtd:
    """jwtd as a child; its stderr kept in a log file and in memory."""

    def __init__(self, argv, log_path):
        self.lines = []
        self._cv = threading.Condition()
        self._log = open(log_path, "w")
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE)
        self.pid = self.popen.pid
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.popen.stderr:
            text = raw.decode("utf-8", "replace").rstrip("\n")
            self._log.write(text + "\n")
            self._log.flush()
            with self._cv:
                self.lines.append(text)
                self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    def wait_serving(self, timeout):
        """The parsed `jwtd serving` start-up line."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cv:
            while True:
                for text in self.lines[seen:]:
                    try:
                        line = json.loads(text)
                    except ValueError:
                        continue
                    if isinstance(line, dict) and line.get("msg") == "jwtd serving":
                        return line
                seen = len(self.lines)
                if self.popen.poll() is not None and not self._reader.is_alive():
                    raise SoakError("jwtd exited (%s) before serving: %s" % (
                        self.popen.returncode, " | ".join(self.lines[-5:])))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SoakError("jwtd: no serving line within %ss" % timeout)
                self._cv.wait(min(left, 0.05))

    def stop(self, grace=15):
        """SIGTERM, SIGKILL after `grace`; by pid. The exit code, and
        whether jwtd had to be killed."""
        killed = False
        if self.popen.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait()
                killed = True
            except ProcessLookupError:
                pass
        self._reader.join(2)
        self._log.close()
        return self.popen.returncode, killed


def socket_target(value):
    """grpc_listen / privileged_listen from the start-up line, dialable."""
    return "unix:" + value if value.startswith("/") else value


def render(args, result, jwtd_exit):
    """The Markdown section for docs/performance.md."""
    ops = result["ops"]
    tokens = result["tokens"]
    rss = result["rss"]
    fds = result["fds"]

    def mib(kib):
        return "%.1f MiB" % (kib / 1024.0)

    lines = [
        "Run %s, %d cores, load average %.1f at start: `%s`; %.0f s of load "
        "with %d threads, then the final check (%.0f s)." % (
            datetime.date.today().isoformat(), os.cpu_count(), args.loadavg,
            args.command, result["load_seconds"], result["threads"],
            result["final_seconds"]),
        "",
        "| RPC | calls | errors | wrong answers |",
        "|---|---|---|---|",
    ]
    for name, op in ops.items():
        lines.append("| %s | %d | %d | %d |" % (name, op["calls"], op["errors"],
                                              op["wrong"]))
    lines += [
        "",
        "| check | measured | goal | |",
        "|---|---|---|---|",
        "| RPC errors and wrong verdicts | %d + %d | 0 | %s |" % (
            result["errors"], result["wrong"],
            "ok" if result["errors"] + result["wrong"] == 0 else "FAIL"),
        "| tokens issued / revoked | %d / %d | | |" % (
            tokens["issued"], tokens["revoked"]),
        "| verdicts checked during the run / at the end | %d / %d (%s) | all "
        "as expected | |" % (
            tokens["checked_during"], tokens["final_checked"],
            "every token issued" if tokens["final_of"] == tokens["issued"]
            else "uniform sample of all issued"),
        "| jwtd RSS: after warm-up (%.0f s) → end, peak | %s → %s, %s | | |" % (
            rss["warmup_seconds"], mib(rss["after_warmup_kib"]),
            mib(rss["end_kib"]), mib(rss["peak_kib"])),
        "| jwtd RSS growth, first vs last %.0f s average after warm-up | "
        "%+.1f%% | ≤ %.0f%% | %s |" % (
            rss["window_seconds"], rss["growth"] * 100, rss["max_growth"] * 100,
            "ok" if rss["ok"] else "FAIL"),
        "| jwtd open FDs: after warm-up → end (max) | %d → %d (%d) | ≤ start "
        "+ %d | %s |" % (fds["after_warmup"], fds["end"], fds["max"],
                         fds["slack"], "ok" if fds["ok"] else "FAIL"),
        "| jwtd exit after SIGTERM | %s | 0 | %s |" % (
            jwtd_exit, "ok" if jwtd_exit == 0 else "FAIL"),
        "",
    ]
    return "\n".join(lines)


def write_docs(table):
    with open(DOCS) as f:
        text = f.read()
    block = BEGIN_MARKER + "\n" + table + END_MARKER
    if BEGIN_MARKER in text and END_MARKER in text:
        head, rest = text.split(BEGIN_MARKER, 1)
        _, tail = rest.split(END_MARKER, 1)
        text = head + block + tail
    else:
        section = [SECTION_TITLE, "",
                   "`make soak` (`bench/load/run_soak.py`, `SOAK_SECONDS`, "
                   "default 600) runs `bench/load/jwtd_soak` against one jwtd: "
                   "per iteration and thread an Issue, Validates of the new "
                   "token and of random older ones, now and then Introspect, "
                   "ValidateBatch and GetKeySet, and a Revoke of about one "
                   "token in ten. Every answer is checked against the expected "
                   "state of the token, and at the end every token issued (or "
                   "a uniform sample of 20,000) is checked again. jwtd's RSS "
                   "and open FDs are read from /proc every second.",
                   "", block, ""]
        text = text.rstrip("\n") + "\n\n" + "\n".join(section)
    with open(DOCS, "w") as f:
        f.write(text)


def run(args, tmp):
    bin_dir = os.path.join(os.path.abspath(args.build_dir), "bin")
    for binary in ("jwtd", "jwtd_soak"):
        if not os.access(os.path.join(bin_dir, binary), os.X_OK):
            raise SoakError("%s/%s not built (cmake --build %s --target jwtd "
                            "jwtd_soak)" % (bin_dir, binary, args.build_dir))
    jwtd = Jwtd([
        os.path.join(bin_dir, "jwtd"),
        "--grpc-listen=unix:" + os.path.join(tmp, "jwtd.sock"),
        "--privileged-listen=unix:" + os.path.join(tmp, "admin.sock"),
        "--data-dir=" + os.path.join(tmp, "data"),
        "--default-ttl=1h",
    ], os.path.join(tmp, "jwtd.log"))
    result = None
    try:
        serving = jwtd.wait_serving(30)
        argv = [
            os.path.join(bin_dir, "jwtd_soak"),
            "--target=" + socket_target(serving["grpc_listen"]),
            "--admin-target=" + socket_target(serving["privileged_listen"]),
            "--jwtd-pid=%d" % jwtd.pid,
            "--duration=%gs" % args.seconds,
            "--threads=%d" % args.threads,
            "--revoke-fraction=%g" % args.revoke_fraction,
            "--json",
        ]
        if args.smoke:
            argv.append("--check-rss=false")
        # The table comes on stderr, straight through; the JSON on stdout.
        done = subprocess.run(argv, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE,
                              timeout=args.seconds + 600)
        out = done.stdout.decode("utf-8", "replace").strip()
        if out:
            result = json.loads(out.splitlines()[-1])
        soak_exit = done.returncode
        alive = jwtd.popen.poll() is None
    finally:
        jwtd_exit, killed = jwtd.stop()
    if result is None:
        raise SoakError("jwtd_soak gave no result (exit %d); jwtd log: %s" % (
            soak_exit, " | ".join(jwtd.lines[-5:])))
    if not alive:
        print("run_soak: jwtd exited during the soak (%s); last log lines:" %
              jwtd_exit, file=sys.stderr)
    clean = alive and jwtd_exit == 0 and not killed
    sys.stderr.flush()
    print("run_soak: jwtd stopped with SIGTERM: exit %s%s   %s" % (
        jwtd_exit, " (killed after the grace period)" if killed else "",
        "ok" if clean else "FAIL"))
    if not clean or soak_exit not in (0, 1):
        for text in jwtd.lines[-10:]:
            print("  jwtd: " + text, file=sys.stderr)
    passed = result["passed"] and soak_exit == 0 and clean
    return passed, result, jwtd_exit


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", required=True,
                        help="CMake build dir holding bin/jwtd and bin/jwtd_soak")
    parser.add_argument("--seconds", type=float,
                        help="length of the load (default 600; --smoke 8)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--revoke-fraction", type=float, default=0.1,
                        help="share of issued tokens revoked (0: none)")
    parser.add_argument("--smoke", action="store_true",
                        help="8 s, RSS not checked, docs untouched (ctest)")
    parser.add_argument("--docs", action="store_true",
                        help="write the result into docs/performance.md")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = 8.0 if args.smoke else 600.0
    if args.smoke:
        args.threads = min(args.threads, 2)
    # The command as documented: no machine paths.
    args.command = "bench/load/run_soak.py --build-dir %s --seconds %g" % (
        os.path.basename(os.path.normpath(args.build_dir)), args.seconds)
    args.loadavg = os.getloadavg()[0]

    # SIGTERM (e.g. ctest's timeout) must still stop jwtd and clean up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = tempfile.mkdtemp(prefix="jwtd-soak-")
    try:
        passed, result, jwtd_exit = run(args, tmp)
    except (SoakError, subprocess.TimeoutExpired, OSError, ValueError) as e:
        print("run_soak: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.docs and not args.smoke:
        write_docs(render(args, result, jwtd_exit))
        print("run_soak: result written to docs/performance.md", file=sys.stderr)
    print("run_soak: %s" % ("PASS" if passed else "FAIL"))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
