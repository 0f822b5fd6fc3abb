//! Micro-benchmarks of the cockpit's hot paths at classroom scale (issue 6)
//! and at the largest hubs' (issue 19): applying one pod watch event to a
//! state that holds 5,000 or 20,000 pods, and drawing the main view (the
//! pods pane over all of them) on a 120x40 TestBackend. Each size is a
//! divan argument (`pods`).
//!
//! `cargo bench --bench hot_paths`. Numbers only: nothing here asserts a
//! time, and the test suite never runs it.

#[path = "../tests/it/support/objects.rs"]
mod objects;

use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use jhub_cockpit::app::{self, Kind, Msg, Object, State, Target, WatchMsg};

/// The sizes each benchmark runs at: a large class, and the largest hubs.
const SIZES: [usize; 2] = [5_000, 20_000];

fn main() {
    divan::main();
}

fn target() -> Target {
    Target {
        context: "rig".into(),
        namespace: "jhub".into(),
        release: None,
        readonly: false,
        insecure: false,
    }
}

fn user_name(i: usize) -> String {
    format!("jupyter-user-{i:04}")
}

fn node_of(i: usize) -> String {
    format!("rig-node-{}", i / 110 + 1)
}

fn user_pod(i: usize) -> Arc<Pod> {
    match objects::running_pod(
        &user_name(i),
        "singleuser-server",
        &node_of(i),
        "2026-12-01T11:00:00Z",
    ) {
        Object::Pod(p) => p,
        _ => unreachable!(),
    }
}

/// The same pod with another restart count (what the benchmark's churn
/// writes), as the watcher hands it on (`Object::pod`: a healthy pod as its
/// row).
fn restarted(pod: &Pod, restarts: i32) -> Object {
    let mut pod = pod.clone();
    if let Some(cs) = pod
        .status
        .as_mut()
        .and_then(|s| s.container_statuses.as_mut())
    {
        cs[0].restart_count = restarts;
    }
    pod.metadata.resource_version = Some(format!("{}", 1000 + restarts));
    Object::pod(pod)
}

/// A user pod as the watcher hands it on.
fn watched_user_pod(i: usize) -> Object {
    Object::pod((*user_pod(i)).clone())
}

/// A connected state holding the chart's pods and `pods` user pods on
/// enough nodes, as after the first list.
fn classroom(pods: usize) -> State {
    let mut state = State::new(target(), objects::now());
    app::update(
        &mut state,
        Msg::Connected {
            server_version: "v1.36.3".into(),
        },
    );
    let nodes = (0..pods / 110 + 1)
        .map(|n| objects::node(&format!("rig-node-{}", n + 1), true))
        .collect();
    for (kind, objects) in [
        (Kind::Node, nodes),
        (Kind::StorageClass, vec![]),
        (Kind::Claim, vec![]),
        (Kind::Event, vec![]),
        (Kind::Service, vec![]),
        (Kind::Release, vec![]),
    ] {
        app::update(&mut state, Msg::Watch(WatchMsg::Relisted(kind, objects)));
    }
    let mut objects: Vec<Object> = (1..=pods).map(watched_user_pod).collect();
    objects.push(objects::running_pod(
        "hub-7d9f8c6b5-abcde",
        "hub",
        "rig-node-1",
        "2026-12-01T11:00:00Z",
    ));
    objects.push(objects::running_pod(
        "proxy-6f9c7d8b5-x2x4q",
        "proxy",
        "rig-node-1",
        "2026-12-01T11:00:00Z",
    ));
    app::update(
        &mut state,
        Msg::Watch(WatchMsg::Relisted(Kind::Pod, objects)),
    );
    app::update(&mut state, Msg::Resize(120, 40));
    state
}

/// The whole first list: all the pods (as the watcher hands them on)
/// replacing an empty table.
#[divan::bench(sample_count = 20, args = SIZES)]
fn relist_pods(bencher: divan::Bencher, pods: usize) {
    let pods: Vec<Object> = (1..=pods).map(watched_user_pod).collect();
    bencher
        .with_inputs(|| (State::new(target(), objects::now()), pods.clone()))
        .bench_local_values(|(mut state, pods)| {
            app::update(&mut state, Msg::Watch(WatchMsg::Relisted(Kind::Pod, pods)));
            state
        });
}

