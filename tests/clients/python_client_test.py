#!/usr/bin/python3
"""jwtd's Python client test: stubs generated from token_service.proto.

Starts a real jwtd on Unix sockets in a temporary directory and calls it
through the stubs that the build generated with protoc and Debian's
grpc_python_plugin (target python_client_stubs), using Debian's
python3-grpcio and python3-protobuf.

Environment (ctest sets all of them):
  JWTD_BIN             the jwtd binary (else $JWTD_BIN_DIR/jwtd)
  JWTD_PYTHON_STUBS    the directory holding jwtd/v1/token_service_pb2*.py
  JWTD_PRIVILEGED      1 (default): start jwtd with --privileged-listen and
                       issue on that socket; 0: a jwtd without that flag,
                       which issues on its main socket.

Exits with 77 (ctest: skipped) when the grpc or protobuf modules are missing.
"""

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unittest

SKIP = 77

try:
    import grpc
    from google.protobuf import json_format
except ImportError as error:
    print(f"skipped: {error} (apt-get install python3-grpcio python3-protobuf)")
    sys.exit(SKIP)

_stubs = os.environ.get("JWTD_PYTHON_STUBS")
if not _stubs:
    print("JWTD_PYTHON_STUBS is not set: run through ctest, or point it at "
          "<build>/tests/clients/python")
    sys.exit(1)
if not os.path.exists(os.path.join(_stubs, "jwtd", "v1", "token_service_pb2_grpc.py")):
    print(f"no generated stubs in {_stubs}: build the target python_client_stubs")
    sys.exit(1)
sys.path.insert(0, _stubs)
from jwtd.v1 import token_service_pb2 as pb  # noqa: E402
from jwtd.v1 import token_service_pb2_grpc as pb_grpc  # noqa: E402

STARTUP_TIMEOUT_S = 30
STOP_TIMEOUT_S = 15
CALL_TIMEOUT_S = 5


def jwtd_binary():
    path = os.environ.get("JWTD_BIN")
    if not path and os.environ.get("JWTD_BIN_DIR"):
        path = os.path.join(os.environ["JWTD_BIN_DIR"], "jwtd")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(f"no jwtd binary (JWTD_BIN={path!r})")
    return path


def privileged():
    value = os.environ.get("JWTD_PRIVILEGED", "1")
    if value not in ("0", "1"):
        raise RuntimeError(f"JWTD_PRIVILEGED must be 0 or 1, not {value!r}")
    return value == "1"


def dialable(address):
    # jwtd may log a bare socket path; gRPC needs the unix: scheme.
    return "unix:" + address if address.startswith("/") else address


def tamper(token):
    """The token with one byte of its signature changed."""
    head, _, signature = token.rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return head + "." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


