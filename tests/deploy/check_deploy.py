#!/usr/bin/env python3
"""Checks the deployment artifacts in deploy/ on a machine without Docker or Kubernetes.

What runs here stands in for what cannot: YAML parsing and structural rules for the Kubernetes
objects (the fields of the API types we use, written out below: no network, no kubeconform),
cross-references between the files (ports, probes, paths, users, labels, the configuration),
a Dockerfile lint, `systemd-analyze verify` and `security` on the unit, and
`accord --check-config` on the configurations. Each failure is one line naming the file and
the cause; the exit status is 1 when anything failed, 2 on a usage or environment error.

  tests/deploy/check_deploy.py --source-dir . --accord build/broker/accord \
      --binary build/clients/accordctl --binary build/clients/accord-device ...
  tests/deploy/check_deploy.py --write-configmap    # regenerate deploy/kubernetes/configmap.yaml

CTest runs it as `deploy_artifacts` (label deploy), see tests/deploy/CMakeLists.txt.
"""
import argparse
import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        tomllib = None
try:
    import yaml
except ModuleNotFoundError:
    print("check_deploy: PyYAML is missing: apt-get install python3-yaml (deploy/install-deps.sh)")
    sys.exit(2)

class StrictLoader(yaml.SafeLoader):
    """PyYAML keeps the last of duplicate keys silently; kubectl and compose refuse them."""


def _no_duplicates(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)

PROD_CONFIG = "deploy/accord.production.toml"
COMPOSE_CONFIG = "deploy/compose/accord.toml"
COMPOSE_FILE = "deploy/docker-compose.yml"
DOCKERFILE = "deploy/Dockerfile"
K8S_DIR = "deploy/kubernetes"
CONFIGMAP = "deploy/kubernetes/configmap.yaml"
UNIT = "deploy/systemd/accord.service"
CONFIG_PATH = "/etc/accord/accord.toml"   # where every deployment puts the configuration
BINARIES = ("accord", "accordctl", "accord-device", "accord-sub")
MAX_EXPOSURE = 2.0                        # systemd-analyze security, 0 (best) .. 10
# Libraries the debian:bookworm-slim image already has (Essential packages and apt's own).
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}
SANITIZER_LIBS = re.compile(r"lib(asan|ubsan|tsan|lsan|hwasan)\.so")


class Report:
    """Collects results per area; prints `ok` lines and one `FAIL` line per problem."""

    def __init__(self):
        self.failures = []
        self.notes = []
        self.counts = {}

    def check(self, cond, where, message):
        self.counts[where] = self.counts.get(where, 0) + 1
        if not cond:
            self.failures.append(f"FAIL {where}: {message}")
        return bool(cond)

    def fail(self, where, message):
        return self.check(False, where, message)

    def note(self, message):
        self.notes.append(f"note: {message}")


# ---------------------------------------------------------------------------------------------
# The Accord configuration: listeners, admin port, paths

def load_toml(path, report, where):
    if tomllib is None:
        report.fail(where, "no TOML parser: needs Python 3.11 (tomllib) or python3-tomli")
        return None
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        report.fail(where, f"{path} does not exist")
    except tomllib.TOMLDecodeError as e:
        report.fail(where, f"{path} is not valid TOML: {e}")
    return None


def is_loopback(address):
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return address == "localhost"


def split_listen(text):
    """admin.listen "ADDR:PORT" / "[V6]:PORT" -> (addr, port) or None."""
    m = re.fullmatch(r"\[?([^\]]*?)\]?:(\d+)", text or "")
    return (m.group(1), int(m.group(2))) if m else None


class AccordConfig:
    def __init__(self, data):
        self.data = data or {}
        self.listeners = [l for l in self.data.get("listeners", []) if isinstance(l, dict)]
        admin = self.data.get("admin", {})
        self.admin = split_listen(admin.get("listen", "127.0.0.1:8081"))
        self.admin_tls = bool(admin.get("tls_cert_file"))
        self.data_dir = self.data.get("store", {}).get("data_dir", "accord-data")
        self.grace_ms = self.data.get("server", {}).get("shutdown_grace_ms", 3000)

    def public_ports(self):
        """Listener ports reachable from outside the host/pod (not bound to loopback)."""
        return {int(l["port"]) for l in self.listeners if not is_loopback(str(l.get("address", "")))}

    def files(self):
        """Every file the configuration names (certificates, password, ACL, credentials)."""
        out = []
        for l in self.listeners:
            out += [l[k] for k in ("tls_cert_file", "tls_key_file", "tls_ca_file") if l.get(k)]
        for section, keys in (("auth", ("password_file", "acl_file")),
                              ("admin", ("credentials_file", "tls_cert_file", "tls_key_file"))):
            out += [self.data.get(section, {}).get(k) for k in keys if self.data.get(section, {}).get(k)]
        return sorted(set(out))


