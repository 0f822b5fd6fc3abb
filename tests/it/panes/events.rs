//! The events view (`E`): events folded by object, type, reason and
//! message with their counts summed, newest first or Warnings first,
//! the selection kept on its row while events arrive, Enter opening what
//! a row is about, the filter; and the view as snapshots. Pure: the events
//! are messages, trimmed as the watcher trims them, sent as the API server
//! would: the always-on watch gets no routine reasons, the view's own
//! watch of the namespace gets them all.

use std::sync::Arc;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use k8s_openapi::api::core::v1::Event;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use serde_json::{Value, json};

use crate::support;
use jhub_cockpit::app::events_view::{self, EventRow, selected_index};
use jhub_cockpit::app::scoped_events::EventScope;
use jhub_cockpit::app::{self, Command, Kind, Msg, Object, Overlay, State, WatchMsg};
use jhub_cockpit::kube::watch::ROUTINE_EVENT_REASONS;
use support::cockpit::{char_key, deployed, draw, footer, key, relist, type_text};
use support::objects::{deployment, unschedulable_pod};
use support::sizes;

/// A core/v1 event about `kind/name`, seen `count` times, first at
/// `first` and last at `last`.
fn event_json(
    uid: &str,
    (kind, name): (&str, &str),
    (type_, reason, message): (&str, &str, &str),
    count: i32,
    (first, last): (&str, &str),
) -> Value {
    json!({
        "metadata": {"name": format!("{name}.{uid}"), "namespace": "t2", "uid": uid,
            "resourceVersion": "7", "creationTimestamp": first},
        "involvedObject": {"kind": kind, "name": name, "namespace": "t2",
            "uid": format!("uid-{name}"), "apiVersion": "v1"},
        "type": type_, "reason": reason, "message": message, "count": count,
        "firstTimestamp": first, "lastTimestamp": last,
        "source": {"component": "kubelet", "host": "rig-node-2"}
    })
}

/// The object as the watcher hands it on: trimmed to what the cockpit keeps.
fn object(v: Value) -> Object {
    let event: Event = serde_json::from_value(v).unwrap();
    Object::Event(Arc::new(
        jhub_cockpit::kube::event_record::EventRecord::from(event),
    ))
}

fn event(
    uid: &str,
    about: (&str, &str),
    what: (&str, &str, &str),
    count: i32,
    last: &str,
) -> Object {
    object(event_json(uid, about, what, count, (last, last)))
}

const NO_ROOM: &str = "0/2 nodes are available: 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.";

/// The namespace's events on a Monday morning: a user pod that does not
/// fit (the same warning from two reporters, and an earlier one with
/// another message), a user pod that started, one that crashed and is
/// gone, the hub's rollout, proxy-public's load balancer, a claim that
/// cannot be provisioned.
fn events() -> Vec<Object> {
    let big = ("Pod", "jupyter-big");
    vec![
        event(
            "ev-big-1",
            big,
            ("Warning", "FailedScheduling", NO_ROOM),
            3,
            "2026-12-01T11:59:30Z",
        ),
        object(event_json(
            "ev-big-2",
            big,
            ("Warning", "FailedScheduling", NO_ROOM),
            2,
            ("2026-12-01T11:55:00Z", "2026-12-01T11:57:00Z"),
        )),
        event(
            "ev-big-3",
            big,
            (
                "Warning",
                "FailedScheduling",
                "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
            ),
            1,
            "2026-12-01T11:50:00Z",
        ),
        event(
            "ev-alice-1",
            ("Pod", "jupyter-alice"),
            (
                "Normal",
                "Scheduled",
                "Successfully assigned t2/jupyter-alice to rig-node-2",
            ),
            1,
            "2026-12-01T11:30:00Z",
        ),
        event(
            "ev-alice-2",
            ("Pod", "jupyter-alice"),
            ("Normal", "Started", "Started container notebook"),
            1,
            "2026-12-01T11:30:05Z",
        ),
        event(
            "ev-bob-1",
            ("Pod", "jupyter-bob"),
            (
                "Warning",
                "BackOff",
                "Back-off restarting failed container notebook in pod jupyter-bob_t2(uid-jupyter-bob)",
            ),
            9,
            "2026-12-01T11:45:00Z",
        ),
        event(
            "ev-hub-1",
            ("Deployment", "hub"),
            (
                "Normal",
                "ScalingReplicaSet",
                "Scaled up replica set hub-7d9f8c6b5 to 1",
            ),
            1,
            "2026-12-01T11:00:00Z",
        ),
        event(
            "ev-hub-2",
            ("ReplicaSet", "hub-7d9f8c6b5"),
            (
                "Normal",
                "SuccessfulCreate",
                "Created pod: hub-7d9f8c6b5-abcde",
            ),
            1,
            "2026-12-01T11:00:01Z",
        ),
        event(
            "ev-lb-1",
            ("Service", "proxy-public"),
            ("Normal", "EnsuringLoadBalancer", "Ensuring load balancer"),
            2,
            "2026-12-01T11:29:00Z",
        ),
        event(
            "ev-claim-1",
            ("PersistentVolumeClaim", "claim-bob"),
            (
                "Warning",
                "ProvisioningFailed",
                "storageclass.storage.k8s.io \"fast\" not found",
            ),
            14,
            "2026-12-01T11:20:00Z",
        ),
    ]
}

