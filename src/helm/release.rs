//! Helm release state read straight from the release Secrets
//! (`sh.helm.release.v1.<name>.v<rev>`), so the release pane works without
//! the helm binary.
//!
//! A Secret's `data.release` is, after the Secret's own base64 (which
//! k8s-openapi removes), base64 text of gzip of the release JSON; helm also
//! reads un-gzipped JSON, from before it compressed. Helm 3 and helm 4 write
//! the same JSON but for zero times: helm 3 writes `""` (very early 3.x
//! wrote `0001-01-01T00:00:00Z`), helm 4 leaves them out. Every field is
//! read leniently: a release from a future helm still shows what it can.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, Datelike, Utc};
use k8s_openapi::api::core::v1::Secret;
use serde::{Serialize, Serializer};
use serde_json::Value;

pub const SECRET_TYPE: &str = "helm.sh/release.v1";
const SECRET_PREFIX: &str = "sh.helm.release.v1.";
const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// Decompressed releases above this are refused: helm's own are bounded by
/// the 1 MiB Secret limit compressed, and a Secret crafted to inflate to
/// gigabytes must not take the cockpit down.
pub const MAX_RELEASE_BYTES: u64 = 64 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReleaseStatus {
    Unknown,
    Deployed,
    Uninstalled,
    Superseded,
    Failed,
    Uninstalling,
    PendingInstall,
    PendingUpgrade,
    PendingRollback,
    /// A status this cockpit does not know, kept verbatim.
    Other(String),
}

impl ReleaseStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "unknown" | "" => ReleaseStatus::Unknown,
            "deployed" => ReleaseStatus::Deployed,
            "uninstalled" => ReleaseStatus::Uninstalled,
            "superseded" => ReleaseStatus::Superseded,
            "failed" => ReleaseStatus::Failed,
            "uninstalling" => ReleaseStatus::Uninstalling,
            "pending-install" => ReleaseStatus::PendingInstall,
            "pending-upgrade" => ReleaseStatus::PendingUpgrade,
            "pending-rollback" => ReleaseStatus::PendingRollback,
            other => ReleaseStatus::Other(other.to_owned()),
        }
    }

    /// Helm's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            ReleaseStatus::Unknown => "unknown",
            ReleaseStatus::Deployed => "deployed",
            ReleaseStatus::Uninstalled => "uninstalled",
            ReleaseStatus::Superseded => "superseded",
            ReleaseStatus::Failed => "failed",
            ReleaseStatus::Uninstalling => "uninstalling",
            ReleaseStatus::PendingInstall => "pending-install",
            ReleaseStatus::PendingUpgrade => "pending-upgrade",
            ReleaseStatus::PendingRollback => "pending-rollback",
            ReleaseStatus::Other(s) => s,
        }
    }

    /// helm's `Status.IsPending`: an install, upgrade or rollback is under
    /// way (or died half-way, which is what blocks the next one).
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            ReleaseStatus::PendingInstall
                | ReleaseStatus::PendingUpgrade
                | ReleaseStatus::PendingRollback
        )
    }
}

impl fmt::Display for ReleaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ReleaseStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseRecord {
    pub name: String,
    pub namespace: String,
    pub revision: u32,
    pub status: ReleaseStatus,
    pub chart_name: String,
    pub chart_version: String,
    pub app_version: Option<String>,
    pub first_deployed: Option<DateTime<Utc>>,
    pub last_deployed: Option<DateTime<Utc>>,
    pub deleted: Option<DateTime<Utc>>,
    pub description: String,
    pub notes: String,
    /// The user-supplied values only (what `helm get values` prints); an
    /// empty object when there were none.
    pub config: Value,
    pub manifest: String,
    /// The users' image the manifest's image puller pulls (init container
    /// `image-pull-singleuser`), read once here rather than at each draw of
    /// the views that show it. None without pullers.
    pub users_image: Option<String>,
    /// Helm 4's `apply_method`: "ssa" (server-side apply) or "csa"; None
    /// from helm 3, which only does client-side apply.
    pub apply_method: Option<String>,
    /// The Secret's labels other than helm's own (name, owner, status,
    /// version, createdAt, modifiedAt): helm 3.13+ `--labels`.
    pub labels: BTreeMap<String, String>,
}