def check_configs(root, args, report):
    where = PROD_CONFIG
    prod = AccordConfig(load_toml(root / PROD_CONFIG, report, where))
    compose = AccordConfig(load_toml(root / COMPOSE_CONFIG, report, COMPOSE_CONFIG))
    if prod.data:
        report.check(prod.data_dir == "/var/lib/accord", where,
                     f"store.data_dir is {prod.data_dir!r}, the images and units use /var/lib/accord")
        report.check(prod.data.get("store", {}).get("durability") == "sync", where,
                     "store.durability must be \"sync\" in production")
        report.check(prod.data.get("auth", {}).get("anonymous") == "deny", where,
                     "auth.anonymous must be \"deny\" in production")
        report.check(prod.admin is not None and not is_loopback(prod.admin[0]), where,
                     "admin.listen must be on all interfaces (0.0.0.0 / ::) for Kubernetes probes")
        report.check(prod.admin_tls and bool(prod.data.get("admin", {}).get("credentials_file")), where,
                     "the admin API on all interfaces needs tls_cert_file and credentials_file")
        for l in prod.listeners:
            if not is_loopback(str(l.get("address", ""))):
                report.check(l.get("tls") is True, where,
                             f"listener {l.get('address')}:{l.get('port')} is reachable from outside without TLS")
        report.check(prod.data.get("log", {}).get("format") == "json", where, "log.format must be json")
        for f in prod.files():
            report.check(f.startswith("/etc/accord/"), where, f"{f}: keep certificates and auth files under /etc/accord")
    for cfg_file in (PROD_CONFIG, COMPOSE_CONFIG):
        if not args.accord:
            report.fail(cfg_file, "no broker binary to run --check-config (pass --accord)")
            continue
        try:
            r = subprocess.run([args.accord, "--config", str(root / cfg_file), "--check-config"],
                               capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            report.fail(cfg_file, f"accord --check-config could not run: {e}")
            continue
        text = (r.stderr + r.stdout).strip().replace("\n", " | ")
        report.check(r.returncode == 0, cfg_file, f"accord --check-config refuses it: {text}")
    return prod, compose


# ---------------------------------------------------------------------------------------------
# Kubernetes: structural rules for the API types used (a closed set of fields per type, so a
# misspelt field is an error, as with kubeconform's strict mode), then the cross-references.
# The field lists are the Kubernetes 1.31 API's; they were compared once with the models of
# Debian's python3-kubernetes (1.22: every field there is here, the rest came later).

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
PORT_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
QUANTITY = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def obj(props, required=(), closed=True):
    return {"t": "object", "p": props, "r": required, "closed": closed}


def arr(item):
    return {"t": "array", "i": item}


def enum(*values):
    return {"t": "enum", "v": values}


STR, INT, BOOL, ANY = {"t": "string"}, {"t": "int"}, {"t": "bool"}, {"t": "any"}
QTY = {"t": "quantity"}
INT_OR_STR = {"t": "intorstr"}
STR_MAP = {"t": "strmap"}
QTY_MAP = {"t": "qtymap"}
NAME = {"t": "dnssubdomain"}
PORT = {"t": "port"}
PNAME = {"t": "portname"}

META = obj({"name": NAME, "generateName": STR, "namespace": STR, "labels": {"t": "labels"},
            "annotations": STR_MAP, "finalizers": arr(STR), "ownerReferences": ANY,
            # set by the server; harmless in a file exported from a cluster
            **{k: ANY for k in ("uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
                                "deletionGracePeriodSeconds", "managedFields", "selfLink", "clusterName")}})
SELECTOR = obj({"matchLabels": {"t": "labels"}, "matchExpressions": ANY})
KEY_TO_PATH = obj({"key": STR, "path": STR, "mode": INT}, required=("key", "path"))
HTTP_GET = obj({"path": STR, "port": INT_OR_STR, "host": STR, "scheme": enum("HTTP", "HTTPS"),
                "httpHeaders": ANY}, required=("port",))
PROBE = obj({"httpGet": HTTP_GET, "tcpSocket": ANY, "exec": ANY, "grpc": ANY,
             "initialDelaySeconds": INT, "timeoutSeconds": INT, "periodSeconds": INT,
             "successThreshold": INT, "failureThreshold": INT, "terminationGracePeriodSeconds": INT})
SECCOMP = obj({"type": enum("RuntimeDefault", "Localhost", "Unconfined"), "localhostProfile": STR},
              required=("type",))
CONTAINER_SC = obj({"capabilities": obj({"add": arr(STR), "drop": arr(STR)}), "privileged": BOOL,
                    "seLinuxOptions": ANY, "windowsOptions": ANY, "runAsUser": INT, "runAsGroup": INT,
                    "runAsNonRoot": BOOL, "readOnlyRootFilesystem": BOOL,
                    "allowPrivilegeEscalation": BOOL, "procMount": STR, "seccompProfile": SECCOMP,
                    "appArmorProfile": ANY})
POD_SC = obj({"seLinuxOptions": ANY, "windowsOptions": ANY, "runAsUser": INT, "runAsGroup": INT,
              "runAsNonRoot": BOOL, "supplementalGroups": arr(INT), "supplementalGroupsPolicy": STR,
              "fsGroup": INT, "sysctls": ANY, "fsGroupChangePolicy": enum("OnRootMismatch", "Always"),
              "seccompProfile": SECCOMP, "appArmorProfile": ANY, "seLinuxChangePolicy": STR})
CONTAINER = obj({
    "name": {"t": "dnslabel"}, "image": STR, "imagePullPolicy": enum("Always", "IfNotPresent", "Never"),
    "command": arr(STR), "args": arr(STR), "workingDir": STR,
    "ports": arr(obj({"name": PNAME, "containerPort": PORT, "hostPort": PORT, "hostIP": STR,
                      "protocol": enum("TCP", "UDP", "SCTP")}, required=("containerPort",))),
    "env": ANY, "envFrom": ANY,
    "resources": obj({"limits": QTY_MAP, "requests": QTY_MAP, "claims": ANY}),
    "volumeMounts": arr(obj({"name": STR, "mountPath": STR, "readOnly": BOOL, "subPath": STR,
                             "subPathExpr": STR, "mountPropagation": STR, "recursiveReadOnly": STR},
                            required=("name", "mountPath"))),
    "volumeDevices": ANY, "livenessProbe": PROBE, "readinessProbe": PROBE, "startupProbe": PROBE,
    "lifecycle": ANY, "terminationMessagePath": STR,
    "terminationMessagePolicy": enum("File", "FallbackToLogsOnError"), "securityContext": CONTAINER_SC,
    "stdin": BOOL, "stdinOnce": BOOL, "tty": BOOL, "resizePolicy": ANY, "restartPolicy": STR,
}, required=("name", "image"))
PROJECTION = obj({"configMap": obj({"name": STR, "items": arr(KEY_TO_PATH), "optional": BOOL}),
                  "secret": obj({"name": STR, "items": arr(KEY_TO_PATH), "optional": BOOL}),
                  "downwardAPI": ANY, "serviceAccountToken": ANY, "clusterTrustBundle": ANY})
VOLUME = obj({
    "name": {"t": "dnslabel"},
    "configMap": obj({"name": STR, "items": arr(KEY_TO_PATH), "defaultMode": INT, "optional": BOOL}),
    "secret": obj({"secretName": STR, "items": arr(KEY_TO_PATH), "defaultMode": INT, "optional": BOOL}),
    "projected": obj({"sources": arr(PROJECTION), "defaultMode": INT}, required=("sources",)),
    "emptyDir": obj({"medium": STR, "sizeLimit": QTY}),
    "persistentVolumeClaim": obj({"claimName": STR, "readOnly": BOOL}, required=("claimName",)),
    "downwardAPI": ANY, "hostPath": ANY, "csi": ANY, "ephemeral": ANY, "nfs": ANY, "image": ANY,
    **{k: ANY for k in ("awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "fc", "flexVolume",
                        "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "iscsi", "photonPersistentDisk",
                        "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume")},
}, required=("name",))
POD_SPEC = obj({
    "volumes": arr(VOLUME), "initContainers": arr(CONTAINER), "containers": arr(CONTAINER),
    "ephemeralContainers": ANY, "restartPolicy": enum("Always", "OnFailure", "Never"),
    "terminationGracePeriodSeconds": INT, "activeDeadlineSeconds": INT, "dnsPolicy": STR,
    "nodeSelector": STR_MAP, "serviceAccountName": STR, "serviceAccount": STR,
    "automountServiceAccountToken": BOOL, "nodeName": STR, "hostNetwork": BOOL, "hostPID": BOOL,
    "hostIPC": BOOL, "shareProcessNamespace": BOOL, "securityContext": POD_SC, "imagePullSecrets": ANY,
    "hostname": STR, "subdomain": STR, "affinity": ANY, "schedulerName": STR, "tolerations": ANY,
    "hostAliases": ANY, "priorityClassName": STR, "priority": INT, "dnsConfig": ANY,
    "readinessGates": ANY, "runtimeClassName": STR, "enableServiceLinks": BOOL,
    "preemptionPolicy": STR, "overhead": ANY, "topologySpreadConstraints": ANY,
    "setHostnameAsFQDN": BOOL, "os": ANY, "hostUsers": BOOL, "schedulingGates": ANY,
    "resourceClaims": ANY, "resources": ANY,
}, required=("containers",))
PVC_TEMPLATE = obj({
    "apiVersion": STR, "kind": STR, "metadata": META,
    "spec": obj({"accessModes": arr(enum("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")),
                 "selector": SELECTOR, "resources": obj({"requests": QTY_MAP, "limits": QTY_MAP}),
                 "volumeName": STR, "storageClassName": STR, "volumeMode": enum("Filesystem", "Block"),
                 "dataSource": ANY, "dataSourceRef": ANY, "volumeAttributesClassName": STR},
                required=("accessModes", "resources")),
}, required=("metadata", "spec"))
STATEFULSET = obj({
    "apiVersion": STR, "kind": STR, "metadata": META, "status": ANY,
    "spec": obj({
        "replicas": INT, "selector": SELECTOR,
        "template": obj({"metadata": META, "spec": POD_SPEC}, required=("metadata", "spec")),
        "volumeClaimTemplates": arr(PVC_TEMPLATE), "serviceName": STR,
        "podManagementPolicy": enum("OrderedReady", "Parallel"),
        "updateStrategy": obj({"type": enum("RollingUpdate", "OnDelete"), "rollingUpdate": ANY}),
        "revisionHistoryLimit": INT, "minReadySeconds": INT,
        "persistentVolumeClaimRetentionPolicy": ANY, "ordinals": ANY,
    }, required=("selector", "template")),
}, required=("metadata", "spec"))
SERVICE = obj({
    "apiVersion": STR, "kind": STR, "metadata": META, "status": ANY,
    "spec": obj({
        "ports": arr(obj({"name": PNAME, "protocol": enum("TCP", "UDP", "SCTP"), "appProtocol": STR,
                          "port": PORT, "targetPort": INT_OR_STR, "nodePort": PORT},
                         required=("port",))),
        "selector": {"t": "labels"}, "clusterIP": STR, "clusterIPs": arr(STR),
        "type": enum("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"), "externalIPs": arr(STR),
        "sessionAffinity": enum("ClientIP", "None"), "loadBalancerIP": STR,
        "loadBalancerSourceRanges": arr(STR), "externalName": STR,
        "externalTrafficPolicy": enum("Cluster", "Local"), "healthCheckNodePort": INT,
        "publishNotReadyAddresses": BOOL, "sessionAffinityConfig": ANY, "ipFamilies": arr(STR),
        "ipFamilyPolicy": STR, "allocateLoadBalancerNodePorts": BOOL, "loadBalancerClass": STR,
        "internalTrafficPolicy": enum("Cluster", "Local"), "trafficDistribution": STR,
    }),
}, required=("metadata", "spec"))
CONFIGMAP_T = obj({"apiVersion": STR, "kind": STR, "metadata": META, "data": STR_MAP,
                   "binaryData": STR_MAP, "immutable": BOOL}, required=("metadata",))
KINDS = {("apps/v1", "StatefulSet"): STATEFULSET, ("v1", "Service"): SERVICE,
         ("v1", "ConfigMap"): CONFIGMAP_T}


def validate(value, schema, path, errors):
    """Structural check of `value` against `schema`; appends "path: problem" to errors."""
    t = schema["t"]
    if t == "any":
        return
    if t == "object":
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object, got {type(value).__name__}")
            return
        for k in schema["r"]:
            if k not in value:
                errors.append(f"{path}: required field {k!r} is missing")
        for k, v in value.items():
            if k in schema["p"]:
                validate(v, schema["p"][k], f"{path}.{k}", errors)
            elif schema["closed"]:
                errors.append(f"{path}: unknown field {k!r}")
    elif t == "array":
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list")
            return
        for i, v in enumerate(value):
            validate(v, schema["i"], f"{path}[{i}]", errors)
    elif t == "enum":
        if value not in schema["v"]:
            errors.append(f"{path}: {value!r} is not one of {', '.join(schema['v'])}")
    elif t in ("string", "dnssubdomain", "dnslabel", "portname"):
        if not isinstance(value, str):
            errors.append(f"{path}: expected a string, got {value!r}")
        elif t == "dnssubdomain" and not (DNS_SUBDOMAIN.match(value) and len(value) <= 253):
            errors.append(f"{path}: {value!r} is not a DNS-1123 subdomain")
        elif t == "dnslabel" and not (DNS_LABEL.match(value) and len(value) <= 63):
            errors.append(f"{path}: {value!r} is not a DNS-1123 label")
        elif t == "portname" and not (PORT_NAME.match(value) and len(value) <= 15):
            errors.append(f"{path}: {value!r} is not a port name (<= 15 lowercase letters, digits, '-')")
    elif t == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: expected an integer, got {value!r}")
    elif t == "bool":
        if not isinstance(value, bool):
            errors.append(f"{path}: expected true or false, got {value!r}")
    elif t == "port":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
            errors.append(f"{path}: {value!r} is not a port number (1..65535)")
    elif t == "intorstr":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            errors.append(f"{path}: expected a port number or name, got {value!r}")
        elif isinstance(value, str) and not PORT_NAME.match(value):
            errors.append(f"{path}: {value!r} is not a port name")
    elif t == "quantity":
        if isinstance(value, bool) or not (isinstance(value, (int, float)) or QUANTITY.match(str(value))):
            errors.append(f"{path}: {value!r} is not a Kubernetes quantity (e.g. 500m, 2, 512Mi)")
    elif t in ("strmap", "labels", "qtymap"):
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a map")
            return
        for k, v in value.items():
            if t == "qtymap":
                validate(v, QTY, f"{path}.{k}", errors)
            elif not isinstance(v, str):
                errors.append(f"{path}.{k}: expected a string value, got {v!r} (quote it)")
            elif t == "labels" and not (LABEL_VALUE.match(v) and len(v) <= 63):
                errors.append(f"{path}.{k}: {v!r} is not a valid label value")


def check_kubernetes(root, args, prod, report):
    kdir = root / K8S_DIR
    files = sorted(p for p in kdir.rglob("*") if p.suffix in (".yaml", ".yml"))
    report.check(files, K8S_DIR, "no YAML files")
    objects = []          # (file, doc)
    kustomization = None
    for f in files:
        rel = f.relative_to(root)
        try:
            docs = [d for d in yaml.load_all(f.read_text(), Loader=StrictLoader) if d is not None]
        except yaml.YAMLError as e:
            report.fail(str(rel), f"YAML does not parse: {' '.join(str(e).split())}")
            continue
        report.check(docs, str(rel), "empty file")
        for d in docs:
            if not isinstance(d, dict):
                report.fail(str(rel), "a document is not a mapping")
                continue
            if d.get("kind") == "Kustomization":
                kustomization = (f, d)
                continue
            objects.append((rel, d))
    by_kind = {}
    for rel, d in objects:
        where = str(rel)
        ok = report.check(isinstance(d.get("apiVersion"), str), where, "apiVersion is missing")
        ok &= report.check(isinstance(d.get("kind"), str), where, "kind is missing")
        meta = d.get("metadata") if isinstance(d.get("metadata"), dict) else {}
        ok &= report.check(isinstance(meta.get("name"), str), where, "metadata.name is missing")
        if not ok:
            continue
        where = f"{rel} ({d['kind']} {meta['name']})"
        report.check("namespace" not in meta, where,
                     "metadata.namespace is set; the manifests are namespace-agnostic (kubectl -n)")
        if not report.check(d["kind"] != "Secret", where,
                            "a Secret in the repository: reference it, create it with kubectl (docs/deployment.md)"):
            continue
        schema = KINDS.get((d["apiVersion"], d["kind"]))
        if not report.check(schema is not None, where,
                            f"no structural rules for {d['apiVersion']} {d['kind']}: add them to check_deploy.py"):
            continue
        errors = []
        validate(d, schema, d["kind"], errors)
        for e in errors:
            report.fail(where, e)
        by_kind.setdefault(d["kind"], []).append((where, d))

    # kustomization: lists exactly the object files, and kubectl (when present) renders it.
    if report.check(kustomization is not None, K8S_DIR, "kustomization.yaml is missing"):
        kf, k = kustomization
        resources = k.get("resources", [])
        listed = {(kf.parent / r).resolve() for r in resources}
        for r in resources:
            report.check((kf.parent / r).is_file(), str(kf.relative_to(root)), f"resource {r} does not exist")
        for rel, _ in objects:
            report.check((root / rel).resolve() in listed, str(kf.relative_to(root)),
                         f"{rel} is not listed in resources")
        report.check("namespace" not in k, str(kf.relative_to(root)), "sets a namespace (keep it agnostic)")
        kubectl = shutil.which("kubectl")
        if kubectl:
            r = subprocess.run([kubectl, "kustomize", str(kdir)], capture_output=True, text=True, timeout=60)
            if report.check(r.returncode == 0, str(kf.relative_to(root)),
                            f"kubectl kustomize fails: {' '.join(r.stderr.split())[:300]}"):
                rendered = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(r.stdout) if d}
                expected = {(d["kind"], d["metadata"]["name"]) for _, d in objects
                            if isinstance(d.get("metadata"), dict)}
                report.check(rendered == expected, str(kf.relative_to(root)),
                             f"kubectl kustomize renders {sorted(rendered)}, the files hold {sorted(expected)}")
        else:
            report.note("kubectl not installed: kustomization rendering not checked (structure is)")

    sts_list = by_kind.get("StatefulSet", [])
    if not report.check(len(sts_list) == 1, K8S_DIR, f"expected one StatefulSet, found {len(sts_list)}"):
        return
    where, sts = sts_list[0]
    spec = sts["spec"]
    pod = spec["template"].get("spec", {})
    pod_labels = spec["template"].get("metadata", {}).get("labels", {}) or {}
    containers = pod.get("containers", [])
    c = next((c for c in containers if c.get("name") == "accord"), containers[0] if containers else None)
    if not report.check(c is not None, where, "no container"):
        return
    report.check(spec.get("replicas", 1) == 1, where, "replicas must be 1 (one RocksDB store, no clustering)")
    match = (spec.get("selector") or {}).get("matchLabels") or {}
    report.check(match and all(pod_labels.get(k) == v for k, v in match.items()), where,
                 f"selector.matchLabels {match} does not select the pod template's labels {pod_labels}")

    # Configuration: args point at the file the volume provides; every file it names is provided.
    cargs = (c.get("command") or []) + (c.get("args") or [])
    report.check(cargs[-2:] == ["--config", CONFIG_PATH] or CONFIG_PATH in cargs, where,
                 f"container args {cargs} do not pass --config {CONFIG_PATH}")
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", []) if isinstance(m, dict) and "mountPath" in m}
    volumes = {v["name"]: v for v in pod.get("volumes", []) if isinstance(v, dict) and "name" in v}
    vct = {t.get("metadata", {}).get("name"): t for t in spec.get("volumeClaimTemplates", []) if isinstance(t, dict)}
    for m in mounts.values():
        report.check(m["name"] in volumes or m["name"] in vct, where,
                     f"volumeMount {m['name']} is neither a volume nor a volumeClaimTemplate")
    provided = {}   # absolute path in the container -> (kind, name, key)
    for mpath, m in mounts.items():
        v = volumes.get(m["name"], {})
        sources = []
        if "projected" in v:
            sources = v["projected"].get("sources", [])
        elif "configMap" in v:
            sources = [{"configMap": v["configMap"]}]
        elif "secret" in v:
            sources = [{"secret": dict(v["secret"], name=v["secret"].get("secretName"))}]
        for s in sources:
            for kind in ("configMap", "secret"):
                if kind in s:
                    for item in s[kind].get("items", []):
                        provided[f"{mpath.rstrip('/')}/{item['path']}"] = (kind, s[kind].get("name"), item["key"])
    cm_source = provided.get(CONFIG_PATH)
    if report.check(cm_source and cm_source[0] == "configMap", where,
                    f"no ConfigMap item is mounted at {CONFIG_PATH}"):
        cms = {d["metadata"]["name"]: d for _, d in by_kind.get("ConfigMap", [])}
        cm = cms.get(cm_source[1])
        if report.check(cm is not None, where, f"ConfigMap {cm_source[1]} is not among the manifests"):
            text = (cm.get("data") or {}).get(cm_source[2])
            prod_text = (root / PROD_CONFIG).read_text() if (root / PROD_CONFIG).is_file() else None
            if not report.check(text == prod_text, CONFIGMAP,
                                f"data[{cm_source[2]!r}] differs from {PROD_CONFIG}: run "
                                "tests/deploy/check_deploy.py --write-configmap"):
                import difflib
                for line in list(difflib.unified_diff((prod_text or "").splitlines(), (text or "").splitlines(),
                                                      PROD_CONFIG, CONFIGMAP, lineterm="", n=0))[:12]:
                    report.note(f"  {line}")
    for f in prod.files():
        report.check(f in provided, where, f"{PROD_CONFIG} names {f}, which no volume item provides")

    # Storage: the PVC template mounted at the configuration's data_dir.
    data_mount = mounts.get(prod.data_dir)
    report.check(data_mount is not None and data_mount["name"] in vct, where,
                 f"no volumeClaimTemplate is mounted at store.data_dir {prod.data_dir}")
    for name, t in vct.items():
        report.check("ReadWriteOnce" in t.get("spec", {}).get("accessModes", []) or
                     "ReadWriteOncePod" in t.get("spec", {}).get("accessModes", []), where,
                     f"volumeClaimTemplate {name}: RocksDB needs ReadWriteOnce(Pod)")
        report.check("storage" in t.get("spec", {}).get("resources", {}).get("requests", {}), where,
                     f"volumeClaimTemplate {name} requests no storage size")

    # Ports: every listener reachable from outside, and the admin port, are container ports.
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", []) if isinstance(p, dict)}
    numbers = set(ports.values())
    for port in sorted(prod.public_ports()):
        report.check(port in numbers, where, f"listener port {port} of {PROD_CONFIG} is not a containerPort")
    admin_port = prod.admin[1] if prod.admin else None
    report.check(admin_port in numbers, where, f"admin port {admin_port} is not a containerPort")

    def resolve(port):
        return ports.get(port) if isinstance(port, str) else port

    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")):
        p = c.get(probe)
        if not report.check(isinstance(p, dict) and "httpGet" in p, where, f"{probe} with httpGet is missing"):
            continue
        g = p["httpGet"]
        report.check(g.get("path") == path, where, f"{probe} path is {g.get('path')!r}, expected {path}")
        report.check(resolve(g.get("port")) == admin_port and admin_port is not None, where,
                     f"{probe} port {g.get('port')!r} is not the admin port {admin_port} of the container")
        scheme = "HTTPS" if prod.admin_tls else "HTTP"
        report.check(g.get("scheme", "HTTP") == scheme, where,
                     f"{probe} scheme {g.get('scheme', 'HTTP')} but the admin API speaks {scheme}")
    sp = c.get("startupProbe") or {}
    budget = sp.get("periodSeconds", 10) * sp.get("failureThreshold", 3)
    report.check(budget >= 300, where, f"startupProbe allows {budget} s; RocksDB recovery needs minutes (>= 300)")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    report.check(grace * 1000 > prod.grace_ms, where,
                 f"terminationGracePeriodSeconds {grace} s is not longer than server.shutdown_grace_ms {prod.grace_ms}")

    # Security context: pod level or container level.
    psc, csc = pod.get("securityContext") or {}, c.get("securityContext") or {}

    def eff(key):
        return csc.get(key, psc.get(key))
    report.check(psc.get("runAsNonRoot") is True and csc.get("runAsNonRoot") in (None, True), where,
                 "runAsNonRoot must be true (pod securityContext, and not false in the container's)")
    report.check(isinstance(eff("runAsUser"), int) and eff("runAsUser") > 0, where, "runAsUser must be a non-zero uid")
    report.check(isinstance(psc.get("fsGroup"), int), where, "pod securityContext.fsGroup is missing (PVC ownership)")
    report.check(csc.get("readOnlyRootFilesystem") is True, where, "readOnlyRootFilesystem must be true")
    report.check(csc.get("allowPrivilegeEscalation") is False, where, "allowPrivilegeEscalation must be false")
    report.check(csc.get("privileged") in (None, False), where, "privileged must not be true")
    report.check("ALL" in ((csc.get("capabilities") or {}).get("drop") or []), where, "capabilities.drop must include ALL")
    report.check(not (csc.get("capabilities") or {}).get("add"), where, "capabilities.add must be empty")
    report.check((eff("seccompProfile") or {}).get("type") == "RuntimeDefault", where,
                 "seccompProfile.type must be RuntimeDefault")
    res = c.get("resources") or {}
    for kind in ("requests", "limits"):
        for r in ("cpu", "memory"):
            report.check(r in (res.get(kind) or {}), where, f"resources.{kind}.{r} is missing")
    args.k8s_user = (eff("runAsUser"), psc.get("fsGroup"))
    args.k8s_image = c.get("image", "")

    # Services select the StatefulSet's pods; their target ports exist; the headless one governs.
    services = by_kind.get("Service", [])
    governing = [d for _, d in services if d["metadata"]["name"] == spec.get("serviceName")]
    report.check(governing and governing[0]["spec"].get("clusterIP") == "None", where,
                 f"serviceName {spec.get('serviceName')!r} is not a headless Service (clusterIP: None) here")
    client_ports = set()
    for swhere, s in services:
        sel = s["spec"].get("selector") or {}
        report.check(sel and all(pod_labels.get(k) == v for k, v in sel.items()), swhere,
                     f"selector {sel} does not match the StatefulSet's pod labels {pod_labels}")
        for p in s["spec"].get("ports", []):
            tp = p.get("targetPort", p.get("port"))
            report.check(resolve(tp) in numbers, swhere,
                         f"port {p.get('name')}: targetPort {tp!r} is not a port of the accord container")
            if s["spec"].get("clusterIP") != "None":
                client_ports.add(resolve(tp))
    report.check(any(s["spec"].get("clusterIP") != "None" for _, s in services), K8S_DIR, "no client Service")
    for port in sorted(prod.public_ports()):
        report.check(port in client_ports, K8S_DIR, f"listener port {port} is not offered by a client Service")