/// One pod's restart count changes: `update(Msg::Watch(Applied(pod)))` on a
/// state with all the pods. Alternates between pods at the top, middle and
/// end of the list, each with a new restart count.
#[divan::bench(args = SIZES)]
fn apply_pod_event(bencher: divan::Bencher, pods: usize) {
    let mut state = classroom(pods);
    let base: Vec<Arc<Pod>> = [1, pods / 2, pods].into_iter().map(user_pod).collect();
    let updates: Vec<Object> = (0..300)
        .map(|k| restarted(&base[k % base.len()], k as i32 + 1))
        .collect();
    let mut k = 0;
    bencher.bench_local(|| {
        let pod = updates[k % updates.len()].clone();
        k += 1;
        app::update(&mut state, Msg::Watch(WatchMsg::Applied(pod)))
    });
}

/// What the watcher task does with each pod it receives, before the loop
/// sees it: a healthy pod becomes its row (`Object::pod`).
#[divan::bench]
fn watcher_turns_a_pod_into_its_row(bencher: divan::Bencher) {
    let pod = user_pod(1);
    bencher
        .with_inputs(|| (*pod).clone())
        .bench_local_values(Object::pod);
}

/// A warning event about a pod arrives (the diagnosis is recomputed).
#[divan::bench(args = SIZES)]
fn apply_pod_warning_event(bencher: divan::Bencher, pods: usize) {
    let mut state = classroom(pods);
    let events: Vec<Object> = (0..100)
        .map(|k| {
            objects::warning_event(
                &user_name(1 + k * 37),
                "BackOff",
                "Back-off restarting failed container",
                "2026-12-01T11:59:30Z",
            )
        })
        .collect();
    let mut k = 0;
    bencher.bench_local(|| {
        let event = events[k % events.len()].clone();
        k += 1;
        app::update(&mut state, Msg::Watch(WatchMsg::Applied(event)))
    });
}

/// One full frame of the main view (the pods pane over all the pods) on a
/// 120x40 TestBackend, nothing changed since the last frame.
#[divan::bench(args = SIZES)]
fn render_main_view(bencher: divan::Bencher, pods: usize) {
    let state = classroom(pods);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    bencher.bench_local(|| {
        terminal
            .draw(|f| jhub_cockpit::ui::render(f, &state))
            .map(|_| ())
            .unwrap()
    });
}

/// One frame of the main view with the pods pane scrolled to the end of
/// the list (the rows drawn are the last ones).
#[divan::bench(args = SIZES)]
fn render_main_view_scrolled_to_end(bencher: divan::Bencher, pods: usize) {
    let mut state = classroom(pods);
    app::update(
        &mut state,
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('G'),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    bencher.bench_local(|| {
        terminal
            .draw(|f| jhub_cockpit::ui::render(f, &state))
            .map(|_| ())
            .unwrap()
    });
}

/// What the loop does per visible change: apply one event, draw a frame.
#[divan::bench(args = SIZES)]
fn apply_and_render(bencher: divan::Bencher, pods: usize) {
    let mut state = classroom(pods);
    let base = user_pod(1);
    let updates: Vec<Object> = (0..300).map(|k| restarted(&base, k + 1)).collect();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut k = 0;
    bencher.bench_local(|| {
        let pod = updates[k % updates.len()].clone();
        k += 1;
        app::update(&mut state, Msg::Watch(WatchMsg::Applied(pod)));
        terminal
            .draw(|f| jhub_cockpit::ui::render(f, &state))
            .map(|_| ())
            .unwrap()
    });
}

/// A filter keystroke over all the pods: the key (the fuzzy pattern changes,
/// every row is matched again) and the frame it draws. The filter
/// alternates between `jupyter-1` and `jupyter-12` (type a 2, erase it),
/// so each iteration is a real change of pattern.
#[divan::bench(args = SIZES)]
fn filter_keystroke_and_render(bencher: divan::Bencher, pods: usize) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut state = classroom(pods);
    let press = |state: &mut State, code: KeyCode| {
        app::update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    };
    press(&mut state, KeyCode::Char('/'));
    for c in "jupyter-1".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut typed = false;
    bencher.bench_local(|| {
        let code = if typed {
            KeyCode::Backspace
        } else {
            KeyCode::Char('2')
        };
        typed = !typed;
        press(&mut state, code);
        terminal
            .draw(|f| jhub_cockpit::ui::render(f, &state))
            .map(|_| ())
            .unwrap()
    });
}

