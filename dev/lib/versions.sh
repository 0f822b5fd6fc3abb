# Pinned versions of every rig component. Changing one changes its cache key,
# so a bump rebuilds only that component.
K8S_VERSION=v1.36.3
KWOK_VERSION=v0.8.0
HELM_VERSION=v4.3.2
ETCD_CRATE_VERSION=3.7.2
# The fuzzing driver (dev/fuzz); installed into the cache, keyed by version.
CARGO_FUZZ_VERSION=0.13.1
