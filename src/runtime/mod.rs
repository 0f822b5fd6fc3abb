//! The runtime: terminal, input, the message loop with frame pacing, and
//! the executors that turn commands into effects.

pub mod event_loop;
pub mod executor;
pub mod memory;
pub mod saved_logs;
pub mod startup;
pub mod terminal;
