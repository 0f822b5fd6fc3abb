//! A watcher that reads the API server's protobuf, for the kinds a
//! namespace holds tens of thousands of (pods, events). It says what
//! kube-runtime's watcher says (Init, InitApply..., InitDone, then Apply
//! and Delete) and fails the same ways, so `watch.rs` treats the two
//! alike; kube-runtime's reads JSON only, and its modes are private.
//!
//! Why: at 20,000 pods the first list is the API server's work more than
//! the cockpit's, and on the rig's two cores the list cannot end before
//! half their sum. Streamed as JSON (180 MB) the pods' list cost the server
//! 5.5-6.3 s of CPU and the cockpit 1.0-1.1 s, and took 4.3-4.9 s to the
//! screen; as protobuf (66 MB) 3.8-4.3 s, 0.6-0.8 s and 2.9-3.2 s
//! (bench/README.md, "The pods read in protobuf"). The 50,000 events those
//! pods leave are listed next, the same way.
//!
//! Only the streaming list is read this way (a watch with
//! `sendInitialEvents`: the current objects from the server's cache, then
//! a bookmark); where a server refuses it, `watch.rs` lists pages with
//! kube-runtime's watcher, in JSON, as before. After the bookmark the same
//! watch goes on; when it ends (its timeout) it is resumed from the last
//! resource version, and a 410 (that version compacted away) starts over
//! with a new list, as kube-runtime's does.
//!
//! While the list comes, its connection gathers the server's small writes
//! in the kernel (`connection`): the watch finds the connection's
//! [`Gathering`] in the response and turns it off at the list's bookmark.
//!
//! A kind is read this way once it implements [`FromProto`]: its protobuf
//! type (kube-rs's `k8s-pb`) and how that is made into the `k8s-openapi`
//! type the rest reads (`pod_from_proto`, `event_from_proto`).

use std::time::Duration;

use futures::stream::{self, BoxStream, StreamExt};
use http_body_util::BodyExt;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as pb_meta;
use kube::api::WatchParams;
use kube::client::Body;
use kube::runtime::watcher::{self, Event};
use kube::{Client, Resource};

use super::connection::Gathering;
use super::protobuf::{self, Frames};

/// A watch that sends nothing for longer than its own timeout and this is
/// taken as dead (kube-runtime's margin).
const IDLE_MARGIN: Duration = Duration::from_secs(5);

/// The annotation of the bookmark that ends a streaming list's objects.
const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

/// A kind read in protobuf.
pub trait FromProto: Resource<DynamicType = ()> + Sized + Send + 'static {
    /// Its `k8s-pb` type.
    type Proto: prost::Message + Default;
    /// Its kind, as an encoded object names it.
    const KIND: &'static str;
    /// The object as the cockpit reads it.
    fn from_proto(p: Self::Proto) -> Self;
    /// Its metadata, which is all a bookmark holds.
    fn proto_meta(p: Self::Proto) -> Option<pb_meta::ObjectMeta>;
}

/// Watches the `K`s of `namespace` with `config`'s selectors and timeout.
pub fn watch<K: FromProto>(
    client: Client,
    namespace: &str,
    config: watcher::Config,
) -> BoxStream<'static, watcher::Result<Event<K>>> {
    let watch = Watch {
        client,
        path: K::url_path(&(), Some(namespace)),
        config,
        kind: std::marker::PhantomData,
    };
    stream::unfold((watch, State::Start), |(watch, state)| async move {
        let (item, next) = watch.step(state).await;
        Some((item, (watch, next)))
    })
    .boxed()
}

struct Watch<K> {
    client: Client,
    path: String,
    config: watcher::Config,
    kind: std::marker::PhantomData<fn() -> K>,
}

enum State {
    /// Ask for a streaming list.
    Start,
    /// The list is coming: its objects are InitApply until the bookmark.
    Listing(Open),
    /// The watch ended: ask again from this version.
    Resume(String),
    /// Watching from this version.
    Watching(String, Open),
}

/// An open watch's body and what it has sent of a frame.
struct Open {
    body: Body,
    frames: Frames,
    /// Its connection's reads, gathering while the list comes
    /// (`connection`); a client without the cockpit's connections has
    /// none.
    gathering: Option<Gathering>,
}

impl Open {
    /// The list is over: what comes now is read as it comes.
    fn listed(&self) {
        if let Some(g) = &self.gathering {
            g.stop();
        }
    }
}

impl Drop for Open {
    /// A list cut short leaves its connection reading as it comes, in
    /// case the pool hands it to another request.
    fn drop(&mut self) {
        self.listed();
    }
}

/// What a watch sent next.
enum Sent {
    Event(protobuf::Event),
    /// The stream ended, or went quiet for longer than it may.
    End,
    Failed(kube::Error),
}