/// The deployed hub (its pods, services, release and workloads) with the
/// events above, the events view open.
fn with_events() -> State {
    let mut s = deployed(false);
    apply(&mut s, unschedulable_pod("jupyter-big"));
    relist(
        &mut s,
        Kind::Deployment,
        vec![
            deployment("hub", "jhub", 1, 1),
            deployment("proxy", "jhub", 1, 1),
        ],
    );
    list_events(&mut s, events());
    char_key(&mut s, 'E');
    list_events(&mut s, events());
    s
}

/// Whether the always-on events' watch leaves `object` out (the API server
/// filters on the reason).
fn routine(object: &Object) -> bool {
    matches!(object, Object::Event(e)
        if e.reason.as_deref().is_some_and(|r| ROUTINE_EVENT_REASONS.contains(&r)))
}

/// The scoped events' watch the view asked for, if any.
fn scoped_stream(s: &State) -> Option<u64> {
    s.scoped_events.as_ref().map(|w| w.stream)
}

/// `events` listed as the API server lists them: the always-on watch's
/// without the routine ones, and all of them to the namespace's watch
/// when the view has asked for it.
fn list_events(s: &mut State, events: Vec<Object>) {
    if let Some(stream) = scoped_stream(s) {
        let watch = WatchMsg::Relisted(Kind::Event, events.clone());
        app::update(s, Msg::ScopedEvents { stream, watch });
    }
    relist(
        s,
        Kind::Event,
        events.into_iter().filter(|e| !routine(e)).collect(),
    );
}

/// Each listed row as `object reason ×count` (the count only when above 1).
fn listed(s: &State) -> Vec<String> {
    events_view::rows(s)
        .iter()
        .map(|r| {
            let count = if r.count > 1 {
                format!(" ×{}", r.count)
            } else {
                String::new()
            };
            format!("{} {}{count}", r.object(), r.reason)
        })
        .collect()
}

fn selected_row(s: &State) -> String {
    let Some(Overlay::Events { selected }) = s.top_overlay() else {
        panic!("the events view is not on top: {:?}", s.overlays);
    };
    let rows = events_view::rows(s);
    let i = selected_index(s, &rows, *selected).expect("a row is selected");
    format!("{} {}", rows[i].object(), rows[i].reason)
}

fn row_about<'a>(rows: &'a [EventRow<'a>], object: &str, message: &str) -> &'a EventRow<'a> {
    rows.iter()
        .find(|r| r.object() == object && r.message.starts_with(message))
        .unwrap_or_else(|| panic!("no row of {object}: {message}"))
}

/// An object as the watches send it: an event to the view's watch of the
/// namespace too, and to the always-on one unless it is routine.
fn apply(s: &mut State, object: Object) -> Vec<Command> {
    let mut commands = Vec::new();
    if let (Object::Event(_), Some(stream)) = (&object, scoped_stream(s)) {
        let watch = WatchMsg::Applied(object.clone());
        commands.extend(app::update(s, Msg::ScopedEvents { stream, watch }));
    }
    if !routine(&object) {
        commands.extend(app::update(s, Msg::Watch(WatchMsg::Applied(object))));
    }
    commands
}

/// An event expired, as the watches say it (see [`apply`]).
fn delete(s: &mut State, object: Object) {
    if let Some(stream) = scoped_stream(s) {
        let watch = WatchMsg::Deleted(object.clone());
        app::update(s, Msg::ScopedEvents { stream, watch });
    }
    if !routine(&object) {
        app::update(s, Msg::Watch(WatchMsg::Deleted(object)));
    }
}

