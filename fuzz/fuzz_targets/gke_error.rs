//! GKE's error responses, which the cockpit turns into a summary and a next
//! step: `gke::error::map_api_error` and `GkeError::from_client_error`.
//!
//! The first byte picks what the rest is:
//! - even: an HTTP error response: two bytes of HTTP status, then the body.
//!   It goes the way google-cloud-gax's HTTP transport takes it (a body that
//!   reads as Google's JSON error becomes a service error, any other body a
//!   transport error keeping it) and then through `from_client_error`;
//! - odd: `map_api_error`'s own arguments: two bytes of HTTP status (0 for
//!   none), then status NUL message NUL reason NUL project.
#![no_main]

use google_cloud_gax::error::Error;
use google_cloud_gax::error::rpc::Status;
use jhub_cockpit::gke::error::{GkeError, map_api_error};
use libfuzzer_sys::fuzz_target;

/// What the cockpit promises about every GkeError it shows: GCP's text and
/// the project are safe for a terminal (no control characters, so no
/// escape sequences) and capped; there is always something to say and to
/// do.
fn check(e: &GkeError) {
    for text in [&e.gcp_message, &e.project] {
        assert!(
            !text.chars().any(char::is_control),
            "control character reached the screen: {text:?}"
        );
    }
    assert!(e.gcp_message.chars().count() <= 2001, "message not capped");
    assert!(!e.summary().is_empty());
    assert!(!e.next_step().is_empty());
    assert!(!e.to_string().is_empty());
}

fuzz_target!(|data: &[u8]| {
    let [mode, hi, lo, rest @ ..] = data else {
        return;
    };
    let code = u16::from_be_bytes([*hi, *lo]);
    if mode % 2 == 0 {
        // As google-cloud-gax-internal's `to_http_error` does.
        let body = bytes::Bytes::copy_from_slice(rest);
        let err = match Status::try_from(&body) {
            Ok(status) => {
                Error::service_with_http_metadata(status, Some(code), Some(http::HeaderMap::new()))
            }
            Err(_) => Error::http(code, http::HeaderMap::new(), body),
        };
        check(&GkeError::from_client_error(&err, "demo-project"));
    } else {
        let text = String::from_utf8_lossy(rest);
        let mut fields = text.split('\0');
        let status = fields.next().unwrap_or_default();
        let message = fields.next().unwrap_or_default();
        let reason = fields.next();
        let project = fields.next().unwrap_or_default();
        let http_status = (code != 0).then_some(code);
        check(&map_api_error(
            http_status,
            status,
            message,
            reason,
            project,
        ));
    }
});
