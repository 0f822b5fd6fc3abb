//! GKE: the cluster pane's views, the emulator and the cockpit's client
//! against it, clusters that are rigs, and the whole flow from nothing to a
//! hub and back, and gcloud reading the same clusters as the cockpit.

mod clusters_on_rig;
mod clusters_view;
mod e2e_on_rig;
mod emulator;
mod gcloud_agrees_on_rig;
mod on_rig;
mod view;
