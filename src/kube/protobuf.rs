//! The API server's protobuf encoding, as far as a watch needs it.
//!
//! An object is the four bytes `k8s\0` and a `runtime.Unknown` that names
//! its kind and holds its bytes. A watch stream
//! (`application/vnd.kubernetes.protobuf;stream=watch`) is frames, each a
//! four-byte big-endian length and a `meta.v1.WatchEvent` whose object is
//! such an encoded object. An error answer (a refused watch) is an encoded
//! `Status`.

use bytes::{Buf, BytesMut};
use k8s_pb::apimachinery::pkg::apis::meta::v1 as pb_meta;
use k8s_pb::apimachinery::pkg::runtime::Unknown;
use kube::core::Status;
use prost::Message;

/// What the API server prefixes an encoded object with.
const MAGIC: &[u8; 4] = b"k8s\0";

/// The media type of the API server's protobuf.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The media type of a watch in protobuf.
pub const WATCH_STREAM: &str = "application/vnd.kubernetes.protobuf;stream=watch";

/// The largest frame taken: a pod is at most the 1.5 MB etcd keeps of an
/// object; a longer length is a broken stream, not a pod.
const MAX_FRAME: usize = 16 << 20;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("not a Kubernetes protobuf object (no k8s\\0 prefix)")]
    NoMagic,
    #[error("a watch frame of {0} bytes, more than any object")]
    FrameTooLong(usize),
    #[error("a {expected} was expected, the server sent a {got}")]
    WrongKind { expected: &'static str, got: String },
    #[error("protobuf: {0}")]
    Protobuf(#[from] prost::DecodeError),
}

/// Cuts a watch stream's bytes into frames, however its chunks fall.
#[derive(Default)]
pub struct Frames {
    buffer: BytesMut,
}

impl Frames {
    pub fn push(&mut self, chunk: &[u8]) {
        self.buffer.extend_from_slice(chunk);
    }

    /// The next whole frame, if one has arrived.
    pub fn next_frame(&mut self) -> Result<Option<BytesMut>, DecodeError> {
        if self.buffer.len() < 4 {
            return Ok(None);
        }
        let len = u32::from_be_bytes(self.buffer[..4].try_into().expect("four bytes")) as usize;
        if len > MAX_FRAME {
            return Err(DecodeError::FrameTooLong(len));
        }
        if self.buffer.len() < 4 + len {
            // Room for the rest, so a large frame is not grown chunk by chunk.
            self.buffer.reserve(4 + len - self.buffer.len());
            return Ok(None);
        }
        self.buffer.advance(4);
        Ok(Some(self.buffer.split_to(len)))
    }

    /// Bytes of a frame begun and not finished.
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }
}

/// One event of a watch, its object still encoded.
pub struct Event {
    /// ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.
    pub kind: String,
    /// The object's kind (`Pod`, `Status`) and its bytes.
    pub object: Unknown,
}

pub fn event(frame: &[u8]) -> Result<Event, DecodeError> {
    let e = pb_meta::WatchEvent::decode(frame)?;
    let raw = e.object.and_then(|o| o.raw).unwrap_or_default();
    Ok(Event {
        kind: e.r#type.unwrap_or_default(),
        object: unknown(&raw)?,
    })
}

/// An encoded object's kind and bytes.
pub fn unknown(bytes: &[u8]) -> Result<Unknown, DecodeError> {
    let body = bytes.strip_prefix(MAGIC).ok_or(DecodeError::NoMagic)?;
    Ok(Unknown::decode(body)?)
}

/// The kind an encoded object says it is.
pub fn kind_of(object: &Unknown) -> &str {
    object
        .type_meta
        .as_ref()
        .and_then(|t| t.kind.as_deref())
        .unwrap_or("")
}