/// `/`, the filter typed, Enter to keep it.
fn filter(s: &mut State, text: &str) {
    char_key(s, '/');
    type_text(s, text);
    key(s, KeyCode::Enter);
}

#[test]
fn the_same_thing_said_of_one_object_is_one_row_with_its_counts_summed() {
    let s = with_events();
    let rows = events_view::rows(&s);
    // Ten events, nine rows: jupyter-big's two reports of no room are one.
    assert_eq!(rows.len(), 9, "{:?}", listed(&s));
    let no_room = row_about(
        &rows,
        "pod/jupyter-big",
        "0/2 nodes are available: 2 Insufficient",
    );
    assert_eq!((no_room.count, no_room.events), (5, 2));
    assert_eq!(
        no_room.last,
        Some("2026-12-01T11:59:30Z".parse().unwrap()),
        "the latest time of the two"
    );
    assert_eq!(no_room.first, Some("2026-12-01T11:55:00Z".parse().unwrap()));
    // Another message about the same pod and reason is a row of its own.
    let affinity = row_about(
        &rows,
        "pod/jupyter-big",
        "0/2 nodes are available: 2 node(s)",
    );
    assert_eq!((affinity.count, affinity.events), (1, 1));
    // The same reason and message about another object is not folded in.
    let mut s = s;
    apply(
        &mut s,
        event(
            "ev-huge-1",
            ("Pod", "jupyter-huge"),
            ("Warning", "FailedScheduling", NO_ROOM),
            1,
            "2026-12-01T11:59:40Z",
        ),
    );
    let rows = events_view::rows(&s);
    assert_eq!(rows.len(), 10);
    assert_eq!(row_about(&rows, "pod/jupyter-big", NO_ROOM).count, 5);
}

#[test]
fn an_events_k8s_io_series_counts_and_dates_its_row() {
    // The scheduler reports through events.k8s.io: no count or
    // lastTimestamp, a series with both.
    let mut s = with_events();
    apply(
        &mut s,
        object(json!({
            "metadata": {"name": "jupyter-cara.1", "namespace": "t2", "uid": "ev-cara-1",
                "creationTimestamp": "2026-12-01T11:40:00Z"},
            "involvedObject": {"kind": "Pod", "name": "jupyter-cara", "namespace": "t2"},
            "type": "Warning", "reason": "FailedScheduling", "message": NO_ROOM,
            "eventTime": "2026-12-01T11:40:00.000000Z",
            "series": {"count": 40, "lastObservedTime": "2026-12-01T11:59:50.000000Z"},
            "reportingComponent": "default-scheduler"
        })),
    );
    let rows = events_view::rows(&s);
    let cara = row_about(&rows, "pod/jupyter-cara", NO_ROOM);
    assert_eq!(cara.count, 40);
    assert_eq!(cara.last, Some("2026-12-01T11:59:50Z".parse().unwrap()));
    assert_eq!(listed(&s)[0], "pod/jupyter-cara FailedScheduling ×40");
}

#[test]
fn newest_first_and_w_puts_the_warnings_first() {
    let mut s = with_events();
    assert_eq!(
        listed(&s),
        [
            "pod/jupyter-big FailedScheduling ×5",
            "pod/jupyter-big FailedScheduling",
            "pod/jupyter-bob BackOff ×9",
            "pod/jupyter-alice Started",
            "pod/jupyter-alice Scheduled",
            "svc/proxy-public EnsuringLoadBalancer ×2",
            "pvc/claim-bob ProvisioningFailed ×14",
            "rs/hub-7d9f8c6b5 SuccessfulCreate",
            "deploy/hub ScalingReplicaSet",
        ]
    );
    assert!(draw(&s, 80, 24).contains("· newest first"));
    char_key(&mut s, 'W');
    assert!(s.events_view.warnings_first);
    assert_eq!(
        listed(&s),
        [
            "pod/jupyter-big FailedScheduling ×5",
            "pod/jupyter-big FailedScheduling",
            "pod/jupyter-bob BackOff ×9",
            "pvc/claim-bob ProvisioningFailed ×14",
            // Then the Normal ones, newest first too.
            "pod/jupyter-alice Started",
            "pod/jupyter-alice Scheduled",
            "svc/proxy-public EnsuringLoadBalancer ×2",
            "rs/hub-7d9f8c6b5 SuccessfulCreate",
            "deploy/hub ScalingReplicaSet",
        ]
    );
    // A Normal event newer than every warning lists first only while the
    // warnings are not asked for first.
    apply(
        &mut s,
        event(
            "ev-dan-1",
            ("Pod", "jupyter-dan"),
            ("Normal", "Pulling", "Pulling image \"x\""),
            1,
            "2026-12-01T11:59:59Z",
        ),
    );
    assert_eq!(listed(&s)[4], "pod/jupyter-dan Pulling");
    assert!(draw(&s, 80, 24).contains("· Warnings first"));
    char_key(&mut s, 'W');
    assert_eq!(listed(&s)[0], "pod/jupyter-dan Pulling");
    // The order is the operator's: kept when the view opens again.
    key(&mut s, KeyCode::Esc);
    char_key(&mut s, 'W');
    assert!(s.overlays.is_empty(), "W does nothing on the main screen");
    char_key(&mut s, 'E');
    char_key(&mut s, 'W');
    char_key(&mut s, 'q');
    char_key(&mut s, 'E');
    assert!(s.events_view.warnings_first);
}