# ---------------------------------------------------------------------------------------------
# Dockerfile

def parse_dockerfile(text):
    """-> list of (line number, INSTRUCTION, argument text), continuation lines joined."""
    out, buf, start = [], "", 0
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s.startswith("#") or (not s and not buf):
            continue
        if not buf:
            start = n
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        buf += s
        if buf.strip():
            parts = buf.strip().split(None, 1)
            out.append((start, parts[0].upper(), parts[1] if len(parts) > 1 else ""))
        buf = ""
    return out


def exec_form(argtext):
    """JSON (exec) form -> list, shell form -> None."""
    try:
        v = json.loads(argtext)
        return v if isinstance(v, list) else None
    except ValueError:
        return None


def cmake_targets(root):
    names = set()
    for f in root.rglob("CMakeLists.txt"):
        if any(part.startswith("build") for part in f.relative_to(root).parts):
            continue
        names |= set(re.findall(r"add_executable\(\s*([A-Za-z0-9_.+-]+)", f.read_text()))
    return names


def dockerignore_patterns(root):
    p = root / ".dockerignore"
    if not p.is_file():
        return None
    return [l.strip() for l in p.read_text().splitlines() if l.strip() and not l.startswith("#")]


def check_dockerfile(root, args, prod, report):
    where = DOCKERFILE
    path = root / DOCKERFILE
    if not report.check(path.is_file(), where, "missing"):
        return None
    ins = parse_dockerfile(path.read_text())
    stages, stage_names = [], set()
    for n, cmd, a in ins:
        if cmd == "FROM":
            toks = [t for t in a.split() if not t.startswith("--")]
            image = toks[0] if toks else ""
            name = toks[2] if len(toks) >= 3 and toks[1].lower() == "as" else None
            stages.append({"image": image, "name": name, "ins": []})
            if name:
                stage_names.add(name)
            if image not in stage_names - {name}:
                report.check(re.match(r"^debian:bookworm(-slim)?(@sha256:[0-9a-f]{64})?$", image), where,
                             f"line {n}: base image {image!r} is not Debian 12 (debian:bookworm[-slim])")
        elif stages:
            stages[-1]["ins"].append((n, cmd, a))
        if cmd == "ADD":
            report.check(not re.search(r"(https?|ftp)://|git@", a), where,
                         f"line {n}: ADD of a URL (download in a RUN with a checksum, or COPY a file)")
    if not report.check(len(stages) >= 2, where, f"{len(stages)} FROM: expected a multi-stage build (>= 2)"):
        return None
    final = stages[-1]["ins"]
    targets = cmake_targets(root)
    cmake_opts = set(re.findall(r"option\(\s*(\w+)", (root / "CMakeLists.txt").read_text()))

    # Build stage: Release, tests off, every -DACCORD_* is a real option, built targets exist.
    build_runs = " ".join(a for s in stages[:-1] for _, c, a in s["ins"] if c == "RUN")
    report.check("-DACCORD_BUILD_TESTS=OFF" in build_runs, where, "the build stage does not pass -DACCORD_BUILD_TESTS=OFF")
    report.check("-DCMAKE_BUILD_TYPE=Release" in build_runs, where, "the build stage does not build Release")
    for opt in re.findall(r"-D(ACCORD_\w+)=", build_runs):
        report.check(opt in cmake_opts, where, f"-D{opt}: no such option() in CMakeLists.txt")
    for t in re.findall(r"--target\s+((?:[\w.+-]+\s*)+?)(?:&&|$)", build_runs):
        for name in t.split():
            report.check(name in targets, where, f"--target {name}: no such CMake executable target")

    # Final stage: runtime packages only, the four binaries, non-root numeric user, volume,
    # health check, ports, entry point.
    runtime_runs = " ".join(a for _, c, a in final if c == "RUN")
    for tok in re.findall(r"(?<![\w/.-])([a-z0-9][a-z0-9.+-]*-dev|build-essential|cmake|ninja-build)(?![\w.+-])",
                          runtime_runs):
        report.fail(where, f"the runtime stage installs {tok} (build-only)")
    installed = set(re.findall(r"(?<![\w/.-])([a-z0-9][a-z0-9.+-]+)(?![\w/.+-])", runtime_runs))
    copied_bins, image_files = set(), []
    ignore = dockerignore_patterns(root)
    report.check(ignore is not None, ".dockerignore", "missing at the repository root (the build context)")
    for n, cmd, a in (i for s in stages for i in s["ins"]):
        if cmd != "COPY":
            continue
        toks = exec_form(a) or shlex.split(a)
        flags = [t for t in toks if t.startswith("--")]
        toks = [t for t in toks if not t.startswith("--")]
        srcs, dest = toks[:-1], toks[-1] if toks else ""
        if any(f.startswith("--from=") for f in flags):
            if (n, cmd, a) in final:
                copied_bins |= {Path(s).name for s in srcs if "/bin/" in s}
            continue
        for s in srcs:
            src = root / s
            report.check(src.exists(), where, f"line {n}: COPY source {s} does not exist")
            top = s.strip("/").split("/")[0]
            if ignore:
                report.check(top not in [p.strip("/") for p in ignore], ".dockerignore",
                             f"excludes {top}, which the Dockerfile copies")
            if (n, cmd, a) in final:
                image_files.append((src, dest))
    # The build stage copies the sources selectively: every directory the top-level CMakeLists.txt
    # adds (tests are off in the image) must be among them.
    build_copied = set()
    for stage in stages[:-1]:
        for n, c, a in stage["ins"]:
            if c == "COPY" and "--from=" not in a:
                toks = [t for t in (exec_form(a) or shlex.split(a)) if not t.startswith("--")]
                build_copied |= {t.strip("/").split("/")[0] for t in toks[:-1]}
    top = (root / "CMakeLists.txt").read_text()
    needed = set(re.findall(r"add_subdirectory\(\s*([\w.-]+)", top)) - {"tests"}
    needed |= {p.split("/")[0] for p in re.findall(r"include\(\s*([\w.-]+/[\w./-]+)", top)}
    for d in sorted(needed | {"CMakeLists.txt"}):
        report.check(d in build_copied, where, f"the build stage does not COPY {d}, which the CMake build reads")
    for b in BINARIES:
        report.check(b in copied_bins, where, f"the runtime stage does not copy the {b} binary from the build stage")
    for b in sorted(copied_bins):
        report.check(b in targets, where, f"copies {b}, which is not a CMake executable target")
    if ignore is not None:
        for must in ("build", "node_modules", ".git"):
            report.check(any(must in p for p in ignore), ".dockerignore", f"does not exclude {must}")

    users = [a.strip() for _, c, a in final if c == "USER"]
    user = users[-1] if users else ""
    m = re.fullmatch(r"(\d+)(?::(\d+))?", user)
    report.check(m and int(m.group(1)) != 0, where,
                 f"the final stage's USER is {user or 'unset'!r}: expected a numeric non-root uid[:gid]")
    uid, gid = (int(m.group(1)), int(m.group(2) or m.group(1))) if m else (None, None)
    vols = []
    for _, c, a in final:
        if c == "VOLUME":
            vols += exec_form(a) or a.split()
    report.check(prod.data_dir in vols, where, f"no VOLUME for the data directory {prod.data_dir} (has {vols})")
    hc = [a for _, c, a in final if c == "HEALTHCHECK"]
    report.check(hc and not hc[-1].strip().upper().startswith("NONE") and "/healthz" in " ".join(hc)
                 + " ".join(a for _, c, a in final if c == "ENV"), where,
                 "the final stage has no HEALTHCHECK against the admin API's /healthz")
    envs = " ".join(a for _, c, a in final if c == "ENV")
    hc_url = re.search(r"https?://[^\s\"']*?:(\d+)/healthz", " ".join(hc) + " " + envs)
    if prod.admin:
        report.check(hc_url and int(hc_url.group(1)) == prod.admin[1], where,
                     f"HEALTHCHECK does not target the admin port {prod.admin[1]}")
        report.check(not hc_url or hc_url.group(0).startswith("https" if prod.admin_tls else "http:"), where,
                     "HEALTHCHECK scheme does not match the production admin API (HTTPS iff admin.tls_cert_file)")
    exposed = set()
    for _, c, a in final:
        if c == "EXPOSE":
            exposed |= {int(p.split("/")[0]) for p in a.split() if p.split("/")[0].isdigit()}
    for port in sorted(prod.public_ports() | ({prod.admin[1]} if prod.admin else set())):
        report.check(port in exposed, where, f"port {port} of {PROD_CONFIG} is not in EXPOSE")
    ep = [exec_form(a) for _, c, a in final if c == "ENTRYPOINT"]
    cmd = [exec_form(a) for _, c, a in final if c == "CMD"]
    full = (ep[-1] if ep and ep[-1] is not None else []) + (cmd[-1] if cmd and cmd[-1] is not None else [])
    report.check(len(full) >= 3 and Path(full[0]).name == "accord" and full[1:3] == ["--config", CONFIG_PATH],
                 where, f"ENTRYPOINT+CMD (exec form) is {full}, expected accord --config {CONFIG_PATH}")
    prod_copied = any(src.resolve() == (root / PROD_CONFIG).resolve() and dest == CONFIG_PATH for src, dest in image_files)
    report.check(prod_copied, where, f"the runtime stage does not COPY {PROD_CONFIG} to {CONFIG_PATH}")
    return {"uid": uid, "gid": gid, "installed": installed, "files": image_files,
            "bin_dir": str(Path(full[0]).parent) if full else "", "exposed": exposed}


