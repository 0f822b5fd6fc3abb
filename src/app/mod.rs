//! The cockpit's core: state, messages, commands and the pure update().

pub mod actions;
pub mod command;
pub mod gke_view;
pub mod keys;
pub mod lists;
pub mod logs;
pub mod msg;
pub mod pod_details;
pub mod resources;
pub mod state;
pub mod update;
pub mod workloads;
pub mod write_flow;

pub use command::Command;
pub use msg::{Kind, Msg, Object, WatchMsg};
pub use state::{Connection, Overlay, Pane, State, Target};
pub use update::update;