#[test]
fn the_selection_stays_on_its_row_while_events_arrive() {
    let mut s = with_events();
    for _ in 0..3 {
        char_key(&mut s, 'j');
    }
    assert_eq!(selected_row(&s), "pod/jupyter-alice Started");
    // A new event lists first; the selection moves down with its row.
    apply(
        &mut s,
        event(
            "ev-dan-1",
            ("Pod", "jupyter-dan"),
            ("Normal", "Pulling", "Pulling image \"x\""),
            1,
            "2026-12-01T11:59:59Z",
        ),
    );
    assert_eq!(selected_row(&s), "pod/jupyter-alice Started");
    // Its own row seen again moves to the top, and the selection with it.
    apply(
        &mut s,
        event(
            "ev-alice-3",
            ("Pod", "jupyter-alice"),
            ("Normal", "Started", "Started container notebook"),
            1,
            "2026-12-01T12:00:00Z",
        ),
    );
    assert_eq!(listed(&s)[0], "pod/jupyter-alice Started ×2");
    assert_eq!(selected_row(&s), "pod/jupyter-alice Started");
    let screen = draw(&s, 80, 24);
    assert!(
        screen.contains("pod/jupyter-alice · Started · 2 times"),
        "{screen}"
    );
    // The order changes under it too: W keeps it on the same row.
    char_key(&mut s, 'W');
    assert_eq!(listed(&s)[4], "pod/jupyter-alice Started ×2");
    assert_eq!(selected_row(&s), "pod/jupyter-alice Started");
    char_key(&mut s, 'W');
    // Its events expire: the selection stays at the place in the list it
    // was last moved to, as in the panes.
    for uid in ["ev-alice-2", "ev-alice-3"] {
        delete(
            &mut s,
            event(
                uid,
                ("Pod", "jupyter-alice"),
                ("Normal", "Started", "Started container notebook"),
                1,
                "2026-12-01T12:00:00Z",
            ),
        );
    }
    assert_eq!(selected_row(&s), "pod/jupyter-bob BackOff");
    // The moves keep to the list: G its last row, PgUp a page, Home the
    // first.
    char_key(&mut s, 'G');
    assert_eq!(selected_row(&s), "deploy/hub ScalingReplicaSet");
    key(&mut s, KeyCode::PageUp);
    let rows = events_view::rows(&s);
    let paged = &rows[rows.len() - 1 - s.page_rows];
    assert_eq!(
        selected_row(&s),
        format!("{} {}", paged.object(), paged.reason)
    );
    key(&mut s, KeyCode::Home);
    assert_eq!(selected_row(&s), "pod/jupyter-dan Pulling");
}

