# Shared paths and helpers for dev/cluster, dev/build and dev/test.
# shellcheck shell=bash
DEV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$DEV_DIR/.." && pwd)
# shellcheck source=versions.sh
. "$DEV_DIR/lib/versions.sh"

CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/jhub-cockpit
# One directory holds all rig state (data, logs, certs, kubeconfig, pids);
# `dev/cluster down --purge` removes it.
RIG_DIR=${JHUB_RIG_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/jhub-cockpit/rig}
# The rig keeps its own Go caches so that a rebuild after a version bump
# reuses downloaded modules and compiled packages.
export GOMODCACHE=${GOMODCACHE:-$CACHE_DIR/go/mod}
export GOCACHE=${GOCACHE:-$CACHE_DIR/go/build}
export GOFLAGS=${GOFLAGS:--mod=mod}
export GOTOOLCHAIN=local

k8s_bin_dir() { echo "$CACHE_DIR/bin/kubernetes-$K8S_VERSION"; }
kwok_bin_dir() { echo "$CACHE_DIR/bin/kwok-$KWOK_VERSION"; }
helm_bin_dir() { echo "$CACHE_DIR/bin/helm-$HELM_VERSION"; }
etcd_bin_dir() { echo "$CACHE_DIR/bin/etcd-$ETCD_CRATE_VERSION"; }
# The real hub: a Python venv (venv/) and configurable-http-proxy (chp/).
hub_bin_dir() { echo "$CACHE_DIR/bin/hub-$JUPYTERHUB_VERSION-$CHP_VERSION"; }
# What the hub's build is made from besides the two versions in its
# directory's name: the pinned packages. A change to any of them rebuilds it
# (dev/build compares this with the stamp it wrote).
hub_build_key() {
  {
    echo "$JUPYTERHUB_VERSION $KUBESPAWNER_VERSION $IDLE_CULLER_VERSION $CHP_VERSION"
    cat "$DEV_DIR/rig/hub/requirements.txt" "$DEV_DIR/rig/hub/chp/package.json" "$DEV_DIR/rig/hub/chp/package-lock.json"
  } | sha256sum | cut -c1-16
}
# The rig helpers (load-balancer controller, pod-logs, kubelet-images): their own Go module, keyed by
# the Kubernetes version its client-go follows and by its sources, go.mod and
# go.sum included, so a dependency bump rebuilds it.
rigtools_bin_dir() { echo "$CACHE_DIR/bin/rigtools-$K8S_VERSION-$(rigtools_hash)"; }
rigtools_hash() {
  cat "$DEV_DIR"/rig/lbcontroller/*.go "$DEV_DIR"/rig/lbcontroller/*/*.go "$DEV_DIR"/rig/lbcontroller/go.mod "$DEV_DIR"/rig/lbcontroller/go.sum |
    sha256sum | cut -c1-12
}
# The rig's registry: distribution's registry, crane, and the token server
# of its token mode (dev/rig/tokenserver, a Go module without dependencies,
# keyed by its sources).
registry_bin_dir() { echo "$CACHE_DIR/bin/registry-$DISTRIBUTION_VERSION"; }
crane_bin_dir() { echo "$CACHE_DIR/bin/crane-$CRANE_VERSION"; }
tokenserver_bin_dir() {
  echo "$CACHE_DIR/bin/token-server-$(cat "$DEV_DIR"/rig/tokenserver/*.go "$DEV_DIR"/rig/tokenserver/go.mod | sha256sum | cut -c1-12)"
}
# The version of the k8s.io staging modules (client-go, api, ...) released
# with K8S_VERSION: v1.36.3 -> v0.36.3.
k8s_staging_version() {
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  echo "v0.$minor.${K8S_VERSION##*.}"
}

log() { printf '[rig] %s\n' "$*" >&2; }
die() { printf '[rig] error: %s\n' "$*" >&2; exit 1; }

# The real JupyterHub chart (z2jh 4.4.0): where JHUB_Z2JH_CHART points, else
# the shared copy beside the project. Prints nothing when neither exists.
z2jh_chart() {
  if [ -n "${JHUB_Z2JH_CHART:-}" ] && [ -e "$JHUB_Z2JH_CHART" ]; then
    printf '%s\n' "$JHUB_Z2JH_CHART"
  elif [ -f "$REPO_DIR/../shared/charts/jupyterhub-4.4.0.tgz" ]; then
    (cd "$REPO_DIR/../shared/charts" && printf '%s/jupyterhub-4.4.0.tgz\n' "$(pwd)")
  fi
}