def image_source(docker, image_path):
    """The repository file the image has at `image_path` (from the final stage's COPYs)."""
    for src, dest in docker["files"] if docker else []:
        if src.is_dir() and dest.endswith("/") and image_path.startswith(dest):
            cand = src / image_path[len(dest):]
            if cand.exists():
                return cand
        elif src.is_file() and (image_path == dest or (dest.endswith("/") and image_path == dest + src.name)):
            return src
    return None


def check_runtime_libraries(args, docker, report):
    """ldd of the built binaries -> Debian packages; each must be installed in the runtime stage."""
    where = f"{DOCKERFILE} (runtime libraries)"
    bins = [b for b in [args.accord] + args.binary if b]
    if not bins:
        report.fail(where, "no binaries given (--accord, --binary) to check the runtime libraries")
        return
    if not (shutil.which("ldd") and shutil.which("dpkg")):
        report.note("ldd or dpkg missing: runtime library packages not checked")
        return
    libs = set()
    for b in bins:
        r = subprocess.run(["ldd", b], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            m = re.search(r"=>\s+(/\S+)", line)
            if m and not SANITIZER_LIBS.search(m.group(1)):
                libs.add(m.group(1))
    owner = {}   # path as dpkg knows it -> package; one dpkg call per round (dpkg -S is slow)

    def ask(paths):
        r = subprocess.run(["dpkg", "-S"] + sorted(set(paths)), capture_output=True, text=True)
        for line in r.stdout.splitlines():
            pkgs, _, p = line.partition(": ")
            owner[p.strip()] = pkgs.split(",")[0].split(":")[0].strip()

    def variants(lib):
        real = os.path.realpath(lib)
        out = [lib, real]
        for p in (lib, real):
            out.append("/usr" + p if p.startswith("/lib") else p.replace("/usr/lib/", "/lib/", 1))
        return out
    ask(v for lib in libs for v in variants(lib))
    for lib in sorted(libs):
        pkg = next((owner[v] for v in variants(lib) if v in owner), None)
        if not report.check(pkg is not None, where, f"{lib}: no Debian package owns it (a library built by hand?)"):
            continue
        report.check(pkg in docker["installed"] or pkg in BASE_IMAGE_PACKAGES, where,
                     f"the binaries need {Path(lib).name} from {pkg}, which the runtime stage does not install")


# ---------------------------------------------------------------------------------------------
# docker-compose.yml

def compose_seconds(v):
    m = re.fullmatch(r"(\d+)(ms|s|m)?", str(v))
    if not m:
        return None
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[m.group(2)]


def check_compose(root, compose_cfg, docker, report):
    where = COMPOSE_FILE
    path = root / COMPOSE_FILE
    try:
        doc = yaml.load(path.read_text(), Loader=StrictLoader)
    except FileNotFoundError:
        report.fail(where, "missing")
        return
    except yaml.YAMLError as e:
        report.fail(where, f"YAML does not parse: {' '.join(str(e).split())}")
        return
    if not report.check(isinstance(doc, dict) and isinstance(doc.get("services"), dict), where, "no services"):
        return
    known_top = {"version", "name", "services", "volumes", "networks", "configs", "secrets", "include"}
    for k in doc:
        report.check(k in known_top or str(k).startswith("x-"), where, f"unknown top-level key {k!r}")
    services = doc["services"]
    declared_volumes = set((doc.get("volumes") or {}).keys())
    broker = next((n for n, s in services.items() if isinstance(s, dict) and "build" in s), None)
    if not report.check(broker, where, "no service is built from the Dockerfile"):
        return
    s = services[broker]
    b = s["build"] if isinstance(s["build"], dict) else {"context": s["build"]}
    ctx = (path.parent / b.get("context", ".")).resolve()
    report.check((ctx / b.get("dockerfile", "Dockerfile")).resolve() == (root / DOCKERFILE).resolve(), where,
                 f"service {broker}: build does not use {DOCKERFILE} with the repository as context")
    image = s.get("image")
    # The broker's configuration: a bind mount (its source must exist) or the image's own.
    cmd = s.get("command") or []
    cmd = shlex.split(cmd) if isinstance(cmd, str) else cmd
    cfg = cmd[cmd.index("--config") + 1] if "--config" in cmd[:-1] else CONFIG_PATH
    mounts = {}
    for v in s.get("volumes", []):
        if isinstance(v, str):
            parts = v.split(":")
            src, target = parts[0], parts[1] if len(parts) > 1 else parts[0]
        else:
            src, target = v.get("source"), v.get("target")
        mounts[target] = src
        if src and (src.startswith(".") or src.startswith("/")):
            report.check((path.parent / src).exists(), where, f"service {broker}: bind mount source {src} does not exist")
        elif src:
            report.check(src in declared_volumes, where, f"service {broker}: volume {src} is not declared")
    if cfg in mounts:
        report.check((path.parent / mounts[cfg]).resolve() == (root / COMPOSE_CONFIG).resolve(), where,
                     f"service {broker} reads {cfg} from {mounts[cfg]}, expected {COMPOSE_CONFIG}")
    else:
        report.check(image_source(docker, cfg) is not None, where, f"service {broker}: --config {cfg} is in neither a mount nor the image")
    data_dir = compose_cfg.data_dir
    report.check(data_dir in mounts and mounts[data_dir] in declared_volumes, where,
                 f"service {broker}: no named volume at the data directory {data_dir}")
    listen_ports = {int(l["port"]) for l in compose_cfg.listeners} | ({compose_cfg.admin[1]} if compose_cfg.admin else set())
    for p in s.get("ports", []):
        p = str(p)
        container = int(p.split(":")[-1].split("/")[0])
        report.check(container in listen_ports, where,
                     f"service {broker}: publishes {container}, which {COMPOSE_CONFIG} does not listen on")
        report.check(p.startswith("127.0.0.1:"), where,
                     f"service {broker}: {p} is published on all host interfaces; the demo has no authentication")
    hc = s.get("healthcheck") or {}
    test = hc.get("test")
    test = " ".join(test) if isinstance(test, list) else str(test or "")
    m = re.search(r"https?://[^\s]*?:(\d+)/healthz", test)
    report.check(m and compose_cfg.admin and int(m.group(1)) == compose_cfg.admin[1], where,
                 f"service {broker}: healthcheck does not GET /healthz on the admin port of {COMPOSE_CONFIG}")
    grace = compose_seconds(s.get("stop_grace_period", "10s"))
    report.check(grace is not None and grace * 1000 > compose_cfg.grace_ms, where,
                 f"service {broker}: stop_grace_period {s.get('stop_grace_period', '10s')} is not longer than "
                 f"server.shutdown_grace_ms {compose_cfg.grace_ms}")
    # The other services: same image, wait for a healthy broker, files they name exist in the image.
    device_found = False
    for name, svc in services.items():
        if name == broker or not isinstance(svc, dict):
            continue
        report.check(svc.get("image") == image, where, f"service {name}: image {svc.get('image')!r} is not the broker's {image!r}")
        dep = (svc.get("depends_on") or {})
        cond = dep.get(broker, {}).get("condition") if isinstance(dep, dict) else None
        report.check(cond == "service_healthy", where,
                     f"service {name}: depends_on {broker} needs condition service_healthy")
        words = []
        for part in ("entrypoint", "command"):
            v = svc.get(part) or []
            words += shlex.split(v) if isinstance(v, str) else [str(x) for x in v]
        text = " ".join(words)
        for f in re.findall(r"(/usr/share/accord/\S+)", text):
            report.check(image_source(docker, f) is not None, where, f"service {name}: {f} is not in the image")
        if "accord-device" in text:
            device_found = True
            report.check(re.search(rf"--host[= ]{re.escape(broker)}\b", text) or f"//{broker}:" in text, where,
                         f"service {name}: accord-device does not connect to the {broker} service")
            pm = re.search(r"--port[= ](\d+)", text)
            report.check(pm is None or int(pm.group(1)) in compose_cfg.public_ports(), where,
                         f"service {name}: --port {pm.group(1) if pm else ''} is not a listener of {COMPOSE_CONFIG}")
        for am in re.finditer(rf"https?://{re.escape(broker)}:(\d+)", text):
            report.check(compose_cfg.admin and int(am.group(1)) == compose_cfg.admin[1] and not is_loopback(compose_cfg.admin[0]),
                         where, f"service {name}: {am.group(0)} is not the admin API reachable from other containers")
    report.check(device_found, where, "no service runs accord-device")


# ---------------------------------------------------------------------------------------------
# systemd unit

def parse_unit(text):
    out = {}
    for line in text.splitlines():
        s = line.strip()
        if not s or s[0] in "#;" or s.startswith("["):
            continue
        k, _, v = s.partition("=")
        out.setdefault(k.strip(), []).append(v.strip())
    return out


def systemd_seconds(v):
    total, ok = 0.0, False
    for num, unit in re.findall(r"(\d+(?:\.\d+)?)\s*(ms|s|sec|min|m|h)?", v):
        total += float(num) * {"ms": 0.001, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "": 1}[unit]
        ok = True
    return total if ok else None


def check_systemd(root, args, prod, docker, report):
    where = UNIT
    path = root / UNIT
    if not report.check(path.is_file(), where, "missing"):
        return
    text = path.read_text()
    u = parse_unit(text)

    def last(k):
        return u.get(k, [None])[-1]
    report.check(last("Type") in ("exec", "simple"), where,
                 f"Type={last('Type')}: the broker has no sd_notify, use exec or simple")
    expected = {
        "User": "accord", "StateDirectory": "accord", "ConfigurationDirectory": "accord",
        "Restart": "on-failure", "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
        "PrivateTmp": "yes", "PrivateDevices": "yes", "ProtectKernelTunables": "yes",
        "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
        "ProtectClock": "yes", "ProtectHostname": "yes", "RestrictNamespaces": "yes",
        "RestrictRealtime": "yes", "RestrictSUIDSGID": "yes", "LockPersonality": "yes",
        "MemoryDenyWriteExecute": "yes", "SystemCallArchitectures": "native", "UMask": "0077",
        "CapabilityBoundingSet": "",
    }
    for k, v in expected.items():
        report.check(last(k) == v, where, f"{k}={last(k) if last(k) is not None else '(unset)'}, expected {k}={v}")
    families = set(" ".join(u.get("RestrictAddressFamilies", [])).split())
    report.check(families == {"AF_INET", "AF_INET6", "AF_UNIX"}, where,
                 f"RestrictAddressFamilies={' '.join(sorted(families))}, expected AF_INET AF_INET6 AF_UNIX")
    report.check("@system-service" in " ".join(u.get("SystemCallFilter", [])), where, "SystemCallFilter=@system-service missing")
    ambient = (last("AmbientCapabilities") or "").split()
    low_port = any(int(l.get("port", 1883)) < 1024 for l in prod.listeners)
    report.check(not ambient or (ambient == ["CAP_NET_BIND_SERVICE"] and low_port), where,
                 f"AmbientCapabilities={' '.join(ambient)}: no listener port below 1024 needs it")
    exec_start = shlex.split(last("ExecStart") or "")
    report.check(exec_start[1:] == ["--config", CONFIG_PATH], where,
                 f"ExecStart arguments {exec_start[1:]}, expected --config {CONFIG_PATH}")
    report.check(exec_start and exec_start[0] == "/usr/local/bin/accord", where,
                 f"ExecStart binary {exec_start[:1]} is not /usr/local/bin/accord (where docs/deployment.md installs it)")
    report.check(re.search(r"kill\s+-(HUP|s\s+HUP|SIGHUP)\s+\$MAINPID", last("ExecReload") or ""), where,
                 "ExecReload must send SIGHUP to $MAINPID (reloads certificates, passwords, ACLs)")
    nofile = last("LimitNOFILE") or "0"
    report.check(nofile == "infinity" or (nofile.split(":")[-1].isdigit() and int(nofile.split(":")[-1]) >= 65536),
                 where, f"LimitNOFILE={nofile}: a broker needs >= 65536")
    stop = systemd_seconds(last("TimeoutStopSec") or "90s")
    report.check(stop is not None and stop * 1000 > prod.grace_ms, where,
                 f"TimeoutStopSec={last('TimeoutStopSec')} is not longer than server.shutdown_grace_ms {prod.grace_ms}")

    tool = shutil.which("systemd-analyze")
    if not report.check(tool, where, "systemd-analyze is not installed (apt-get install systemd; deploy/install-deps.sh)"):
        return
    if not args.accord:
        report.fail(where, "systemd-analyze verify needs the built broker (--accord): ExecStart must exist")
        return
    with tempfile.TemporaryDirectory(prefix="accord-unit-") as tmp:
        # verify wants ExecStart's binary to exist: point the copy at the built broker.
        unit = Path(tmp) / "accord.service"
        unit.write_text(re.sub(r"^ExecStart=\S+", f"ExecStart={os.path.abspath(args.accord)}", text, flags=re.M))
        r = subprocess.run([tool, "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60)
        lines = [l for l in (r.stdout + r.stderr).splitlines() if l.strip()]
        # The one message accepted: User=accord does not exist on the checking machine (it is
        # created at install time). systemd 252 does not report it; later versions may.
        unexpected = [l for l in lines if not re.search(r"user.*accord.*(not found|does not exist|unknown)", l, re.I)]
        report.check(r.returncode == 0 and not unexpected, where,
                     f"systemd-analyze verify: {' | '.join(unexpected) or f'exit {r.returncode}'}")
        # --threshold is on systemd's internal 0..100 scale (the printed score times 10).
        r = subprocess.run([tool, "security", "--offline=true", f"--threshold={round(MAX_EXPOSURE * 10)}", "--no-pager", str(unit)],
                           capture_output=True, text=True, timeout=60)
        m = re.search(r"Overall exposure level for \S+: ([\d.]+)", r.stdout + r.stderr)
        if "offline" in r.stderr and "unrecognized" in r.stderr:
            report.note("systemd-analyze security has no --offline (systemd < 250): exposure not checked")
        elif report.check(m is not None, where, f"systemd-analyze security printed no score: {r.stderr.strip()[:200]}"):
            args.exposure = float(m.group(1))
            report.check(float(m.group(1)) <= MAX_EXPOSURE and r.returncode == 0, where,
                         f"systemd-analyze security exposure {m.group(1)} is above {MAX_EXPOSURE}")


# ---------------------------------------------------------------------------------------------

def cross_checks(prod, docker, args, report):
    """The image's user, the Kubernetes pod's user and fsGroup agree."""
    if docker and getattr(args, "k8s_user", None):
        uid, fsgroup = args.k8s_user
        report.check(uid == docker["uid"], K8S_DIR, f"runAsUser {uid} is not the image's USER {docker['uid']}")
        report.check(fsgroup == docker["gid"], K8S_DIR, f"fsGroup {fsgroup} is not the image's group {docker['gid']}")


def write_configmap(root):
    toml = (root / PROD_CONFIG).read_text()
    path = root / CONFIGMAP
    text = path.read_text()
    head = text[: text.index("  accord.toml: |\n") + len("  accord.toml: |\n")]
    body = "".join(("    " + l if l.strip() else "\n") for l in toml.splitlines(True))
    path.write_text(head + body)
    print(f"wrote {CONFIGMAP} from {PROD_CONFIG}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source-dir", default=str(Path(__file__).resolve().parents[2]), help="repository root")
    ap.add_argument("--accord", help="the built accord binary (--check-config, systemd-analyze verify, ldd)")
    ap.add_argument("--binary", action="append", default=[], help="other built binaries to ldd (repeatable)")
    ap.add_argument("--write-configmap", action="store_true", help=f"regenerate {CONFIGMAP} and exit")
    args = ap.parse_args()
    root = Path(args.source_dir).resolve()
    if args.write_configmap:
        write_configmap(root)
        return 0
    report = Report()
    prod, compose_cfg = check_configs(root, args, report)
    check_kubernetes(root, args, prod, report)
    docker = check_dockerfile(root, args, prod, report)
    if docker:
        check_runtime_libraries(args, docker, report)
    check_compose(root, compose_cfg, docker, report)
    check_systemd(root, args, prod, docker, report)
    cross_checks(prod, docker, args, report)

    for area, n in sorted(report.counts.items()):
        bad = sum(1 for f in report.failures if f.startswith(f"FAIL {area}:"))
        if not bad:
            print(f"ok   {area}: {n} checks")
    for line in report.notes:
        print(line)
    if hasattr(args, "exposure"):
        print(f"systemd-analyze security exposure: {args.exposure} (limit {MAX_EXPOSURE})")
    for line in report.failures:
        print(line)
    total = sum(report.counts.values())
    print(f"deploy checks: {total - len(report.failures)} passed, {len(report.failures)} failed")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
