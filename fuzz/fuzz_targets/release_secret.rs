//! helm's release Secret: `data.release` is base64 of gzip of the release
//! JSON, and whatever is in a cluster's Secrets reaches
//! `helm::release::decode_release_data` (the release pane reads every
//! `sh.helm.release.v1.*` Secret it is allowed to list).
//!
//! The first byte picks what the rest is, so that the fuzzer reaches the JSON
//! reader and `from_secret` instead of spending its time on base64 errors:
//! - 0: the Secret's data bytes as they are (base64 text, maybe gzip);
//! - 1: release JSON, gzipped and base64-encoded as helm does;
//! - 2: release JSON, base64 only (helm before it compressed);
//! - 3: a whole Secret: name NUL labels NUL type NUL JSON, through
//!   `from_secret` (labels are `k=v` lines).
#![no_main]

use std::collections::BTreeMap;
use std::io::Write;

use base64::Engine;
use jhub_cockpit::helm::release::{self, ReleaseDecodeError};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use libfuzzer_sys::fuzz_target;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).expect("gzip to memory");
    gz.finish().expect("gzip to memory")
}

fn b64(data: &[u8]) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .encode(data)
        .into_bytes()
}

/// What helm itself would make of the JSON: an object decodes, anything
/// else is a JSON error. Base64 and gzip were ours, so they cannot fail.
fn check_json_verdict(json: &[u8], got: &Result<release::ReleaseRecord, ReleaseDecodeError>) {
    let is_object = serde_json::from_slice::<serde_json::Value>(json).is_ok_and(|v| v.is_object());
    match got {
        Ok(_) => assert!(is_object, "decoded a release from non-object JSON"),
        Err(ReleaseDecodeError::Json(_)) => assert!(!is_object, "refused an object: {got:?}"),
        Err(e) => panic!("our own base64/gzip was refused: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => {
            let _ = release::decode_release_data(rest);
            if let Ok(name) = std::str::from_utf8(rest) {
                if let Some((n, _)) = release::parse_secret_name(name) {
                    assert!(!n.is_empty());
                }
            }
        }
        1 => {
            let got = release::decode_release_data(&b64(&gzip(rest)));
            check_json_verdict(rest, &got);
        }
        2 => {
            // Un-gzipped JSON that happens to start with the gzip magic is
            // taken for gzip, as helm does; only plain JSON has a verdict.
            let got = release::decode_release_data(&b64(rest));
            if !rest.starts_with(&[0x1f, 0x8b, 0x08]) {
                check_json_verdict(rest, &got);
            }
        }
        _ => {
            let mut parts = rest.splitn(4, |&b| b == 0);
            let name = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
            let labels: BTreeMap<String, String> =
                String::from_utf8_lossy(parts.next().unwrap_or_default())
                    .lines()
                    .filter_map(|l| l.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
            let type_ = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
            let json = parts.next().unwrap_or_default();
            let mut secret = Secret::default();
            secret.metadata.name = Some(name.clone());
            secret.metadata.namespace = Some("jhub".into());
            secret.metadata.labels = Some(labels);
            // An empty type field stands for helm's own, so that most inputs
            // get past the type check.
            secret.type_ = Some(if type_.is_empty() {
                release::SECRET_TYPE.to_owned()
            } else {
                type_
            });
            secret.data = Some(BTreeMap::from([(
                "release".to_owned(),
                ByteString(b64(&gzip(json))),
            )]));
            if let Ok(record) = release::from_secret(&secret) {
                assert!(
                    !record.labels.contains_key("owner") && !record.labels.contains_key("status"),
                    "helm's own labels leaked into the custom ones"
                );
                // The pane shows these; they must serialize.
                let _ = serde_json::to_string(&record).expect("a record serializes");
            }
            let _ = release::parse_secret_name(&name);
        }
    }
});
