# Pinned versions of every rig component. Changing one changes its cache key,
# so a bump rebuilds only that component.
K8S_VERSION=v1.36.3
KWOK_VERSION=v0.8.0
HELM_VERSION=v4.3.2
ETCD_CRATE_VERSION=3.7.2
# The fuzzing driver (dev/fuzz); installed into the cache, keyed by version.
CARGO_FUZZ_VERSION=0.13.1
# The rig's real hub (dev/build hub, dev/cluster hub): what the z2jh 4.4.0
# chart runs. JupyterHub is the chart's appVersion, the proxy its
# proxy.chp.image tag; KubeSpawner and the idle culler are the hub image's
# pins (images/hub/requirements.txt at z2jh 4.4.0), as are the other Python
# packages (dev/rig/hub/requirements.txt). configurable-http-proxy's own
# dependencies are locked in dev/rig/hub/chp/package-lock.json.
JUPYTERHUB_VERSION=5.5.0
KUBESPAWNER_VERSION=7.0.0
IDLE_CULLER_VERSION=1.4.0
CHP_VERSION=5.2.0
# The rig's container registry (dev/build registry, dev/cluster registry,
# tests/it/support/registry.rs): the CNCF distribution registry, and crane
# (go-containerregistry) to push images to it. distribution v3.1.2 needs
# Go 1.26.0, which this machine's Go is; crane v0.22.1 is the newest the
# module proxy serves.
DISTRIBUTION_VERSION=v3.1.2
CRANE_VERSION=v0.22.1
