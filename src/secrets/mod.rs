//! The two chart secrets (`hub.cookieSecret`, `proxy.secretToken`): made
//! from the OS's secure random source, written to their own values file,
//! created 0600 so it is never readable by others, not even for an instant.
//!
//! One child a concern: making them (`generate`), writing files only their
//! owner may read (`private_file`), finding secret keys in values
//! (`key_paths`), moving them out of config.yaml with its comments kept
//! (`move_out`), and masking them wherever values are shown (`mask`).

mod generate;
mod key_paths;
mod mask;
mod move_out;
mod private_file;

pub use generate::{ChartSecrets, SECRET_BYTES, SecretValue};
pub use key_paths::{SECRET_KEYS, get_path_mut, secret_paths, secrets_in};
pub use mask::mask_secrets;
pub use move_out::{MoveError, SecretsMove, move_into_file, move_secrets};
pub use private_file::{default_path, replace_keeping_mode, write_private};