/// Which step of the decoding failed, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseDecodeError {
    #[error("Secret is of type {found:?}, not {SECRET_TYPE}")]
    WrongType { found: Option<String> },
    #[error("Secret has no data.release")]
    MissingData,
    #[error("release data is not base64: {0}")]
    Base64(String),
    #[error("release data has a gzip header but does not decompress: {0}")]
    Gzip(String),
    #[error("release data decompresses to more than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("release data is not release JSON: {0}")]
    Json(String),
}

fn base64_engine() -> GeneralPurpose {
    // Helm writes padded standard base64; accept it unpadded too, since
    // nothing is gained by refusing.
    GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}

/// Decodes `data["release"]` of a release Secret (the bytes k8s-openapi
/// gives, i.e. base64 text): base64, then gzip when the gzip magic is
/// there, then JSON.
pub fn decode_release_data(data: &[u8]) -> Result<ReleaseRecord, ReleaseDecodeError> {
    decode_with_limit(data, MAX_RELEASE_BYTES)
}

fn decode_with_limit(data: &[u8], limit: u64) -> Result<ReleaseRecord, ReleaseDecodeError> {
    // Go's base64 decoder skips line breaks, and nothing else.
    let text: Vec<u8> = data
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    let raw = base64_engine()
        .decode(&text)
        .map_err(|e| ReleaseDecodeError::Base64(e.to_string()))?;
    let json = if raw.len() > 3 && raw[..3] == GZIP_MAGIC {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .take(limit.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| ReleaseDecodeError::Gzip(e.to_string()))?;
        if out.len() as u64 > limit {
            return Err(ReleaseDecodeError::TooLarge { limit });
        }
        out
    } else {
        raw
    };
    let value: Value =
        serde_json::from_slice(&json).map_err(|e| ReleaseDecodeError::Json(e.to_string()))?;
    record_from_json(&value)
}

