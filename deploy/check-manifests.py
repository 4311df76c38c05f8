#!/usr/bin/env python3
"""Checks deploy/kubernetes/*.yaml and deploy/docker-compose.yml for what the bots need.

Run by .ci/run (needs PyYAML: python3-yaml). Prints one line per problem and exits 1 if any;
ends with 'N passed, N failed'.
"""
import pathlib
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
checks = []


def check(name, condition):
    checks.append((name, bool(condition)))
    if not condition:
        print(f"FAIL {name}")


def documents(path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


configmaps = {d["metadata"]["name"]: d for d in documents(HERE / "kubernetes/configmap.yaml") if d["kind"] == "ConfigMap"}
check("configmap grafolean-bots exists", "grafolean-bots" in configmaps)
data = configmaps.get("grafolean-bots", {}).get("data", {})

for bot in ["ping", "snmp"]:
    docs = documents(HERE / f"kubernetes/{bot}-bot.yaml")
    sets = [d for d in docs if d["kind"] == "StatefulSet"]
    services = [d for d in docs if d["kind"] == "Service"]
    check(f"{bot}: one StatefulSet", len(sets) == 1)
    if not sets:
        continue
    sts = sets[0]
    spec = sts["spec"]
    name = sts["metadata"]["name"]
    check(f"{bot}: headless service for the StatefulSet", any(s["metadata"]["name"] == spec["serviceName"] and s["spec"].get("clusterIP") == "None" for s in services))
    replicas = spec.get("replicas", 1)
    check(f"{bot}: several replicas", replicas >= 2)
    check(f"{bot}: shard count in the ConfigMap equals the replicas", str(data.get(f"{bot}-shard-count")) == str(replicas))
    pod = spec["template"]
    annotations = pod["metadata"].get("annotations", {})
    check(f"{bot}: Prometheus scrape annotations", annotations.get("prometheus.io/scrape") == "true" and annotations.get("prometheus.io/port") == "9100")
    containers = pod["spec"]["containers"]
    check(f"{bot}: one container", len(containers) == 1)
    container = containers[0]
    env = env_of(container)
    check(f"{bot}: METRICS_PORT 9100", env.get("METRICS_PORT", {}).get("value") == "9100")
    check(f"{bot}: METRICS_HOST 0.0.0.0", env.get("METRICS_HOST", {}).get("value") == "0.0.0.0")
    check(f"{bot}: no token in the environment", "BOT_TOKEN" not in env)
    check(f"{bot}: no SHARD_INDEX (the ordinal comes from the pod name)", "SHARD_INDEX" not in env)
    mounts = {m["name"]: m for m in container.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod["spec"].get("volumes", [])}
    token_file = env.get("BOT_TOKEN_FROM_FILE", {}).get("value", "")
    token_mounts = [m for m in mounts.values() if token_file.startswith(m["mountPath"].rstrip("/") + "/")]
    check(f"{bot}: BOT_TOKEN_FROM_FILE inside a mounted Secret",
          len(token_mounts) == 1 and volumes.get(token_mounts[0]["name"], {}).get("secret", {}).get("secretName") == name)
    count_file = env.get("SHARD_COUNT_FROM_FILE", {}).get("value", "")
    count_mounts = [m for m in mounts.values() if count_file.startswith(m["mountPath"].rstrip("/") + "/")]
    count_volume = volumes.get(count_mounts[0]["name"], {}) if count_mounts else {}
    check(f"{bot}: SHARD_COUNT_FROM_FILE inside the mounted ConfigMap, not a subPath (which never updates)",
          len(count_mounts) == 1 and "subPath" not in count_mounts[0]
          and count_volume.get("configMap", {}).get("name") == "grafolean-bots"
          and any(i["key"] == f"{bot}-shard-count" and count_file.endswith("/" + i["path"]) for i in count_volume["configMap"].get("items", [])))
    check(f"{bot}: STATE_DIRECTORY /var/lib/grafolean-bot", env.get("STATE_DIRECTORY", {}).get("value") == "/var/lib/grafolean-bot")
    claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])}
    check(f"{bot}: a volume per replica mounted at the state directory",
          any(m["mountPath"] == "/var/lib/grafolean-bot" and m["name"] in claims for m in mounts.values()))
    for probe in ["livenessProbe", "readinessProbe"]:
        get = container.get(probe, {}).get("httpGet", {})
        port = get.get("port")
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        check(f"{bot}: {probe} on /health at the metrics port", get.get("path") == "/health" and (port == 9100 or ports.get(port) == 9100))
    resources = container.get("resources", {})
    check(f"{bot}: cpu and memory requests, a memory limit",
          "cpu" in resources.get("requests", {}) and "memory" in resources.get("requests", {}) and "memory" in resources.get("limits", {}))
    added = container.get("securityContext", {}).get("capabilities", {}).get("add", [])
    if bot == "ping":
        check("ping: NET_RAW capability", "NET_RAW" in added)
    else:
        check("snmp: no added capability", not added)

compose = yaml.safe_load((HERE / "docker-compose.yml").read_text())
bots = {n: s for n, s in compose["services"].items() if n.startswith("ping-bot")}
check("compose: two ping bot replicas", len(bots) == 2)
indexes = sorted(str(s["environment"].get("SHARD_INDEX")) for s in bots.values())
check("compose: shard indexes 0 and 1", indexes == ["0", "1"])
check("compose: shard count 2 everywhere", all(str(s["environment"].get("SHARD_COUNT")) == "2" for s in bots.values()))
check("compose: token from a secret file", all("BOT_TOKEN" not in s["environment"] and s["environment"].get("BOT_TOKEN_FROM_FILE", "").startswith("/run/secrets/") for s in bots.values()))
check("compose: NET_RAW", all("NET_RAW" in s.get("cap_add", []) for s in bots.values()))
check("compose: a state volume per replica", len({s["volumes"][0].split(":")[0] for s in bots.values()}) == 2)

failed = sum(1 for _, ok in checks if not ok)
print(f"manifests: {len(checks) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
