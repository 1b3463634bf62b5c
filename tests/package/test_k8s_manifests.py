# Every manifest under deploy/k8s/ parses as YAML and is a Kubernetes object (apiVersion, kind,
# metadata.name) whose pod template has containers, each with a name and an image. (The init
# container of wait-for-db.yaml runs for real in test_static_chroot.py.)
#   usage: test_k8s_manifests.py DEPLOY_K8S_DIR
import glob
import os
import sys

try:
    import yaml
except ImportError:
    print("FAIL: python3 yaml is missing (scripts/deps.sh installs python3-yaml)")
    sys.exit(1)

manifests = sorted(glob.glob(os.path.join(sys.argv[1], "*.yaml")))
if not manifests:
    print(f"FAIL: no manifests in {sys.argv[1]}")
    sys.exit(1)
failures = 0
for path in manifests:
    name = os.path.basename(path)
    with open(path) as f:
        try:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            print(f"FAIL: {name}: {e}")
            failures += 1
            continue
    for doc in docs:
        for key in ("apiVersion", "kind"):
            if key not in doc:
                print(f"FAIL: {name}: no {key}")
                failures += 1
        if not doc.get("metadata", {}).get("name"):
            print(f"FAIL: {name}: no metadata.name")
            failures += 1
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        containers = pod.get("initContainers", []) + pod.get("containers", [])
        if not containers:
            print(f"FAIL: {name}: {doc.get('kind')} has no pod template with containers")
            failures += 1
        for c in containers:
            if not c.get("name") or not c.get("image"):
                print(f"FAIL: {name}: a container without name or image: {c}")
                failures += 1
    print(f"{name}: {len(docs)} object(s): " + ", ".join(f"{d['kind']}/{d['metadata']['name']}" for d in docs))
sys.exit(1 if failures else 0)