#[test]
fn enter_opens_what_the_event_is_about_and_says_when_it_is_gone() {
    let mut s = with_events();
    // jupyter-big's row: not running, so kept whole; nothing to read.
    let commands = key(&mut s, KeyCode::Enter);
    assert!(commands.is_empty(), "{commands:?}");
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::PodDetails {
            pod: "jupyter-big".into(),
            scroll: 0
        })
    );
    // Esc comes back to the events, on the same row.
    key(&mut s, KeyCode::Esc);
    assert_eq!(selected_row(&s), "pod/jupyter-big FailedScheduling");

    // A healthy pod is kept as its row: its details are read, as from the
    // Pods pane.
    filter(&mut s, "alice Started");
    let commands = key(&mut s, KeyCode::Enter);
    assert!(
        matches!(commands.as_slice(), [Command::FetchPod { name }] if name == "jupyter-alice"),
        "{commands:?}"
    );
    assert!(
        matches!(s.top_overlay(), Some(Overlay::PodDetails { pod, .. }) if pod == "jupyter-alice")
    );
    key(&mut s, KeyCode::Esc);

    let opened = |text: &str| {
        let mut s = with_events();
        filter(&mut s, text);
        let commands = key(&mut s, KeyCode::Enter);
        (s, commands)
    };
    // A pod that is gone: said, nothing opened.
    let (s, commands) = opened("BackOff");
    assert!(commands.is_empty());
    assert!(matches!(s.top_overlay(), Some(Overlay::Events { .. })));
    assert_eq!(
        footer(&s),
        "pod/jupyter-bob no longer exists (its events stay until they expire)"
    );
    // A service's details.
    let (s, _) = opened("proxy-public");
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::ServiceDetails {
            service: "proxy-public".into()
        })
    );
    // A Deployment's, and a ReplicaSet's (its Deployment's): the workloads.
    for filter in ["deploy/hub", "rs/hub"] {
        let (s, _) = opened(filter);
        assert_eq!(
            s.top_overlay(),
            Some(&Overlay::Workloads { scroll: 0 }),
            "{filter}"
        );
    }
    // A claim: what it is, and that there is no view of it.
    let (s, _) = opened("claim-bob");
    assert!(matches!(s.top_overlay(), Some(Overlay::Events { .. })));
    assert_eq!(
        footer(&s),
        "pvc/claim-bob is a PersistentVolumeClaim: the cockpit has no view for it"
    );
    // A node's details (the events of nodes are in their own namespace,
    // but a namespace may be given one).
    let mut s = with_events();
    apply(
        &mut s,
        event(
            "ev-node-1",
            ("Node", "rig-node-1"),
            (
                "Warning",
                "SystemOOM",
                "System OOM encountered, victim process: python",
            ),
            1,
            "2026-12-01T12:00:00Z",
        ),
    );
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::NodeDetails {
            node: "rig-node-1".into()
        })
    );
    // A pod of that name made again since: opened, and said which.
    let mut s = with_events();
    apply(
        &mut s,
        object(json!({
            "metadata": {"name": "jupyter-alice.old", "namespace": "t2", "uid": "ev-alice-old"},
            "involvedObject": {"kind": "Pod", "name": "jupyter-alice", "uid": "uid-of-last-week"},
            "type": "Warning", "reason": "Evicted", "message": "The node was low on resource: memory.",
            "count": 1, "lastTimestamp": "2026-12-01T12:00:00Z"
        })),
    );
    key(&mut s, KeyCode::Enter);
    assert!(
        matches!(s.top_overlay(), Some(Overlay::PodDetails { pod, .. }) if pod == "jupyter-alice")
    );
    assert!(
        footer(&s).contains("an earlier pod of that name"),
        "{}",
        footer(&s)
    );
}

#[test]
fn the_filter_narrows_on_object_reason_and_message_and_highlights() {
    let mut s = with_events();
    char_key(&mut s, '/');
    type_text(&mut s, "big sched");
    // While typing the footer shows the filter.
    let screen = draw(&s, 80, 24);
    assert!(
        screen.contains("/big sched▏ Enter keep · Esc clear"),
        "{screen}"
    );
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        listed(&s),
        [
            "pod/jupyter-big FailedScheduling ×5",
            "pod/jupyter-big FailedScheduling"
        ]
    );
    // By the message too, and words that must all match.
    key(&mut s, KeyCode::Esc);
    filter(&mut s, "storageclass");
    assert_eq!(listed(&s), ["pvc/claim-bob ProvisioningFailed ×14"]);
    key(&mut s, KeyCode::Esc);
    // Fuzzy letters find much in a scheduler's long message: an
    // uppercase word narrows, as it respects case.
    filter(&mut s, "alice Started");
    assert_eq!(listed(&s), ["pod/jupyter-alice Started"]);
    key(&mut s, KeyCode::Esc);
    assert_eq!(listed(&s).len(), 9, "Esc clears the filter first");
    assert!(matches!(s.top_overlay(), Some(Overlay::Events { .. })));

    filter(&mut s, "big sched");
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| jhub_cockpit::ui::render(f, &s)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        let mut drawn = 0;
        for y in 0..h {
            let line: String = (0..w).map(|x| buffer[(x, y)].symbol().to_owned()).collect();
            // The rows, not the selected row's line under the list.
            let Some(at) = line
                .find("pod/jupyter-big ")
                .filter(|_| !line.contains("Enter opens it"))
            else {
                continue;
            };
            drawn += 1;
            let start = line[..at].chars().count() as u16;
            let lit: Vec<u16> = (0..15)
                .filter(|&i| {
                    buffer[(start + i, y)]
                        .modifier
                        .contains(Modifier::UNDERLINED)
                })
                .collect();
            // "big" of the name; "sched" matched the reason.
            assert_eq!(lit, [12, 13, 14], "{w}x{h}: {line}");
        }
        assert_eq!(drawn, 2, "{w}x{h}: both of jupyter-big's rows");
        assert!(
            format!("{}", terminal.backend()).contains("Events 2/9"),
            "the title counts what the filter keeps"
        );
    }
    // Nothing matches: said.
    key(&mut s, KeyCode::Esc);
    filter(&mut s, "zzz");
    assert!(draw(&s, 80, 24).contains("no event matches the filter"));
}

