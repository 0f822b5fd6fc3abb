//! The integration tests: one test binary, modules by feature, one support
//! module (`support`). Linked once rather than once per file, which matters
//! on CI: each test binary carries the whole cockpit and its dependencies.
//!
//! Which tests need the rig (`dev/cluster up`: a real API server with KWOK
//! nodes, and the real helm) is in the name: their module ends in `on_rig`.
//! The rest are pure (constructed state, TestBackend, the binary with bad
//! input, the GKE emulator in-process, tmux without a cluster) and run alone
//! in seconds:
//!
//! ```text
//! cargo test --test it -- --skip on_rig      # no rig needed
//! cargo test --test it on_rig                # only the rig tests
//! cargo test --test it deploy::              # one feature
//! ```
//!
//! - `panes`: keys and update() (`keys`), the views as snapshots, and the
//!   panes watching a live release;
//! - `deploy`: install, upgrade, rollback, uninstall and the secrets move:
//!   their confirmations, their views, read-only mode, and the real runs
//!   with the fixture chart and the real JupyterHub chart;
//! - `gke`: the GKE pane, the emulator, the client against it, the whole
//!   create-install-delete flow;
//! - `terminal`: the terminal given back on every way out, and the cockpit
//!   driven by keys in tmux;
//! - `diagnosis_on_rig`: why a pod is Pending or failing, on captured and
//!   live pods;
//! - `faults_on_rig`: components stopped and started under the cockpit;
//! - `protobuf_on_rig`: the pods' and the events' watch in protobuf read as
//!   they read in JSON, and going on after its list and its timeouts;
//! - `rig_hub_on_rig`: the rig's real hub (`dev/cluster hub`) for a release
//!   of the real chart: health, REST API, a spawn, at the load balancer;
//! - `rig_image_events_on_rig`: the image pulls the rig reports as a kubelet
//!   does (`kubelet-images`): Pulling/Pulled/Failed events, `status.images`;
//! - `rig_registry_on_rig`: the rig's container registry (`support::registry`,
//!   needs `dev/build registry` only): tags, the Bearer token flow, platforms;
//! - `demo_on_rig`: `dev/demo` end to end on a rig of its own, with a
//!   stand-in cockpit: it stops what it started when the cockpit quits and
//!   when it is killed, interrupted or hung up on, and leaves a rig that
//!   ran before it running (needs the rig's binaries, not the shared rig);
//! - `bad_input`: the operator's files wrong in every way we know;
//! - `version`: `--version` names the commit.

mod bad_input;
mod demo_on_rig;
mod deploy;
mod diagnosis_on_rig;
mod faults_on_rig;
mod gke;
mod hub;
mod image;
mod panes;
mod protobuf_on_rig;
mod rig_hub_on_rig;
mod rig_image_events_on_rig;
mod rig_registry_on_rig;
mod support;
mod terminal;
mod version;
