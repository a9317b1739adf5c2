#!/usr/bin/python3
"""Checks deploy/ against the real binaries.

Every YAML document in deploy/kubernetes/*.yaml must parse. For every
container that runs jwtd, the config file its --config names is followed
through the container's volume mounts to the ConfigMap key that provides it,
written to a temporary directory, and the real jwtd runs with the
container's args (that one path rewritten) plus --check-config: it must exit
0, so an unknown flag, an unknown config key or a broken cross-field rule in
a manifest fails here. Every exec probe that runs jwtctl runs for real
against a socket that does not exist and must exit 1 ("not serving"), not 2
(usage error). deploy/Dockerfile must have an exec-form ENTRYPOINT and a
numeric USER in its final stage, and install jwtctl where the probes call
it.

Usage: check_deploy.py --deploy-dir DIR --jwtd PATH --jwtctl PATH
"""

import argparse
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                  "Job", "Pod"}
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
# jwtctl health: 0 SERVING, 1 not serving or unreachable, 2 usage error.
NOT_SERVING = 1
# Every jwtd binary and its probes must answer well within this.
TIMEOUT_SECONDS = 30
# Config copies and the cwd of every run: nothing lands in the source tree.
_TMP = tempfile.mkdtemp(prefix="jwtd-deploy-")


class Failures:
    def __init__(self):
        self.messages = []

    def add(self, where, message):
        self.messages.append(f"{where}: {message}")
        print(f"FAIL {where}: {message}", file=sys.stderr)


def run(argv, cwd):
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True,
                              timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {TIMEOUT_SECONDS}s"
    return done.returncode, done.stdout, done.stderr


def load_manifests(kube_dir, failures):
    docs = []  # (file name, document)
    files = sorted(f for f in os.listdir(kube_dir)
                   if f.endswith((".yaml", ".yml")))
    if not files:
        failures.add(kube_dir, "no manifests")
    for name in files:
        with open(os.path.join(kube_dir, name), encoding="utf-8") as f:
            try:
                loaded = list(yaml.safe_load_all(f))
            except yaml.YAMLError as e:
                failures.add(name, f"not valid YAML: {e}")
                continue
        for i, doc in enumerate(loaded):
            if doc is None:
                continue
            where = f"{name}[{i}]"
            if not isinstance(doc, dict) or not all(
                    k in doc for k in ("apiVersion", "kind", "metadata")):
                failures.add(where, "not a Kubernetes object "
                             "(apiVersion, kind, metadata)")
                continue
            if not doc["metadata"].get("name"):
                failures.add(where, "metadata.name missing")
                continue
            docs.append((name, doc))
    return docs


def namespace_of(doc):
    return doc["metadata"].get("namespace", "default")


def pod_spec_of(doc):
    if doc["kind"] == "Pod":
        return doc.get("spec", {})
    return doc.get("spec", {}).get("template", {}).get("spec", {})


def runs_jwtd(container):
    command = container.get("command")
    if command:
        return posixpath.basename(command[0]) == "jwtd"
    # The image's ENTRYPOINT is jwtd: an image named jwtd, any registry/tag.
    image = container.get("image", "")
    repo = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]
    return repo == "jwtd"


def config_arg(args):
    """(index, value, form) of --config in args; form '=' or ' '."""
    for i, arg in enumerate(args):
        for spelling in ("--config", "-config"):
            if arg.startswith(spelling + "="):
                return i, arg[len(spelling) + 1:], "="
            if arg == spelling and i + 1 < len(args):
                return i, args[i + 1], " "
    return None


def volume_file(pod, container, path, configmaps, namespace):
    """The ConfigMap text mounted at `path` in `container`, or an error."""
    best = None
    for mount in container.get("volumeMounts", []):
        mount_path = mount["mountPath"].rstrip("/")
        if path.startswith(mount_path + "/") and (
                best is None or len(mount_path) > len(best["mountPath"])):
            best = mount
    if best is None:
        return None, f"no volumeMount contains {path}"
    if "subPath" in best:
        return None, (f"{best['name']} is mounted with subPath, which never "
                      "sees ConfigMap updates")
    rel = path[len(best["mountPath"].rstrip("/")) + 1:]
    volume = next((v for v in pod.get("volumes", [])
                   if v["name"] == best["name"]), None)
    if volume is None:
        return None, f"volume {best['name']} is not defined"
    sources = []
    if "configMap" in volume:
        sources.append(volume["configMap"])
    elif "projected" in volume:
        sources = [s["configMap"] for s in volume["projected"]["sources"]
                   if "configMap" in s]
    else:
        return None, f"volume {best['name']} is not a ConfigMap"
    for source in sources:
        key = None
        if "items" in source:
            key = next((it["key"] for it in source["items"]
                        if it["path"] == rel), None)
        else:
            key = rel
        if key is None:
            continue
        cm = configmaps.get((namespace, source["name"]))
        if cm is None:
            return None, (f"ConfigMap {namespace}/{source['name']} is not "
                          "in deploy/kubernetes")
        if key not in cm.get("data", {}):
            return None, f"ConfigMap {source['name']} has no key {key}"
        return cm["data"][key], None
    return None, f"no ConfigMap in volume {best['name']} provides {rel}"


