//! The real binary in a real tmux pane: the terminal given back on every
//! way out, the process as the kernel sees it, and the cockpit driven by
//! keys against the rig.

mod e2e_on_rig;
mod process;
mod restore;