/// A log view holding `lines` lines of the hub's and proxy's kind, every
/// 7th about alice's route, with the line filter `route alice` typed, at
/// 120x40. `held` puts the lines in the view directly, past its bound of
/// 10,000 (`MAX_LOG_LINES`), to see what a longer bound would cost;
/// otherwise they arrive as the stream sends them and the view keeps its
/// last 10,000.
fn filtered_log(lines: usize, held: bool) -> State {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use jhub_cockpit::app::logs::{LogLine, LogView};
    use jhub_cockpit::kube::logs::{LogEvent, LogRequest};
    let mut state = classroom(5_000);
    let stream = state.new_log_stream();
    state.logs = Some(LogView::new(
        "proxy-6f9c7d8b5-x2x4q".into(),
        stream,
        LogRequest::default(),
    ));
    state.overlays.push(jhub_cockpit::app::Overlay::Logs);
    let line = |i: usize| {
        format!(
            "2026-12-01T11:{:02}:{:02}.000000000Z [I 2026-12-01 11:{:02}:{:02}.000 JupyterHub proxy:{i}] {}",
            (i / 60) % 60,
            i % 60,
            (i / 60) % 60,
            i % 60,
            if i.is_multiple_of(7) {
                "Adding route for /user/alice"
            } else {
                "200 GET /hub/health (127.0.0.1) 1.23ms"
            }
        )
    };
    if held {
        let view = state.logs.as_mut().unwrap();
        view.lines.extend((0..lines).map(|i| LogLine::new(line(i))));
    } else {
        for burst in (0..lines).collect::<Vec<_>>().chunks(500) {
            let lines = burst.iter().map(|i| line(*i)).collect();
            app::update(&mut state, Msg::Log(LogEvent::Lines { stream, lines }));
        }
    }
    for c in "&route alice".chars() {
        app::update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    state
}

/// A line filter keystroke and its frame: every line matched again (the
/// filter alternates between `route alice` and `route alice1`), the view
/// drawn at 120x40.
fn log_filter_keystroke(bencher: divan::Bencher, mut state: State) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut typed = false;
    bencher.bench_local(|| {
        let code = if typed {
            KeyCode::Backspace
        } else {
            KeyCode::Char('1')
        };
        typed = !typed;
        app::update(
            &mut state,
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        terminal
            .draw(|f| jhub_cockpit::ui::render(f, &state))
            .map(|_| ())
            .unwrap()
    });
}

/// A 50,000-line log as the stream sends it: the view keeps its last
/// 10,000, which is what a keystroke matches.
#[divan::bench(sample_count = 30)]
fn log_filter_keystroke_50000_lines_10000_kept(bencher: divan::Bencher) {
    log_filter_keystroke(bencher, filtered_log(50_000, false));
}

/// 50,000 lines held in the view (five times its bound), each matched
/// per keystroke.
#[divan::bench(sample_count = 30)]
fn log_filter_keystroke_50000_lines_held(bencher: divan::Bencher) {
    log_filter_keystroke(bencher, filtered_log(50_000, true));
}

/// A captured watch's ADDED frames (the rig's own bytes), cycled to `n`
/// frames of one stream.
fn cycled_stream(captured: &[u8], n: usize) -> Vec<u8> {
    use jhub_cockpit::kube::protobuf;
    let mut frames = protobuf::Frames::default();
    frames.push(captured);
    let mut added = Vec::new();
    while let Some(frame) = frames.next_frame().unwrap() {
        if protobuf::event(&frame).unwrap().kind == "ADDED" {
            let mut framed = (frame.len() as u32).to_be_bytes().to_vec();
            framed.extend_from_slice(&frame);
            added.push(framed);
        }
    }
    added.iter().cycle().take(n).flatten().copied().collect()
}

/// Every object of a watch stream as the watcher hands it on to the loop.
fn read_stream<K: jhub_cockpit::kube::proto_watch::FromProto>(
    stream: &[u8],
    wrap: impl Fn(K) -> Object,
) -> Vec<Object> {
    use jhub_cockpit::kube::{proto_watch, protobuf};
    let mut frames = protobuf::Frames::default();
    frames.push(stream);
    let mut objects = Vec::new();
    while let Some(frame) = frames.next_frame().unwrap() {
        let e = protobuf::event(&frame).unwrap();
        objects.push(wrap(proto_watch::object_of(&e).unwrap()));
    }
    objects
}

/// The events' first list as the watcher reads it, per 10,000 events:
/// protobuf frames (the rig's captured events, cycled) cut, decoded and
/// made into the records the state keeps. At 20,000 user pods the list
/// holds about 51,000 events and lands in the bench's idle window
/// (bench/README.md).
#[divan::bench(sample_count = 20)]
fn events_list_from_protobuf(bencher: divan::Bencher) {
    use jhub_cockpit::kube::event_record::EventRecord;
    let stream = cycled_stream(
        include_bytes!("../tests/fixtures/rig/events-watch.protobuf"),
        10_000,
    );
    bencher.bench_local(|| {
        read_stream(&stream, |e: k8s_openapi::api::core::v1::Event| {
            Object::Event(Arc::new(EventRecord::from(e)))
        })
    });
}

/// The pods' first list as the watcher reads it, per 10,000 pods (the
/// rig's two captured pods, cycled): decoded, and each made into what the
/// loop keeps (`Object::pod`: a healthy pod's row).
#[divan::bench(sample_count = 20)]
fn pods_list_from_protobuf(bencher: divan::Bencher) {
    let stream = cycled_stream(
        include_bytes!("../tests/fixtures/rig/pods-watch.protobuf"),
        10_000,
    );
    bencher.bench_local(|| read_stream(&stream, Object::pod));
}

/// Decoding alone, per 10,000 objects, as `k8s-pb`'s message and as the
/// slim one the watcher decodes (`kube::proto_slim`, managed fields left
/// undecoded): what those fields cost.
#[divan::bench(sample_count = 20, types = [
    k8s_pb::api::core::v1::Pod,
    jhub_cockpit::kube::proto_slim::Pod,
    k8s_pb::api::core::v1::Event,
    jhub_cockpit::kube::proto_slim::Event,
])]
fn decode_10000<M: prost::Message + Default>(bencher: divan::Bencher) {
    use jhub_cockpit::kube::protobuf;
    let pods = std::any::type_name::<M>().ends_with("Pod");
    let (captured, kind): (&[u8], _) = if pods {
        (
            include_bytes!("../tests/fixtures/rig/pods-watch.protobuf"),
            "Pod",
        )
    } else {
        (
            include_bytes!("../tests/fixtures/rig/events-watch.protobuf"),
            "Event",
        )
    };
    let stream = cycled_stream(captured, 10_000);
    let mut frames = protobuf::Frames::default();
    frames.push(&stream);
    let mut objects = Vec::new();
    while let Some(frame) = frames.next_frame().unwrap() {
        objects.push(protobuf::event(&frame).unwrap().object);
    }
    bencher.bench_local(|| {
        objects
            .iter()
            .map(|o| protobuf::decode_as::<M>(o, kind).unwrap())
            .collect::<Vec<M>>()
    });
}

