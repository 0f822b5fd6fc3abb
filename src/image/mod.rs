//! The notebook image step of the z2jh guide: which chart keys name an
//! image and which of them a deploy changes (`keys`), the image set in
//! config.yaml with its comments kept (`config_edit`), and the course
//! image's Dockerfile to start from (`dockerfile`). Pure, apart from the
//! one function that writes the Dockerfile; the registry is asked in
//! `crate::registry`.

pub mod config_edit;
pub mod dockerfile;
pub mod keys;

pub use keys::{ImageChange, ImageKey, changed_images, image_at, split};