def addr_arg(command):
    """(index, value, form) of --addr in a jwtctl command line."""
    for i, arg in enumerate(command):
        if arg.startswith("--addr="):
            return i, arg[len("--addr="):], "="
        if arg == "--addr" and i + 1 < len(command):
            return i, command[i + 1], " "
    return None


def replace_arg(argv, found, name, value):
    i, _, form = found
    argv = list(argv)
    if form == "=":
        argv[i] = f"{name}={value}"
    else:
        argv[i + 1] = value
    return argv


def check_security(where, pod, container, failures):
    pod_sc = pod.get("securityContext", {})
    sc = container.get("securityContext", {})

    def get(field):
        return sc.get(field, pod_sc.get(field))

    if get("runAsNonRoot") is not True:
        failures.add(where, "runAsNonRoot must be true")
    for field in ("runAsUser", "runAsGroup"):
        if not isinstance(get(field), int) or get(field) == 0:
            failures.add(where, f"{field} must be a non-zero number")
    if sc.get("readOnlyRootFilesystem") is not True:
        failures.add(where, "readOnlyRootFilesystem must be true")
    if sc.get("allowPrivilegeEscalation") is not False:
        failures.add(where, "allowPrivilegeEscalation must be false")
    if sc.get("capabilities", {}).get("drop") != ["ALL"]:
        failures.add(where, "capabilities.drop must be [ALL]")
    seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile", {}))
    if seccomp.get("type") != "RuntimeDefault":
        failures.add(where, "seccompProfile must be RuntimeDefault")
    limits = container.get("resources", {}).get("limits", {})
    requests = container.get("resources", {}).get("requests", {})
    if "memory" not in limits or "cpu" not in requests:
        failures.add(where, "needs a memory limit and a cpu request")