class Jwtd:
    """A jwtd process, its stderr log and its start-up line."""

    def __init__(self, temp_dir, with_privileged):
        self.temp_dir = temp_dir
        self.admin_socket = os.path.join(temp_dir, "admin.sock")
        argv = [
            jwtd_binary(),
            "--data-dir=" + os.path.join(temp_dir, "data"),
            "--grpc-listen=unix:" + os.path.join(temp_dir, "jwtd.sock"),
        ]
        if with_privileged:
            argv.append("--privileged-listen=unix:" + self.admin_socket)
        self.with_privileged = with_privileged
        self.lines = []
        self.serving = None
        self._lock = threading.Lock()
        self._serving_event = threading.Event()
        self.process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        # Always drained, so that jwtd never blocks on a full pipe.
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self):
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lock:
                self.lines.append(line)
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("msg") == "jwtd serving":
                self.serving = entry
                self._serving_event.set()
        self._serving_event.set()  # stderr closed: jwtd is gone.

    def log(self):
        with self._lock:
            return "\n".join(self.lines)

    def wait_serving(self):
        self._serving_event.wait(STARTUP_TIMEOUT_S)
        if self.serving is None:
            code = self.process.poll()
            if code is None:
                raise RuntimeError(
                    f"jwtd logged no 'jwtd serving' line within "
                    f"{STARTUP_TIMEOUT_S}s; stderr:\n{self.log()}")
            raise RuntimeError(f"jwtd exited with code {code} before serving; "
                               f"stderr:\n{self.log()}")
        return self.serving

    def main_target(self):
        return dialable(self.serving["grpc_listen"])

    def admin_target(self):
        if not self.with_privileged:
            return self.main_target()
        # Prefer what jwtd reports, should it log the privileged address.
        return dialable(self.serving.get("privileged_listen")
                        or "unix:" + self.admin_socket)

    def stop(self):
        """SIGTERM, then the exit code; SIGKILL if jwtd does not exit."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError(f"jwtd did not exit within {STOP_TIMEOUT_S}s "
                               f"of SIGTERM (killed); stderr:\n{self.log()}")
        finally:
            self._reader.join(STOP_TIMEOUT_S)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class PythonClientTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.temp_dir = tempfile.mkdtemp(prefix="jwtd-python-client-")
        cls.addClassCleanup(shutil.rmtree, cls.temp_dir, ignore_errors=True)
        cls.jwtd = Jwtd(cls.temp_dir, privileged())
        # Runs even when set-up fails half-way: no jwtd is left behind.
        cls.addClassCleanup(cls.jwtd.kill)
        cls.serving = cls.jwtd.wait_serving()
        cls.main_channel = grpc.insecure_channel(cls.jwtd.main_target())
        cls.addClassCleanup(cls.main_channel.close)
        cls.admin_channel = grpc.insecure_channel(cls.jwtd.admin_target())
        cls.addClassCleanup(cls.admin_channel.close)
        cls.main = pb_grpc.TokenServiceStub(cls.main_channel)
        cls.admin = pb_grpc.TokenServiceStub(cls.admin_channel)

    @classmethod
    def tearDownClass(cls):
        # Hung-up clients first, as a well-behaved caller would: jwtd's
        # graceful stop otherwise waits out idle connections.
        cls.main_channel.close()
        cls.admin_channel.close()
        code = cls.jwtd.stop()
        if code != 0:
            raise AssertionError(f"jwtd exited with code {code} after SIGTERM; "
                                 f"stderr:\n{cls.jwtd.log()}")

    def issue(self, subject="alice"):
        request = pb.IssueRequest(subject=subject, audiences=["orders"],
                                  scope="read write")
        request.ttl.seconds = 300
        request.claims.update({"role": "admin", "level": 3})
        return self.admin.Issue(request, timeout=CALL_TIMEOUT_S)

    def test_issue(self):
        issued = self.issue()
        self.assertEqual(issued.token.count("."), 2)
        self.assertEqual(issued.kid, self.serving["kid"])
        self.assertEqual(issued.alg, self.serving["alg"])
        self.assertTrue(issued.jti)
        self.assertEqual(issued.expires_at.seconds - issued.issued_at.seconds,
                         300)

    def test_validate(self):
        issued = self.issue()
        verdict = self.main.Validate(
            pb.ValidateRequest(token=issued.token, audience="orders",
                               required_scopes=["read"]),
            timeout=CALL_TIMEOUT_S)
        self.assertTrue(verdict.valid, verdict.detail)
        self.assertEqual(verdict.reason, pb.REASON_UNSPECIFIED)
        self.assertEqual(verdict.kid, issued.kid)
        claims = json_format.MessageToDict(verdict.claims)
        self.assertEqual(claims["sub"], "alice")
        self.assertEqual(claims["iss"], self.serving["issuer"])
        self.assertEqual(claims["aud"], "orders")
        self.assertEqual(claims["scope"], "read write")
        self.assertEqual(claims["jti"], issued.jti)
        self.assertEqual(claims["role"], "admin")
        self.assertEqual(claims["level"], 3)

    def test_introspect(self):
        issued = self.issue("bob")
        info = self.main.Introspect(pb.IntrospectRequest(token=issued.token),
                                    timeout=CALL_TIMEOUT_S)
        self.assertTrue(info.active)
        self.assertEqual(info.sub, "bob")
        self.assertEqual(info.jti, issued.jti)
        self.assertEqual(list(info.aud), ["orders"])
        self.assertEqual(info.scope, "read write")
        self.assertEqual(info.token_type, "Bearer")
        self.assertEqual(info.exp, issued.expires_at)

    def test_tampered_token_is_a_verdict_not_an_error(self):
        issued = self.issue()
        verdict = self.main.Validate(
            pb.ValidateRequest(token=tamper(issued.token)),
            timeout=CALL_TIMEOUT_S)
        self.assertFalse(verdict.valid)
        self.assertEqual(pb.Reason.Name(verdict.reason), "REASON_BAD_SIGNATURE")
        self.assertFalse(verdict.claims.fields)
        info = self.main.Introspect(
            pb.IntrospectRequest(token=tamper(issued.token)),
            timeout=CALL_TIMEOUT_S)
        self.assertFalse(info.active)

    def test_missing_token_is_invalid_argument(self):
        with self.assertRaises(grpc.RpcError) as caught:
            self.main.Validate(pb.ValidateRequest(), timeout=CALL_TIMEOUT_S)
        self.assertEqual(caught.exception.code(),
                         grpc.StatusCode.INVALID_ARGUMENT)

    def test_issue_on_the_main_socket_is_denied(self):
        if not self.jwtd.with_privileged:
            self.skipTest("JWTD_PRIVILEGED=0: Issue goes to the main socket")
        with self.assertRaises(grpc.RpcError) as caught:
            self.main.Issue(pb.IssueRequest(subject="mallory"),
                            timeout=CALL_TIMEOUT_S)
        self.assertEqual(caught.exception.code(),
                         grpc.StatusCode.PERMISSION_DENIED)

    def test_key_set(self):
        response = self.main.GetKeySet(pb.GetKeySetRequest(),
                                       timeout=CALL_TIMEOUT_S)
        jwks = json.loads(response.jwks)
        kids = [key.get("kid") for key in jwks["keys"]]
        self.assertIn(self.serving["kid"], kids)
        for key in jwks["keys"]:
            self.assertNotIn("d", key, "private key material in the JWKS")


if __name__ == "__main__":
    unittest.main(verbosity=2)
