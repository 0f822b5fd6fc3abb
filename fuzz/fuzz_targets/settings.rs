//! The settings file (`jhub-cockpit.yaml`), read at every start: a typo in
//! it must give a message with its place, never a panic.
#![no_main]

use std::path::Path;

use jhub_cockpit::profile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match profile::parse(text, Path::new("jhub-cockpit.yaml")) {
        Ok(settings) => {
            // Blank text is the defaults, whatever else it holds.
            if text.trim().is_empty() {
                assert_eq!(settings, profile::Settings::default());
            }
        }
        Err(e) => {
            let message = format!("{e:#}");
            assert!(
                message.starts_with("jhub-cockpit.yaml"),
                "error without the file: {message}"
            );
        }
    }
});
