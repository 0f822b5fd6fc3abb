//! helm adapter: the release Secret decoder (reads release state without the
//! helm binary).

pub mod chart_files;
pub mod cli;
pub mod release;