def check_dockerfile(path, failures):
    """The final stage's USER (uid) and the paths it copies to."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # Join continuation lines, drop comments.
    lines = []
    for line in re.sub(r"\\\n", " ", text).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            lines.append(line.strip())
    stages = [i for i, line in enumerate(lines)
              if line.upper().startswith("FROM ")]
    final = lines[stages[-1]:] if stages else []
    if not final:
        failures.add("Dockerfile", "no FROM")
        return None, []
    users = [line.split(None, 1)[1] for line in final
             if line.upper().startswith("USER ")]
    entrypoints = [line.split(None, 1)[1] for line in final
                   if line.upper().startswith("ENTRYPOINT ")]
    uid = None
    if len(users) != 1 or not re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?",
                                           users[0]):
        failures.add("Dockerfile", f"final stage needs one numeric non-root "
                     f"USER uid:gid, has {users}")
    else:
        uid = int(users[0].split(":")[0])
    if len(entrypoints) != 1:
        failures.add("Dockerfile", "final stage needs one ENTRYPOINT")
    else:
        try:
            entry = json.loads(entrypoints[0])
        except json.JSONDecodeError:
            entry = None
        if not (isinstance(entry, list) and entry
                and entry[0] == "/usr/local/bin/jwtd"):
            failures.add("Dockerfile", "ENTRYPOINT must be the exec form "
                         '["/usr/local/bin/jwtd"], is ' + entrypoints[0])
    installed = []
    for line in final:
        if line.upper().startswith("COPY "):
            words = [w for w in line.split()[1:] if not w.startswith("--")]
            if not words:
                continue
            dest = words[-1]
            for src in words[:-1]:
                name = posixpath.basename(src)
                installed.append(posixpath.join(dest, name)
                                 if dest.endswith("/") else dest)
    return uid, installed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deploy-dir", required=True)
    parser.add_argument("--jwtd", required=True)
    parser.add_argument("--jwtctl", required=True)
    options = parser.parse_args()
    failures = Failures()
    tmp = _TMP

    # The binaries must reject what they do not know, or passing below
    # would prove nothing.
    rc, _, _ = run([options.jwtd, "--no-such-flag-xyz", "--check-config"],
                   tmp)
    if rc == 0:
        failures.add("jwtd", "accepted an unknown flag")
    rc, _, _ = run([options.jwtctl, "health", "--no-such-flag-xyz"], tmp)
    if rc != 2:
        failures.add("jwtctl", f"unknown flag exited {rc}, expected 2")

    uid, installed = check_dockerfile(
        os.path.join(options.deploy_dir, "Dockerfile"), failures)
    for needed in ("/usr/local/bin/jwtd", "/usr/local/bin/jwtctl"):
        if needed not in installed:
            failures.add("Dockerfile", f"final stage does not copy {needed}")

    docs = load_manifests(os.path.join(options.deploy_dir, "kubernetes"),
                          failures)
    configmaps = {(namespace_of(d), d["metadata"]["name"]): d
                  for _, d in docs if d["kind"] == "ConfigMap"}
    jwtd_runs = probe_runs = 0
    for file_name, doc in docs:
        if doc["kind"] not in WORKLOAD_KINDS:
            continue
        pod = pod_spec_of(doc)
        namespace = namespace_of(doc)
        containers = ([("initContainers", c)
                       for c in pod.get("initContainers", [])] +
                      [("containers", c) for c in pod.get("containers", [])])
        for group, container in containers:
            where = (f"{file_name}: {doc['kind']} {doc['metadata']['name']} "
                     f"{group}/{container['name']}")
            config = None
            if runs_jwtd(container):
                jwtd_runs += 1
                config = check_jwtd_container(
                    where, group, pod, container, namespace, configmaps, uid,
                    options.jwtd, tmp, failures)

            for probe_name in PROBES:
                probe = container.get(probe_name)
                if not probe or "exec" not in probe:
                    continue
                command = [str(a) for a in probe["exec"]["command"]]
                if posixpath.basename(command[0]) != "jwtctl":
                    continue
                probe_runs += 1
                probe_where = f"{where} {probe_name}"
                if command[0] not in installed:
                    failures.add(probe_where, f"{command[0]} is not where "
                                 "the Dockerfile installs jwtctl")
                found = addr_arg(command)
                if found is None:
                    failures.add(probe_where, "jwtctl without --addr")
                    continue
                if config is not None:
                    listen = config.get("grpc_listen")
                    if found[1] != listen:
                        failures.add(probe_where, f"probes {found[1]}, jwtd "
                                     f"listens on {listen}")
                missing = "unix:" + os.path.join(tmp, "no-such.sock")
                argv = [options.jwtctl] + replace_arg(
                    command[1:], (found[0] - 1, found[1], found[2]),
                    "--addr", missing)
                rc, out, err = run(argv, tmp)
                if rc != NOT_SERVING:
                    failures.add(probe_where, f"jwtctl {' '.join(argv[1:])} "
                                 f"exited {rc}, expected {NOT_SERVING} (not "
                                 f"serving); 2 is a usage error:\n{out}{err}")
                else:
                    print(f"ok   {probe_where}: jwtctl exits {rc} when "
                          "jwtd is not there")

    if jwtd_runs == 0:
        failures.add("deploy/kubernetes", "no container runs jwtd")
    if probe_runs == 0:
        failures.add("deploy/kubernetes", "no exec probe runs jwtctl")
    if failures.messages:
        print(f"{len(failures.messages)} problem(s) in deploy/",
              file=sys.stderr)
        return 1
    print(f"deploy/: {jwtd_runs} jwtd containers and {probe_runs} jwtctl "
          "probes check out")
    return 0


def check_jwtd_container(where, group, pod, container, namespace, configmaps,
                         uid, jwtd, tmp, failures):
    """Hardening, then jwtd --check-config with the container's args and its
    mounted config. Returns the parsed config when jwtd accepts it."""
    check_security(where, pod, container, failures)
    if (group == "initContainers"
            and container.get("restartPolicy") != "Always"):
        failures.add(where, "a jwtd init container must be a native sidecar "
                     "(restartPolicy: Always)")
    run_as = container.get("securityContext", {}).get(
        "runAsUser", pod.get("securityContext", {}).get("runAsUser"))
    if uid is not None and run_as != uid:
        failures.add(where, f"runAsUser {run_as} is not the image's USER {uid}")
    args = [str(a) for a in container.get("args", [])]
    found = config_arg(args)
    if found is None:
        failures.add(where, "no --config in args")
        return None
    config_text, error = volume_file(pod, container, found[1], configmaps,
                                     namespace)
    if error:
        failures.add(where, error)
        return None
    config_copy = os.path.join(
        tmp, re.sub(r"[^A-Za-z0-9_.-]+", "-", where) + ".yaml")
    with open(config_copy, "w", encoding="utf-8") as f:
        f.write(config_text)
    argv = ([jwtd] + replace_arg(args, found, "--config", config_copy) +
            ["--check-config"])
    rc, out, err = run(argv, tmp)
    if rc != 0:
        failures.add(where, f"jwtd {' '.join(argv[1:])} exited {rc}:\n"
                     f"{out}{err}")
        return None
    print(f"ok   {where}: jwtd --check-config")
    config = yaml.safe_load(config_text)
    check_http_probes(where, container, config, failures)
    return config


def check_http_probes(where, container, config, failures):
    """httpGet probes of a jwtd container must hit its HTTP listener."""
    http_listen = config.get("http_listen") or ""
    ports = {p.get("name"): p["containerPort"]
             for p in container.get("ports", [])}
    for probe_name in PROBES:
        probe = container.get(probe_name)
        if not probe or "httpGet" not in probe:
            continue
        get = probe["httpGet"]
        port = get.get("port")
        port = ports.get(port, port) if isinstance(port, str) else port
        if not http_listen or not http_listen.endswith(f":{port}"):
            failures.add(f"{where} {probe_name}", f"port {get.get('port')} "
                         f"is not http_listen ({http_listen or 'off'})")
        if get.get("path") not in ("/healthz", "/readyz"):
            failures.add(f"{where} {probe_name}",
                         f"path {get.get('path')} is not /healthz or /readyz")


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(_TMP, ignore_errors=True)
