//! The panes: update() driven by keys and watch events, every view as a
//! snapshot, and the panes and the workloads view on a live release.

mod events;
mod keys;
mod log_view;
mod logs_on_rig;
mod on_rig;
mod palette;
mod retarget_on_rig;
mod scoped_events_on_rig;
mod views;
mod workloads_on_rig;