/// The events' first list replacing none, in a state holding the pods:
/// the three events a started user pod leaves (Scheduled, Pulled,
/// Started), about 51,000 at 20,000 pods as on the rig.
#[divan::bench(sample_count = 10, args = SIZES)]
fn relist_events(bencher: divan::Bencher, pods: usize) {
    use jhub_cockpit::kube::event_record::{EventObject, EventRecord, Uid, shared};
    let at = objects::now();
    let events: Vec<Object> = (1..=pods)
        .flat_map(|i| {
            ["Scheduled", "Pulled", "Started"].map(|reason| {
                Object::Event(Arc::new(EventRecord {
                    uid: Some(Uid::new(&format!("00000000-0000-0000-{reason:.4}-{i:012}"))),
                    involved_object: EventObject {
                        kind: Some(shared("Pod")),
                        name: Some(user_name(i).into()),
                        uid: Some(Uid::new(&format!("pod-{i}"))),
                    },
                    reason: Some(shared(reason)),
                    message: Some(format!("{reason} {}", user_name(i)).into()),
                    type_: Some(shared("Normal")),
                    count: 1,
                    last_seen: Some(at),
                    first_seen: Some(at),
                    node: Some(shared(&node_of(i))),
                }))
            })
        })
        .collect();
    bencher
        .with_inputs(|| (classroom(pods), events.clone()))
        .bench_local_values(|(mut state, events)| {
            app::update(
                &mut state,
                Msg::Watch(WatchMsg::Relisted(Kind::Event, events)),
            );
            state
        });
}
