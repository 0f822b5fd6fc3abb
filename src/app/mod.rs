//! The cockpit's core: state, messages, commands and the pure update().

pub mod clusters_view;
pub mod command;
pub mod crash_logs;
pub mod events_view;
pub mod form_edit;
pub mod fuzzy;
pub mod gke_state;
pub mod gke_view;
pub mod hub_state;
pub mod hub_view;
pub mod image_form;
pub mod image_pulls;
pub mod keys;
pub mod layout;
pub mod lists;
pub mod logs;
pub mod msg;
pub mod palette;
pub mod pod_details;
pub mod pool_form;
pub mod resources;
pub mod scoped_events;
pub mod scroll;
pub mod state;
pub mod target_switch;
pub mod update;
pub mod workloads;
pub mod write_flow;

/// The write actions are plain data shared with `deploy` and `headless`; they
/// live below all three (`crate::actions`) and are named here as before.
pub use crate::actions;
pub use command::Command;
pub use msg::{Kind, Msg, Object, WatchMsg};
pub use state::{Connection, Overlay, Pane, State, Target};
pub use update::update;