fn record_from_json(v: &Value) -> Result<ReleaseRecord, ReleaseDecodeError> {
    if !v.is_object() {
        return Err(ReleaseDecodeError::Json(format!(
            "expected an object, found {}",
            json_kind(v)
        )));
    }
    let info = &v["info"];
    let metadata = &v["chart"]["metadata"];
    let config = match &v["config"] {
        Value::Null => Value::Object(Default::default()),
        other => other.clone(),
    };
    Ok(ReleaseRecord {
        name: string(&v["name"]),
        namespace: string(&v["namespace"]),
        revision: revision(&v["version"]).unwrap_or(0),
        status: ReleaseStatus::parse(&string(&info["status"])),
        chart_name: string(&metadata["name"]),
        chart_version: string(&metadata["version"]),
        app_version: Some(string(&metadata["appVersion"])).filter(|s| !s.is_empty()),
        first_deployed: time(&info["first_deployed"]),
        last_deployed: time(&info["last_deployed"]),
        deleted: time(&info["deleted"]),
        description: string(&info["description"]),
        notes: string(&info["notes"]),
        config,
        users_image: crate::image::keys::image_in_manifest(&string(&v["manifest"])),
        manifest: string(&v["manifest"]),
        apply_method: Some(string(&v["apply_method"])).filter(|s| !s.is_empty()),
        labels: BTreeMap::new(),
    })
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn revision(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An RFC 3339 time; None for helm 3's zero forms (`""`,
/// `0001-01-01T00:00:00Z`), for helm 4's absence, and for anything
/// unreadable.
fn time(v: &Value) -> Option<DateTime<Utc>> {
    let s = v.as_str()?.trim();
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    // Go's zero time is year 1; no release was deployed before 1970.
    (t.year() > 1).then_some(t)
}

const SYSTEM_LABELS: &[&str] = &[
    "name",
    "owner",
    "status",
    "version",
    "createdAt",
    "modifiedAt",
];

/// Decodes a release Secret, checking its type; the JSON's name, namespace,
/// revision and status win, the Secret's labels and name fill what the JSON
/// lacks.
pub fn from_secret(secret: &Secret) -> Result<ReleaseRecord, ReleaseDecodeError> {
    if secret.type_.as_deref() != Some(SECRET_TYPE) {
        return Err(ReleaseDecodeError::WrongType {
            found: secret.type_.clone(),
        });
    }
    let data = secret
        .data
        .as_ref()
        .and_then(|d| d.get("release"))
        .ok_or(ReleaseDecodeError::MissingData)?;
    let mut record = decode_release_data(&data.0)?;
    let meta = &secret.metadata;
    let labels = meta.labels.clone().unwrap_or_default();
    let from_name = meta.name.as_deref().and_then(parse_secret_name);
    if record.name.is_empty() {
        record.name = labels
            .get("name")
            .cloned()
            .or_else(|| from_name.as_ref().map(|(n, _)| n.clone()))
            .unwrap_or_default();
    }
    if record.namespace.is_empty() {
        record.namespace = meta.namespace.clone().unwrap_or_default();
    }
    if record.revision == 0 {
        record.revision = labels
            .get("version")
            .and_then(|v| v.parse().ok())
            .or(from_name.map(|(_, r)| r))
            .unwrap_or(0);
    }
    if record.status == ReleaseStatus::Unknown
        && let Some(s) = labels.get("status")
    {
        record.status = ReleaseStatus::parse(s);
    }
    record.labels = labels
        .into_iter()
        .filter(|(k, _)| !SYSTEM_LABELS.contains(&k.as_str()))
        .collect();
    Ok(record)
}

/// `sh.helm.release.v1.<name>.v<rev>` → (name, revision). Release names may
/// hold dots, so the revision is the last `.v<digits>`.
pub fn parse_secret_name(secret_name: &str) -> Option<(String, u32)> {
    let rest = secret_name.strip_prefix(SECRET_PREFIX)?;
    let (name, rev) = rest.rsplit_once(".v")?;
    if name.is_empty() || rev.is_empty() || !rev.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((name.to_owned(), rev.parse().ok()?))
}

/// The revision `helm status` shows: the latest one, whatever its status
/// (a failed upgrade is the current state of the release). Expects one
/// release's records.
pub fn current_revision(records: &[ReleaseRecord]) -> Option<&ReleaseRecord> {
    records
        .iter()
        .max_by_key(|r| (r.revision, r.status == ReleaseStatus::Deployed))
}

/// The revision `helm upgrade` builds on and `helm rollback` returns from:
/// the latest deployed one.
pub fn last_deployed_revision(records: &[ReleaseRecord]) -> Option<&ReleaseRecord> {
    records
        .iter()
        .filter(|r| r.status == ReleaseStatus::Deployed)
        .max_by_key(|r| r.revision)
}

/// The release's revisions, read from its Secrets (no helm needed).
pub async fn read_history(
    client: &kube::Client,
    namespace: &str,
    release_name: &str,
) -> anyhow::Result<Vec<ReleaseRecord>> {
    let api: kube::api::Api<k8s_openapi::api::core::v1::Secret> =
        kube::api::Api::namespaced(client.clone(), namespace);
    let list = api
        .list(&kube::api::ListParams::default().labels(&format!("owner=helm,name={release_name}")))
        .await?;
    let mut records: Vec<ReleaseRecord> = list
        .items
        .iter()
        .filter_map(|s| from_secret(s).ok())
        .collect();
    records.sort_by_key(|r| r.revision);
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/releases")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// What helm's `encodeRelease` does: gzip (best compression), base64.
    fn encode(json: &str) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(json.as_bytes()).unwrap();
        base64::engine::general_purpose::STANDARD
            .encode(gz.finish().unwrap())
            .into_bytes()
    }

    fn at(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    #[test]
    fn helm3_release() {
        let r = decode_release_data(&encode(&fixture("helm3-jhub-v1.json"))).unwrap();
        assert_eq!(r.name, "jhub");
        assert_eq!(r.namespace, "jhub");
        assert_eq!(r.revision, 1);
        assert_eq!(r.status, ReleaseStatus::Superseded);
        assert_eq!(r.chart_name, "jupyterhub");
        assert_eq!(r.chart_version, "4.3.1");
        assert_eq!(r.app_version.as_deref(), Some("5.4.2"));
        assert_eq!(r.first_deployed, at("2026-05-28T16:02:11.482913377+02:00"));
        assert_eq!(r.last_deployed, at("2026-05-28T14:02:11.482913377Z"));
        assert_eq!(r.deleted, None);
        assert_eq!(r.description, "Install complete");
        assert!(
            r.notes.starts_with(
                "Thank you for installing JupyterHub!\n\nYour release is named \"jhub\""
            )
        );
        assert_eq!(
            r.config,
            serde_json::json!({"singleuser": {"image": {"name": "quay.io/jupyterhub/k8s-singleuser-sample", "tag": "4.3.1"}}})
        );
        assert!(
            r.manifest
                .starts_with("---\n# Source: jupyterhub/templates/hub/netpol.yaml\n")
        );
        assert_eq!(r.apply_method, None);
        assert!(r.labels.is_empty());
    }

    #[test]
    fn helm4_release() {
        let r = decode_release_data(&encode(&fixture("helm4-jhub-v2.json"))).unwrap();
        assert_eq!(r.revision, 2);
        assert_eq!(r.status, ReleaseStatus::Deployed);
        assert_eq!(r.chart_version, "4.4.0");
        assert_eq!(r.app_version.as_deref(), Some("5.5.0"));
        assert_eq!(r.first_deployed, at("2026-05-28T14:02:11.482913377Z"));
        assert_eq!(r.last_deployed, at("2026-06-01T10:19:58.104522019Z"));
        assert_eq!(r.deleted, None);
        assert_eq!(r.description, "Upgrade complete");
        assert_eq!(r.apply_method.as_deref(), Some("ssa"));
        assert_eq!(r.config["hub"]["db"]["type"], "sqlite-pvc");
        // This release ran without the image pullers.
        assert_eq!(r.users_image, None);
    }

    #[test]
    fn the_users_image_is_read_from_the_pullers_in_the_manifest() {
        let mut v: Value = serde_json::from_str(&fixture("helm4-jhub-v2.json")).unwrap();
        v["manifest"] = Value::String(
            "---\n# Source: jupyterhub/templates/image-puller/daemonset-continuous.yaml\n\
             apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: continuous-image-puller\n\
             spec:\n  template:\n    spec:\n      initContainers:\n\
             \x20       - name: image-pull-singleuser\n\
             \x20         image: \"127.0.0.1:5000/course/notebook:w2\"\n"
                .into(),
        );
        let r = decode_release_data(&encode(&v.to_string())).unwrap();
        assert_eq!(
            r.users_image.as_deref(),
            Some("127.0.0.1:5000/course/notebook:w2")
        );
    }

    #[test]
    fn secret_fixture_decodes_like_helm() {
        let secret: Secret =
            serde_yaml::from_str(&fixture("sh.helm.release.v1.jhub.v2.yaml")).unwrap();
        let r = from_secret(&secret).unwrap();
        let direct = decode_release_data(&encode(&fixture("helm4-jhub-v2.json"))).unwrap();
        assert_eq!(r.name, "jhub");
        assert_eq!(r.revision, 2);
        assert_eq!(r.status, ReleaseStatus::Deployed);
        assert_eq!(
            r.labels,
            BTreeMap::from([("team".to_owned(), "data-science".to_owned())])
        );
        assert_eq!(
            ReleaseRecord {
                labels: BTreeMap::new(),
                ..r
            },
            direct
        );
    }

    #[test]
    fn line_wrapped_base64_is_read() {
        let data = encode(&fixture("helm4-jhub-v2.json"));
        let wrapped: Vec<u8> = data
            .chunks(76)
            .flat_map(|c| c.iter().copied().chain(*b"\r\n"))
            .collect();
        assert_eq!(decode_release_data(&wrapped), decode_release_data(&data));
        assert_eq!(decode_release_data(&wrapped).unwrap().revision, 2);
    }

    #[test]
    fn uncompressed_json_is_read_too() {
        let json = fixture("helm3-jhub-v1.json");
        let data = base64::engine::general_purpose::STANDARD.encode(json.as_bytes());
        let r = decode_release_data(data.as_bytes()).unwrap();
        assert_eq!(r.revision, 1);
        assert_eq!(r.chart_version, "4.3.1");
    }

    #[test]
    fn zero_and_missing_times_are_none() {
        let json = r#"{"name":"x","version":3,"info":{"status":"uninstalled",
            "first_deployed":"0001-01-01T00:00:00Z","last_deployed":"",
            "deleted":"2026-06-01T12:00:00+02:00"}}"#;
        let data = base64::engine::general_purpose::STANDARD.encode(json);
        let r = decode_release_data(data.as_bytes()).unwrap();
        assert_eq!(r.first_deployed, None);
        assert_eq!(r.last_deployed, None);
        assert_eq!(r.deleted, at("2026-06-01T10:00:00Z"));
        assert_eq!(r.status, ReleaseStatus::Uninstalled);
        assert_eq!(r.chart_name, "");
        assert_eq!(r.app_version, None);
        assert_eq!(r.config, serde_json::json!({}));
    }

    #[test]
    fn odd_field_types_do_not_fail() {
        let json = r#"{"name":7,"version":"4","info":{"status":"pending-upgrade","first_deployed":12},"chart":null,"config":[1]}"#;
        let data = base64::engine::general_purpose::STANDARD.encode(json);
        let r = decode_release_data(data.as_bytes()).unwrap();
        assert_eq!(r.name, "7");
        assert_eq!(r.revision, 4);
        assert!(r.status.is_pending());
        assert_eq!(r.first_deployed, None);
        assert_eq!(r.config, serde_json::json!([1]));
    }

    #[test]
    fn errors_name_the_failing_step() {
        assert_eq!(
            decode_release_data(b"not base64!").unwrap_err().to_string(),
            "release data is not base64: Invalid symbol 32, offset 3."
        );
        let bad_gzip =
            base64::engine::general_purpose::STANDARD.encode([0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4]);
        let e = decode_release_data(bad_gzip.as_bytes()).unwrap_err();
        assert!(matches!(e, ReleaseDecodeError::Gzip(_)), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("release data has a gzip header but does not decompress: ")
        );
        let not_json = base64::engine::general_purpose::STANDARD.encode("helm?");
        assert_eq!(
            decode_release_data(not_json.as_bytes())
                .unwrap_err()
                .to_string(),
            "release data is not release JSON: expected value at line 1 column 1"
        );
        let array = base64::engine::general_purpose::STANDARD.encode("[]");
        assert_eq!(
            decode_release_data(array.as_bytes()).unwrap_err(),
            ReleaseDecodeError::Json("expected an object, found an array".into())
        );
        assert!(matches!(
            decode_release_data(b""),
            Err(ReleaseDecodeError::Json(_))
        ));
    }

    #[test]
    fn gzip_bombs_are_refused() {
        let json = fixture("helm4-jhub-v2.json");
        let data = encode(&json);
        let size = json.len() as u64;
        assert!(decode_with_limit(&data, size).is_ok());
        assert_eq!(
            decode_with_limit(&data, size - 1),
            Err(ReleaseDecodeError::TooLarge { limit: size - 1 })
        );
        assert_eq!(
            ReleaseDecodeError::TooLarge { limit: 10 }.to_string(),
            "release data decompresses to more than 10 bytes"
        );
    }

    #[test]
    fn secret_checks() {
        let mut secret: Secret =
            serde_yaml::from_str(&fixture("sh.helm.release.v1.jhub.v2.yaml")).unwrap();
        secret.type_ = Some("Opaque".into());
        assert_eq!(
            from_secret(&secret).unwrap_err().to_string(),
            "Secret is of type Some(\"Opaque\"), not helm.sh/release.v1"
        );
        secret.type_ = Some(SECRET_TYPE.into());
        secret.data = None;
        assert_eq!(from_secret(&secret), Err(ReleaseDecodeError::MissingData));
    }

    #[test]
    fn labels_and_name_fill_gaps() {
        let mut secret: Secret =
            serde_yaml::from_str(&fixture("sh.helm.release.v1.jhub.v2.yaml")).unwrap();
        let json = r#"{"info":{}}"#;
        let data = base64::engine::general_purpose::STANDARD
            .encode(json)
            .into_bytes();
        secret
            .data
            .as_mut()
            .unwrap()
            .insert("release".into(), k8s_openapi::ByteString(data));
        let r = from_secret(&secret).unwrap();
        assert_eq!(
            (r.name.as_str(), r.namespace.as_str(), r.revision),
            ("jhub", "jhub", 2)
        );
        assert_eq!(r.status, ReleaseStatus::Deployed);
        secret.metadata.labels = None;
        let r = from_secret(&secret).unwrap();
        assert_eq!((r.name.as_str(), r.revision), ("jhub", 2));
        assert_eq!(r.status, ReleaseStatus::Unknown);
    }

    #[test]
    fn secret_names() {
        assert_eq!(
            parse_secret_name("sh.helm.release.v1.jhub.v12"),
            Some(("jhub".into(), 12))
        );
        assert_eq!(
            parse_secret_name("sh.helm.release.v1.my.release.v2.v3"),
            Some(("my.release.v2".into(), 3))
        );
        for bad in [
            "sh.helm.release.v1.jhub",
            "sh.helm.release.v1..v1",
            "sh.helm.release.v1.jhub.v",
            "sh.helm.release.v1.jhub.v1x",
            "sh.helm.release.v1.jhub.v99999999999",
            "hub",
            "",
        ] {
            assert_eq!(parse_secret_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            "unknown",
            "deployed",
            "uninstalled",
            "superseded",
            "failed",
            "uninstalling",
            "pending-install",
            "pending-upgrade",
            "pending-rollback",
            "some-future-status",
        ] {
            assert_eq!(ReleaseStatus::parse(s).to_string(), s);
        }
        assert_eq!(
            ReleaseStatus::parse("some-future-status"),
            ReleaseStatus::Other("some-future-status".into())
        );
        assert!(ReleaseStatus::PendingRollback.is_pending());
        assert!(!ReleaseStatus::Uninstalling.is_pending());
        assert!(!ReleaseStatus::Deployed.is_pending());
        assert_eq!(
            serde_json::to_string(&ReleaseStatus::PendingInstall).unwrap(),
            "\"pending-install\""
        );
    }

    fn record(revision: u32, status: ReleaseStatus) -> ReleaseRecord {
        ReleaseRecord {
            name: "jhub".into(),
            namespace: "jhub".into(),
            revision,
            status,
            chart_name: "jupyterhub".into(),
            chart_version: "4.4.0".into(),
            app_version: None,
            first_deployed: None,
            last_deployed: None,
            deleted: None,
            description: String::new(),
            notes: String::new(),
            config: Value::Null,
            manifest: String::new(),
            users_image: None,
            apply_method: None,
            labels: BTreeMap::new(),
        }
    }

    #[test]
    fn current_is_the_latest_revision() {
        let records = vec![
            record(1, ReleaseStatus::Superseded),
            record(3, ReleaseStatus::Failed),
            record(2, ReleaseStatus::Deployed),
        ];
        assert_eq!(current_revision(&records).map(|r| r.revision), Some(3));
        assert_eq!(
            last_deployed_revision(&records).map(|r| r.revision),
            Some(2)
        );
        assert_eq!(current_revision(&[]), None);
        assert_eq!(last_deployed_revision(&records[..2]), None);
    }

    proptest::proptest! {
        #[test]
        fn decoder_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = decode_release_data(&data);
        }

        #[test]
        fn decoder_never_panics_on_base64_of_anything(data in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let mut with_magic = GZIP_MAGIC.to_vec();
            with_magic.extend(&data);
            let _ = decode_release_data(base64::engine::general_purpose::STANDARD.encode(&data).as_bytes());
            let _ = decode_release_data(base64::engine::general_purpose::STANDARD.encode(&with_magic).as_bytes());
        }

        #[test]
        fn secret_name_parser_never_panics(s in ".{0,80}") {
            let _ = parse_secret_name(&s);
        }
    }
}
