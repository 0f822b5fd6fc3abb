# The rig's hub config: `dev/cluster hub up` copies this file next to the
# release's own jupyterhub_config.py (from its hub ConfigMap) and runs
# `jupyterhub --config` on it, with the hub Deployment's args and env.
#
# It loads the release's config unchanged, then changes only what a pod's
# network would give differently. On GKE the hub is a pod with its own IP,
# listening on :8081, reached by Service names (hub, proxy-api) that cluster
# DNS resolves, and it reaches user pods at their pod IPs. On the rig every
# process shares 127.0.0.1 with every other hub and pod IPs lead nowhere, so:
#
# - the hub listens on 127.0.0.1:JHUB_RIG_HUB_PORT (never on all
#   addresses) and tells the proxy that address;
# - the proxy's API is 127.0.0.1:JHUB_RIG_PROXY_API_PORT, not
#   http://proxy-api:8001;
# - managed services that the chart points at http://localhost:8081 (the
#   hub as seen from inside its pod: the idle culler) get the hub's port;
# - KubeSpawner makes the user's real pod and claim on the rig, but connects
#   to the rig's stand-in for single-user servers (JHUB_RIG_STANDIN_URL) in
#   place of the pod's IP: no container runs on the rig.
#
# Everything else (authenticator, spawner settings, services, roles,
# secrets, database) is the release's.
import os
from urllib.parse import urlsplit

c = get_config()  # noqa: F821 (traitlets provides it)
load_subconfig(os.environ["JHUB_RIG_RELEASE_CONFIG"])  # noqa: F821

_hub = f"http://127.0.0.1:{os.environ['JHUB_RIG_HUB_PORT']}"
c.JupyterHub.hub_bind_url = _hub
c.JupyterHub.hub_connect_url = _hub
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['JHUB_RIG_PROXY_API_PORT']}"

for _service in c.JupyterHub.get("services", []):
    # The hub checks a service's URL at start and then every so often: on
    # the rig it may reach loopback only.
    _host = urlsplit(_service.get("url") or "http://127.0.0.1").hostname or ""
    if not (_host == "localhost" or _host.startswith("127.")):
        raise ValueError(
            f"rig: service {_service.get('name')}'s url {_service['url']} is not on"
            " this machine; the rig's hub reaches loopback addresses only"
        )
    if "command" in _service:
        _service["command"] = [
            arg.replace("http://localhost:8081", _hub) for arg in _service["command"]
        ]

_standin = os.environ["JHUB_RIG_STANDIN_URL"]


def _rig_pod_url(spawner, pod):
    return _standin


c.KubeSpawner.get_pod_url = _rig_pod_url