#[test]
fn events_view_at_80x24() {
    let s = with_events();
    assert_snapshot!(draw(&s, 80, 24));
    sizes::draws_at_every_size(&s);
}

#[test]
fn events_view_at_120x40() {
    let mut s = with_events();
    char_key(&mut s, 'W');
    for _ in 0..3 {
        char_key(&mut s, 'j');
    }
    assert_snapshot!(draw(&s, 120, 40));
    sizes::draws_at_every_size(&s);
}

#[test]
fn before_the_list_and_with_none_the_view_says_so() {
    let mut s = deployed(false);
    s.listed.remove(&Kind::Event);
    char_key(&mut s, 'E');
    assert!(draw(&s, 80, 24).contains("waiting for the event list…"));
    relist(&mut s, Kind::Event, Vec::new());
    // The always-on list is in and empty; the namespace's whole one not yet.
    assert!(draw(&s, 80, 24).contains("listing all of the namespace's events…"));
    list_events(&mut s, Vec::new());
    let screen = draw(&s, 80, 24);
    assert!(
        screen.contains("no events in namespace t2: the API server keeps them for an hour"),
        "{screen}"
    );
    // Enter on nothing says so.
    key(&mut s, KeyCode::Enter);
    assert_eq!(footer(&s), "no event selected");
}

#[test]
fn the_view_watches_every_event_while_it_is_open_and_shows_what_it_has_meanwhile() {
    let mut s = deployed(false);
    list_events(&mut s, events());
    let opened = char_key(&mut s, 'E');
    assert!(
        opened.contains(&Command::WatchEvents {
            stream: scoped_stream(&s).expect("a scoped watch"),
            scope: Some(EventScope::Namespace),
        }),
        "{opened:?}"
    );
    // Until the namespace's list is in, the always-on watch's events: no
    // routine reason, and the title says more are coming.
    let before = listed(&s);
    assert!(
        before.contains(&"pod/jupyter-bob BackOff ×9".to_owned()),
        "{before:?}"
    );
    assert!(
        !before
            .iter()
            .any(|r| r.contains("Scheduled") || r.contains("Started")),
        "{before:?}"
    );
    assert!(draw(&s, 120, 40).contains("listing all…"));
    list_events(&mut s, events());
    let after = listed(&s);
    assert!(
        after.contains(&"pod/jupyter-alice Started".to_owned()),
        "{after:?}"
    );
    assert!(
        after.contains(&"pod/jupyter-alice Scheduled".to_owned()),
        "{after:?}"
    );
    assert_eq!(after.len(), before.len() + 2);
    assert!(!draw(&s, 120, 40).contains("listing all…"));
    // A routine event arriving now reaches the view.
    apply(
        &mut s,
        event(
            "ev-alice-3",
            ("Pod", "jupyter-alice"),
            ("Normal", "Killing", "Stopping container notebook"),
            1,
            "2026-12-01T12:10:00Z",
        ),
    );
    assert_eq!(listed(&s)[0], "pod/jupyter-alice Killing");
    // Closed, the watch stops and the routine events are dropped.
    let closed = key(&mut s, KeyCode::Esc);
    assert!(
        closed
            .iter()
            .any(|c| matches!(c, Command::WatchEvents { scope: None, .. })),
        "{closed:?}"
    );
    assert!(s.scoped_events.is_none());
}