impl<K: FromProto> Watch<K> {
    /// One event, and the state after it.
    async fn step(&self, mut state: State) -> (watcher::Result<Event<K>>, State) {
        loop {
            state = match state {
                State::Start => match self.open(None).await {
                    Ok(open) => return (Ok(Event::Init), State::Listing(open)),
                    Err(e) => return (Err(watcher::Error::WatchStartFailed(e)), State::Start),
                },
                State::Resume(version) => match self.open(Some(&version)).await {
                    Ok(open) => State::Watching(version, open),
                    Err(e) => {
                        return (
                            Err(watcher::Error::WatchStartFailed(e)),
                            State::Resume(version),
                        );
                    }
                },
                State::Listing(mut open) => match self.next(&mut open).await {
                    Sent::Event(e) => match e.kind.as_str() {
                        "ADDED" | "MODIFIED" => match object_of::<K>(&e) {
                            Ok(obj) => return (Ok(Event::InitApply(obj)), State::Listing(open)),
                            Err(err) => return (Err(err), State::Start),
                        },
                        "BOOKMARK" => match bookmark::<K>(&e) {
                            Ok((version, true)) => {
                                open.listed();
                                return (Ok(Event::InitDone), State::Watching(version, open));
                            }
                            Ok(_) => State::Listing(open),
                            Err(err) => return (Err(err), State::Start),
                        },
                        "ERROR" => return error_event::<K>(&e, State::Listing(open)),
                        // The server sends no deletion in a list.
                        _ => State::Listing(open),
                    },
                    // A list cut short is listed again.
                    Sent::End => State::Start,
                    Sent::Failed(e) => return (Err(watcher::Error::WatchFailed(e)), State::Start),
                },
                State::Watching(version, mut open) => match self.next(&mut open).await {
                    Sent::Event(e) => match e.kind.as_str() {
                        kind @ ("ADDED" | "MODIFIED" | "DELETED") => match object_of::<K>(&e) {
                            Ok(obj) => {
                                let Some(version) = obj.meta().resource_version.clone() else {
                                    return (Err(watcher::Error::NoResourceVersion), State::Start);
                                };
                                let event = if kind == "DELETED" {
                                    Event::Delete(obj)
                                } else {
                                    Event::Apply(obj)
                                };
                                return (Ok(event), State::Watching(version, open));
                            }
                            Err(err) => return (Err(err), State::Resume(version)),
                        },
                        "BOOKMARK" => match bookmark::<K>(&e) {
                            Ok((version, _)) => State::Watching(version, open),
                            Err(err) => return (Err(err), State::Resume(version)),
                        },
                        "ERROR" => return error_event::<K>(&e, State::Watching(version, open)),
                        _ => State::Watching(version, open),
                    },
                    Sent::End => State::Resume(version),
                    Sent::Failed(e) => {
                        return (Err(watcher::Error::WatchFailed(e)), State::Resume(version));
                    }
                },
            }
        }
    }

    /// Opens a watch: a streaming list without a version, a resumed watch
    /// with one. A refusal is the server's `Status`, as kube reports it.
    async fn open(&self, version: Option<&str>) -> Result<Open, kube::Error> {
        let c = &self.config;
        let params = WatchParams {
            label_selector: c.label_selector.clone(),
            field_selector: c.field_selector.clone(),
            timeout: c.timeout,
            bookmarks: true,
            send_initial_events: version.is_none(),
        };
        let mut request = kube::core::Request::new(&self.path)
            .watch(&params, version.unwrap_or("0"))
            .map_err(kube::Error::BuildRequest)?;
        let headers = request.headers_mut();
        headers.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static(protobuf::WATCH_STREAM),
        );
        // A watch's gzip is one member per event, which the client's
        // decompression does not read (kube-client opts its watches out
        // the same way).
        headers.insert(
            http::header::ACCEPT_ENCODING,
            http::HeaderValue::from_static("identity"),
        );
        let response = self.client.send(request.map(Body::from)).await?;
        let status = response.status();
        let in_protobuf = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|t| t.to_str().ok())
            .is_some_and(|t| t.starts_with(protobuf::MEDIA_TYPE));
        let gathering = response.extensions().get::<Gathering>().cloned();
        let body = response.into_body();
        if status.is_success() && in_protobuf {
            // A streaming list's objects come first, tens of MB at 20,000
            // pods: gathered until its bookmark.
            if let Some(g) = gathering.as_ref().filter(|_| version.is_none()) {
                g.start();
            }
            return Ok(Open {
                body,
                frames: Frames::default(),
                gathering,
            });
        }
        if status.is_success() {
            // Something between (a proxy) answered in another encoding:
            // taken as the server's 406, so `watch.rs` lists in JSON.
            return Err(kube::Error::Api(Box::new(
                kube::core::Status::failure(
                    "the watch was not answered in protobuf",
                    "NotAcceptable",
                )
                .with_code(406),
            )));
        }
        let bytes = body.collect_bytes().await?;
        Err(kube::Error::Api(Box::new(refusal(status, &bytes))))
    }

    /// The next event of an open watch.
    async fn next(&self, open: &mut Open) -> Sent {
        let idle = match self.config.timeout {
            Some(0) => None,
            t => Some(Duration::from_secs(u64::from(t.unwrap_or(290))) + IDLE_MARGIN),
        };
        loop {
            match open.frames.next_frame() {
                Ok(Some(frame)) => {
                    return match protobuf::event(&frame) {
                        Ok(e) => Sent::Event(e),
                        Err(e) => Sent::Failed(decode_failure(e)),
                    };
                }
                Ok(None) => {}
                Err(e) => return Sent::Failed(decode_failure(e)),
            }
            let read = open.body.frame();
            let frame = match idle {
                Some(idle) => match tokio::time::timeout(idle, read).await {
                    Ok(f) => f,
                    Err(_) => {
                        tracing::debug!(kind = K::KIND, "watch quiet past its timeout: resuming");
                        return Sent::End;
                    }
                },
                None => read.await,
            };
            match frame {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        open.frames.push(data);
                    }
                }
                Some(Err(e)) => {
                    // A connection cut mid-watch ends it (kube-client takes
                    // an unexpected EOF the same way); a watch resumes.
                    tracing::debug!(kind = K::KIND, error = %e, "watch read failed: resuming");
                    return Sent::End;
                }
                None => return Sent::End,
            }
        }
    }
}

