//! helm adapter: the release Secret decoder (reads release state without the
//! helm binary).

pub mod cli;
pub mod release;
pub mod schema;
