#!/usr/bin/python3
"""Load over gRPC: jwtd against the echo floor, measured in the same run.

Starts, over Unix sockets in a temporary directory:
  * echo_server --api=callback and --api=async (the floor, jwtd's settings),
  * jwtd with a config of two issuers: a local ES256 key (signs) and a
    `files` JWKS holding an HS256 `oct` key (tokens minted here, stdlib),
and runs jwtd_load against each: echo (callback, async), Validate of one
HS256 token, Validate of 1,000 distinct ES256 tokens issued by jwtd, in
rounds of short runs back to back (ratios are taken within a round: the
machine's other load drifts over minutes). It also reads jwtd's RSS (idle,
and over the ES256 load) and its start-up time with an existing key. Prints
a Markdown table and writes it into docs/performance.md between the
load-bench markers.

Targets that are not met are reported (FAIL) but are not an error. The exit
status is 1 only when the tooling itself broke: a process did not start, or
a call failed or got a wrong answer.

Usage:
  /usr/bin/python3 bench/load/run_load_bench.py --build-dir build [--long]
      [--smoke] [--rounds N] [--duration S] [--no-docs]
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import secrets
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(REPO, "docs", "performance.md")
BEGIN_MARKER = "<!-- load-bench:begin -->"
END_MARKER = "<!-- load-bench:end -->"
SECTION_TITLE = "## Load over gRPC (make bench)"

ES256_ISSUER = "https://jwtd.bench.test"
HS256_ISSUER = "https://hs.bench.test"
AUDIENCES = ["orders", "billing"]
HS256_KID = "bench-hs256"

# Targets from the performance issue.
QPS_RATIO_HS256 = 0.85
BATCH_SIZE = 100
BATCH_RATIO = 5.0
P99_RATIO_HS256 = 1.5
QPS_RATIO_ES256 = 0.80
IDLE_RSS_MIB = 20
LOAD_RSS_MIB = 64
RSS_GROWTH = 0.05
STARTUP_MS = 200


class ToolingError(Exception):
    """The benchmark could not run (as opposed to a target not being met)."""


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint_hs256(secret, now):
    """A realistic access token (~300 bytes of claims), HS256-signed."""
    header = {"alg": "HS256", "kid": HS256_KID, "typ": "JWT"}
    claims = {
        "iss": HS256_ISSUER,
        "sub": "user-5f2c1b7e-8d4a-4c1e-9b3f-2a6d7e8f9c01",
        "aud": AUDIENCES,
        "exp": now + 3600,
        "nbf": now - 5,
        "iat": now - 5,
        "jti": b64url(secrets.token_bytes(16)),
        "scope": "orders:read orders:write billing:read profile email",
        "client_id": "web-frontend",
        "role": "admin",
    }
    signing_input = ".".join(
        b64url(json.dumps(part, separators=(",", ":")).encode())
        for part in (header, claims))
    mac = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256)
    return signing_input + "." + b64url(mac.digest())


def jwtd_config(jwks_path):
    return "\n".join([
        "# Written by bench/load/run_load_bench.py.",
        "issuers:",
        "  - issuer: " + ES256_ISSUER,
        "    audiences: [" + ", ".join(AUDIENCES) + "]",
        "    keys:",
        "      local:",
        "        alg: ES256",
        "  - issuer: " + HS256_ISSUER,
        "    audiences: [" + ", ".join(AUDIENCES) + "]",
        "    keys:",
        "      files:",
        "        paths: [" + jwks_path + "]",
        "        allow_secret_keys: true",
        "",
    ])


class Process:
    """A child whose stderr lines are kept with their arrival time."""

    def __init__(self, name, argv, log_dir):
        self.name = name
        self.argv = argv
        self.lines = []  # (monotonic_ns, text)
        self._cv = threading.Condition()
        self._log = open(os.path.join(log_dir, name + ".log"), "a")
        self.spawn_ns = time.monotonic_ns()
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE)
        self.pid = self.popen.pid
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.popen.stderr:
            now = time.monotonic_ns()
            text = raw.decode("utf-8", "replace").rstrip("\n")
            self._log.write(text + "\n")
            with self._cv:
                self.lines.append((now, text))
                self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    def wait_for_message(self, msg, timeout):
        """(arrival monotonic_ns, parsed line) of the first JSON line whose
        "msg" is `msg`."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cv:
            while True:
                for when, text in self.lines[seen:]:
                    try:
                        line = json.loads(text)
                    except ValueError:
                        continue
                    if isinstance(line, dict) and line.get("msg") == msg:
                        return when, line
                seen = len(self.lines)
                if self.popen.poll() is not None and not self._reader.is_alive():
                    raise ToolingError("%s exited (%s) before %r; log: %s" % (
                        self.name, self.popen.returncode, msg,
                        " | ".join(t for _, t in self.lines[-5:])))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ToolingError("%s: no %r within %ss" % (self.name, msg, timeout))
                self._cv.wait(min(left, 0.05))

    def rss_kib(self):
        with open("/proc/%d/status" % self.pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise ToolingError("no VmRSS for %s" % self.name)

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL after `timeout`; by this child's pid only."""
        if self.popen.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait()
            except ProcessLookupError:
                pass
        self._reader.join(2)
        self._log.close()


class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.join(os.path.abspath(args.build_dir), "bin")
        for binary in ("jwtd", "jwtd_load", "echo_server"):
            if not os.access(os.path.join(self.bin, binary), os.X_OK):
                raise ToolingError("%s/%s not built (cmake --build %s --target "
                                   "jwtd jwtd_load echo_server)" % (
                                       self.bin, binary, args.build_dir))
        self.tmp = tempfile.mkdtemp(prefix="jwtd-load-")
        self.processes = []

    def path(self, name):
        return os.path.join(self.tmp, name)

    def spawn(self, name, argv):
        process = Process(name, argv, self.tmp)
        self.processes.append(process)
        return process

    def cleanup(self):
        for process in self.processes:
            process.stop()
        self.processes = []
        shutil.rmtree(self.tmp, ignore_errors=True)

    def jwtd_load(self, flags, timeout):
        argv = [os.path.join(self.bin, "jwtd_load")] + flags
        done = subprocess.run(argv, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout)
        sys.stderr.write(done.stderr.decode("utf-8", "replace"))
        out = done.stdout.decode("utf-8", "replace").strip()
        if not out:
            raise ToolingError("jwtd_load %s: no result (exit %d)" % (
                " ".join(flags), done.returncode))
        return json.loads(out.splitlines()[-1])

    # --- processes ---

    def start_echo(self, api):
        sock = "unix:" + self.path("echo-%s.sock" % api)
        process = self.spawn("echo-" + api, [
            os.path.join(self.bin, "echo_server"), "--api=" + api, "--listen=" + sock])
        process.wait_for_message("echo serving", 10)
        return sock

    def start_jwtd(self, name):
        """Starts jwtd; returns (process, start-up ms to the serving line,
        start-up ms to the first SERVING health answer)."""
        main_sock = "unix:" + self.path("jwtd.sock")
        process = self.spawn(name, [
            os.path.join(self.bin, "jwtd"),
            "--config=" + self.path("jwtd.yaml"),
            "--grpc-listen=" + main_sock,
            "--privileged-listen=unix:" + self.path("admin.sock"),
            "--data-dir=" + self.path("data"),
            "--revocation=none",
        ])
        # Started right after the spawn: it polls while jwtd starts.
        probe = self.jwtd_load(["--target=" + main_sock, "--wait-serving",
                                "--timeout=10s"], timeout=20)
        logged_ns, _ = process.wait_for_message("jwtd serving", 10)
        serving_ms = (logged_ns - process.spawn_ns) / 1e6
        health_ms = (probe["serving_monotonic_ns"] - process.spawn_ns) / 1e6
        return process, serving_ms, health_ms

    def stop(self, process):
        process.stop()
        self.processes.remove(process)

    # --- scenarios ---

    def load(self, target, rpc, tokens_file=None, duration=None, extra=()):
        a = self.args
        duration = duration or a.duration
        flags = list(extra) + ["--target=" + target, "--rpc=" + rpc,
                 "--concurrency=%d" % a.concurrency, "--channels=%d" % a.channels,
                 "--duration=%gs" % duration, "--warmup=%gs" % a.warmup]
        if tokens_file:
            flags.append("--tokens-file=" + tokens_file)
        result = self.jwtd_load(flags, timeout=duration + a.warmup + 60)
        if result["error_calls"] or not result["calls"]:
            raise ToolingError("%s on %s: %d calls, errors %s" % (
                rpc, target, result["calls"], result["errors"]))
        return result

    def load_with_rss(self, jwtd, target, tokens_file, duration=None):
        """The ES256 load while jwtd's RSS is sampled every 250 ms; returns
        the result and the samples taken after warm-up (KiB)."""
        samples = []
        stop = threading.Event()
        started = time.monotonic()

        def sample():
            while not stop.wait(0.25):
                if time.monotonic() - started >= self.args.warmup:
                    samples.append(jwtd.rss_kib())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            result = self.load(target, "validate", tokens_file, duration)
        finally:
            stop.set()
            sampler.join()
        return result, samples

    def run(self):
        a = self.args
        now = int(time.time())
        # jwtd's inputs: the HS256 key as a JWKS file, the config, tokens.
        secret = secrets.token_bytes(32)
        with open(self.path("hs256-jwks.json"), "w") as f:
            json.dump({"keys": [{"kty": "oct", "kid": HS256_KID, "alg": "HS256",
                                 "use": "sig", "k": b64url(secret)}]}, f)
        with open(self.path("jwtd.yaml"), "w") as f:
            f.write(jwtd_config(self.path("hs256-jwks.json")))
        hs256_file = self.path("hs256-token.txt")
        with open(hs256_file, "w") as f:
            f.write(mint_hs256(secret, now) + "\n")

        echo = {api: self.start_echo(api) for api in ("callback", "async")}
        echo_process = self.processes[0]

        # First start creates the signing key and issues the ES256 tokens.
        first, _, _ = self.start_jwtd("jwtd-first")
        es256_file = self.path("es256-tokens.txt")
        issued = self.jwtd_load([
            "--target=unix:" + self.path("admin.sock"), "--issue=%d" % a.tokens,
            "--tokens-file=" + es256_file, "--ttl=2h"], timeout=120)
        self.stop(first)

        # Start-up with an existing key: the last start is the one measured
        # under load.
        serving_ms, health_ms = [], []
        for i in range(a.startups):
            jwtd, logged, healthy = self.start_jwtd("jwtd-%d" % i)
            serving_ms.append(logged)
            health_ms.append(healthy)
            if i + 1 < a.startups:
                self.stop(jwtd)
        time.sleep(1)  # let start-up work settle before reading idle RSS
        idle_rss = jwtd.rss_kib()
        # The same gRPC server in a process that does nothing else, idle
        # for longer still (started first): the floor under jwtd's figure.
        echo_idle_rss = echo_process.rss_kib()

        target = "unix:" + self.path("jwtd.sock")
        # Short rounds, each with every scenario back to back: a ratio is
        # taken within a round (the machine's other load drifts over
        # minutes), and the median over rounds is reported.
        runs = {k: [] for k in ("echo_callback", "echo_async", "hs256",
                                "hs256_full", "hs256_batch", "es256")}
        rss_samples = []
        for _ in range(a.rounds):
            runs["echo_callback"].append(self.load(echo["callback"], "echo"))
            runs["echo_async"].append(self.load(echo["async"], "echo"))
            runs["hs256"].append(self.load(target, "validate", hs256_file))
            runs["hs256_full"].append(self.load(
                target, "validate", hs256_file, extra=["--decode=full"]))
            runs["hs256_batch"].append(self.load(
                target, "validate_batch", hs256_file,
                extra=["--batch-size=%d" % BATCH_SIZE]))
            result, samples = self.load_with_rss(jwtd, target, es256_file)
            runs["es256"].append(result)
            rss_samples.extend(samples)
        rss_seconds = a.rounds * a.duration
        if a.long:
            # One uninterrupted minute for RSS growth; not used for ratios.
            _, rss_samples = self.load_with_rss(jwtd, target, es256_file, 60)
            rss_seconds = 60
        return {
            "runs": runs,
            "rss_seconds": rss_seconds,
            "idle_rss_kib": idle_rss,
            "echo_idle_rss_kib": echo_idle_rss,
            "rss_samples_kib": rss_samples,
            "serving_ms": serving_ms,
            "health_ms": health_ms,
            "issued": issued,
        }


def median_run(results):
    """The run with the median QPS (its own latencies with it)."""
    ordered = sorted(results, key=lambda r: r["qps"])
    return ordered[(len(ordered) - 1) // 2]


def round_ratios(numerators, denominators, key):
    """key(n) / key(d) for each round's pair: (median, min, max)."""
    ratios = sorted(key(n) / key(d) if key(d) else float("inf")
                    for n, d in zip(numerators, denominators))
    return statistics.median(ratios), ratios[0], ratios[-1]


def qps(r):
    return r["qps"]


def p99(r):
    return r["latency_us"]["p99"]


def run_kind(args):
    if args.smoke:
        return " (--smoke: tooling check only, not a measurement)"
    if args.long:
        return ", then one 60 s ES256 run for RSS (--long)"
    return " (`--long` adds a 60 s ES256 run for RSS growth)"


def mib(kib):
    return kib / 1024.0


def verdict(ok):
    return "PASS" if ok else "**FAIL**"


def render(args, m):
    runs = m["runs"]
    echo_cb, hs, es = runs["echo_callback"], runs["hs256"], runs["es256"]
    lines = []
    lines.append("Run on %s, %d cores, 1-min load average %.2f at start; "
                 "jwtd_load --concurrency=%d --channels=%d; %d round(s) of every "
                 "scenario back to back, %g s warm-up + %g s each%s; Unix sockets; "
                 "jwtd --revocation=none. Rows: the median-QPS round; ratios: "
                 "within each round, median (min–max) over rounds. Command: `%s`." % (
                     datetime.date.today().isoformat(), os.cpu_count(),
                     args.loadavg, args.concurrency, args.channels, args.rounds,
                     args.warmup, args.duration, run_kind(args), args.command))
    lines.append("")
    lines.append("| scenario | QPS | p50 µs | p90 µs | p99 µs | p99.9 µs |")
    lines.append("|---|---|---|---|---|---|")
    rows = [
        ("echo, callback API (floor for jwtd)", "echo_callback"),
        ("echo, async API (completion queues)", "echo_async"),
        ("jwtd Validate, HS256, 1 token", "hs256"),
        ("jwtd Validate, HS256, 1 token, client decodes the claims "
         "(`--decode=full`)", "hs256_full"),
        ("jwtd ValidateBatch of %d HS256 (QPS = batches/s)" % BATCH_SIZE,
         "hs256_batch"),
        ("jwtd Validate, ES256, %d distinct tokens" % args.tokens, "es256"),
    ]
    for name, key in rows:
        r = median_run(runs[key])
        lat = r["latency_us"]
        lines.append("| %s | %.0f | %.0f | %.0f | %.0f | %.0f |" % (
            name, r["qps"], lat["p50"], lat["p90"], lat["p99"], lat["p999"]))
    lines.append("")

    def ratio(a, b):
        return a / b if b else float("inf")

    def spread(r):
        return "%.2fx (%.2f–%.2f)" % r if len(echo_cb) > 1 else "%.2fx" % r[0]

    hs_qps = round_ratios(hs, echo_cb, qps)
    hs_p99 = round_ratios(hs, echo_cb, p99)
    es_qps = round_ratios(es, echo_cb, qps)
    es_p99 = round_ratios(es, echo_cb, p99)
    async_qps = round_ratios(runs["echo_async"], echo_cb, qps)
    batch_items = round_ratios(runs["hs256_batch"], hs,
                               lambda r: r.get("items_per_s", r["qps"]))
    samples = m["rss_samples_kib"]
    rss_start = samples[0] if samples else 0
    rss_end = samples[-1] if samples else 0
    rss_peak = max(samples) if samples else 0
    growth = ratio(rss_end - rss_start, rss_start) if rss_start else 0.0
    serving = statistics.median(m["serving_ms"])
    health = statistics.median(m["health_ms"])
    reps = len(m["serving_ms"])
    lines.append("| target | measured | goal | |")
    lines.append("|---|---|---|---|")
    lines.append("| HS256: jwtd QPS / echo QPS (callback) | %s | ≥ %.2fx | %s |" % (
        spread(hs_qps), QPS_RATIO_HS256, verdict(hs_qps[0] >= QPS_RATIO_HS256)))
    lines.append("| HS256: jwtd p99 / echo p99 | %s | ≤ %.1fx | %s |" % (
        spread(hs_p99), P99_RATIO_HS256, verdict(hs_p99[0] <= P99_RATIO_HS256)))
    lines.append("| ValidateBatch of %d HS256: tokens/s / single Validate "
                 "tokens/s | %s | ≥ %.0fx | %s |" % (
                     BATCH_SIZE, spread(batch_items), BATCH_RATIO,
                     verdict(batch_items[0] >= BATCH_RATIO)))
    lines.append("| ES256 x%d: jwtd QPS / echo QPS | %s | ≥ %.2fx | %s |" % (
        args.tokens, spread(es_qps), QPS_RATIO_ES256,
        verdict(es_qps[0] >= QPS_RATIO_ES256)))
    lines.append("| ES256 x%d: jwtd p99 / echo p99 | %s | (information) | |" % (
        args.tokens, spread(es_p99)))
    lines.append("| idle RSS, 1 s after start | %.1f MiB | < %d MiB | %s |" % (
        mib(m["idle_rss_kib"]), IDLE_RSS_MIB, verdict(mib(m["idle_rss_kib"]) < IDLE_RSS_MIB)))
    lines.append("| idle RSS of echo_server --api=callback (floor) | %.1f MiB | "
                 "(information) | |" % mib(m["echo_idle_rss_kib"]))
    lines.append("| RSS under ES256 load, after warm-up → end of %g s loaded "
                 "(peak) | %.1f → %.1f MiB (%.1f), %+.1f%% | < %d MiB, growth ≤ "
                 "%d%% | %s |" % (
                     m["rss_seconds"], mib(rss_start), mib(rss_end), mib(rss_peak),
                     growth * 100, LOAD_RSS_MIB, RSS_GROWTH * 100,
                     verdict(mib(rss_peak) < LOAD_RSS_MIB and growth <= RSS_GROWTH)))
    lines.append("| start-up, existing key: spawn → `jwtd serving` log line "
                 "(median of %d) | %.0f ms | < %d ms | %s |" % (
                     reps, serving, STARTUP_MS, verdict(serving < STARTUP_MS)))
    lines.append("| start-up, existing key: spawn → first SERVING health answer "
                 "(median of %d) | %.0f ms | < %d ms | %s |" % (
                     reps, health, STARTUP_MS, verdict(health < STARTUP_MS)))
    lines.append("")
    lines.append("Async echo / callback echo: %s QPS (what a completion-queue "
                 "server would gain at most). HS256 with the client decoding "
                 "every answer's claims into a protobuf `Struct` / echo: %s QPS "
                 "(the load client shares the two cores with jwtd)." % (
                     spread(async_qps),
                     spread(round_ratios(runs["hs256_full"], echo_cb, qps))))
    return "\n".join(lines) + "\n"


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
                   "`make bench` runs `bench/load/run_load_bench.py` after "
                   "jose_bench: the echo floor (`bench/load/echo_server`, jwtd's own "
                   "gRPC listener settings) and jwtd, loaded by `bench/load/jwtd_load` "
                   "in the same run. Ratios, not absolute numbers, are the result.",
                   "", block, ""]
        text = text.rstrip("\n") + "\n\n" + "\n".join(section)
    with open(DOCS, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", required=True,
                        help="CMake build dir holding bin/jwtd, bin/jwtd_load, bin/echo_server")
    parser.add_argument("--long", action="store_true",
                        help="add one 60 s ES256 run for RSS growth over a minute")
    parser.add_argument("--smoke", action="store_true",
                        help="1 s per scenario, few tokens, docs untouched (ctest)")
    parser.add_argument("--rounds", type=int,
                        help="rounds of every scenario (default 3; --smoke 1)")
    parser.add_argument("--duration", type=float, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, help="warm-up seconds per scenario")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--channels", type=int, default=2)
    parser.add_argument("--no-docs", action="store_true",
                        help="print the table only")
    args = parser.parse_args()
    # The command as documented: the build dir's name only, no machine path.
    args.command = " ".join(
        ["bench/load/run_load_bench.py", "--build-dir",
         shlex.quote(os.path.basename(os.path.normpath(args.build_dir)))] +
        (["--long"] if args.long else []) +
        (["--rounds=%d" % args.rounds] if args.rounds else []) +
        (["--duration=%g" % args.duration] if args.duration else []))
    if args.smoke:
        defaults = dict(duration=1.0, warmup=0.2, tokens=20, startups=1, rounds=1)
    else:
        defaults = dict(duration=4.0, warmup=1.0, tokens=1000, startups=3, rounds=3)
    args.duration = args.duration or defaults["duration"]
    args.warmup = defaults["warmup"] if args.warmup is None else args.warmup
    args.rounds = args.rounds or defaults["rounds"]
    args.tokens = defaults["tokens"]
    args.startups = defaults["startups"]
    args.loadavg = os.getloadavg()[0]

    # SIGTERM (e.g. ctest's timeout) must still stop every child.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = Bench(args)
    try:
        measured = bench.run()
    except (ToolingError, subprocess.TimeoutExpired, OSError, ValueError) as e:
        print("run_load_bench: %s" % e, file=sys.stderr)
        for process in bench.processes:
            print("--- last lines of %s (pid %d):" % (process.name, process.pid),
                  file=sys.stderr)
            for _, text in process.lines[-10:]:
                print(text, file=sys.stderr)
        return 1
    finally:
        bench.cleanup()
    table = render(args, measured)
    sys.stdout.write(table)
    if not (args.smoke or args.no_docs):
        write_docs(table)
        print("run_load_bench: table written to docs/performance.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