/// The object's bytes decoded as `M`, which must be the kind it says.
pub fn decode_as<M: Message + Default>(
    object: &Unknown,
    kind: &'static str,
) -> Result<M, DecodeError> {
    let got = kind_of(object);
    if got != kind {
        return Err(DecodeError::WrongKind {
            expected: kind,
            got: got.to_owned(),
        });
    }
    Ok(M::decode(object.raw.as_deref().unwrap_or_default())?)
}

/// A `Status` (an ERROR event's, or a refused request's) as kube has it.
pub fn status(object: &Unknown) -> Result<Status, DecodeError> {
    let s: pb_meta::Status = decode_as(object, "Status")?;
    let mut status = Status::failure(
        s.message.as_deref().unwrap_or_default(),
        s.reason.as_deref().unwrap_or_default(),
    )
    .with_code(s.code.unwrap_or_default().clamp(0, u16::MAX as i32) as u16);
    if s.status.as_deref() == Some("Success") {
        status.status = Some(kube::core::response::StatusSummary::Success);
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_pb::apimachinery::pkg::runtime::{RawExtension, TypeMeta};

    fn encoded(kind: &str, raw: Vec<u8>) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        Unknown {
            type_meta: Some(TypeMeta {
                api_version: Some("v1".into()),
                kind: Some(kind.into()),
            }),
            raw: Some(raw),
            ..Default::default()
        }
        .encode(&mut out)
        .unwrap();
        out
    }

    fn frame(kind: &str, object: Vec<u8>) -> Vec<u8> {
        let event = pb_meta::WatchEvent {
            r#type: Some(kind.into()),
            object: Some(RawExtension { raw: Some(object) }),
        }
        .encode_to_vec();
        let mut out = (event.len() as u32).to_be_bytes().to_vec();
        out.extend(event);
        out
    }

    #[test]
    fn frames_come_whole_however_the_chunks_fall() {
        let pod = k8s_pb::api::core::v1::Pod {
            metadata: Some(pb_meta::ObjectMeta {
                name: Some("jupyter-ada".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut stream = frame("ADDED", encoded("Pod", pod.encode_to_vec()));
        stream.extend(frame(
            "ERROR",
            encoded("Status", {
                pb_meta::Status {
                    status: Some("Failure".into()),
                    message: Some("too old resource version".into()),
                    reason: Some("Expired".into()),
                    code: Some(410),
                    ..Default::default()
                }
                .encode_to_vec()
            }),
        ));
        for chunk in [1, 3, 7, stream.len()] {
            let mut frames = Frames::default();
            let mut events = Vec::new();
            for piece in stream.chunks(chunk) {
                frames.push(piece);
                while let Some(f) = frames.next_frame().unwrap() {
                    events.push(event(&f).unwrap());
                }
            }
            assert_eq!(frames.pending(), 0, "chunks of {chunk}");
            assert_eq!(events.len(), 2, "chunks of {chunk}");
            assert_eq!(events[0].kind, "ADDED");
            let p: k8s_pb::api::core::v1::Pod = decode_as(&events[0].object, "Pod").unwrap();
            assert_eq!(p.metadata.unwrap().name.as_deref(), Some("jupyter-ada"));
            let s = status(&events[1].object).unwrap();
            assert_eq!((s.code, s.reason.as_str()), (410, "Expired"));
            assert!(s.is_failure());
        }
    }

    #[test]
    fn what_is_not_a_pod_is_an_error_not_a_pod() {
        assert_eq!(
            unknown(b"{\"kind\":\"Pod\"}").unwrap_err(),
            DecodeError::NoMagic
        );
        let status = unknown(&encoded("Status", Vec::new())).unwrap();
        assert!(matches!(
            decode_as::<k8s_pb::api::core::v1::Pod>(&status, "Pod"),
            Err(DecodeError::WrongKind { .. })
        ));
        let mut frames = Frames::default();
        frames.push(&u32::MAX.to_be_bytes());
        assert!(matches!(
            frames.next_frame(),
            Err(DecodeError::FrameTooLong(_))
        ));
    }
}