/// A watch event's object as the watcher hands it on (public for
/// `benches/hot_paths.rs`, which times the events' list through it).
pub fn object_of<K: FromProto>(e: &protobuf::Event) -> watcher::Result<K> {
    protobuf::decode_as::<K::Proto>(&e.object, K::KIND)
        .map(K::from_proto)
        .map_err(|err| watcher::Error::WatchFailed(decode_failure(err)))
}

/// A captured streaming list's objects by name, read as the watcher reads
/// them (the unit tests' fixtures of the rig's own bytes); panics unless
/// the bytes are a whole list ended by its bookmark.
#[cfg(test)]
pub(crate) fn captured_list<K: FromProto>(bytes: &[u8]) -> std::collections::BTreeMap<String, K> {
    let mut frames = Frames::default();
    frames.push(bytes);
    let mut objects = std::collections::BTreeMap::new();
    let mut list_ended = false;
    while let Some(frame) = frames.next_frame().unwrap() {
        let e = protobuf::event(&frame).unwrap();
        match e.kind.as_str() {
            "ADDED" => {
                let obj: K = object_of(&e).unwrap();
                objects.insert(obj.meta().name.clone().unwrap(), obj);
            }
            "BOOKMARK" => list_ended = bookmark::<K>(&e).unwrap().1,
            other => panic!("{other} in a list"),
        }
    }
    assert!(list_ended && frames.pending() == 0, "not a whole list");
    objects
}

/// A bookmark's version and whether it ends a streaming list.
fn bookmark<K: FromProto>(e: &protobuf::Event) -> watcher::Result<(String, bool)> {
    let object: K::Proto = protobuf::decode_as(&e.object, K::KIND)
        .map_err(|err| watcher::Error::WatchFailed(decode_failure(err)))?;
    let meta = K::proto_meta(object).unwrap_or_default();
    let version = meta
        .resource_version
        .filter(|v| !v.is_empty())
        .ok_or(watcher::Error::NoResourceVersion)?;
    let ends_list = meta.annotations.contains_key(INITIAL_EVENTS_END);
    Ok((version, ends_list))
}

/// An ERROR event: a 410 (the version is compacted away) lists again, as
/// kube-runtime's watcher does; another keeps reading.
fn error_event<K>(e: &protobuf::Event, reading: State) -> (watcher::Result<Event<K>>, State) {
    match protobuf::status(&e.object) {
        Ok(status) => {
            let next = if status.code == 410 {
                State::Start
            } else {
                reading
            };
            (Err(watcher::Error::WatchError(Box::new(status))), next)
        }
        Err(err) => (
            Err(watcher::Error::WatchFailed(decode_failure(err))),
            State::Start,
        ),
    }
}

/// A refused watch's answer: a `Status` in protobuf, or in JSON (a proxy
/// or an older server may answer so), or the HTTP status alone.
fn refusal(code: http::StatusCode, body: &[u8]) -> kube::core::Status {
    protobuf::unknown(body)
        .ok()
        .and_then(|o| protobuf::status(&o).ok())
        .or_else(|| serde_json::from_slice::<kube::core::Status>(body).ok())
        .unwrap_or_else(|| {
            kube::core::Status::failure(
                &String::from_utf8_lossy(body),
                code.canonical_reason().unwrap_or("Failure"),
            )
        })
        .with_code(code.as_u16())
}

fn decode_failure(e: protobuf::DecodeError) -> kube::Error {
    kube::Error::ReadEvents(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}
