//! The log view's keys and the stream's messages, through update(): which
//! stream each key opens (container, previous run, reconnect), that a
//! replaced stream's lines stay out, search, save; and the crash-loop
//! diagnosis reading its last lines once per crash, for the pod looked at.
//! No cluster: logs_on_rig.rs reads real logs.

use crate::support;

use crossterm::event::KeyCode;
use insta::assert_snapshot;

use jhub_cockpit::app::logs::MAX_LOG_LINES;
use jhub_cockpit::app::{self, Command, Kind, Msg, Overlay, Pane, State, Target, WatchMsg};
use jhub_cockpit::kube::logs::{ContainerName, LogEvent, LogRequest};
use support::cockpit::{StateBuilder, char_key, draw, footer, key, type_text};
use support::objects::*;
use support::sizes;

fn state_with(pods: Vec<jhub_cockpit::app::Object>) -> State {
    StateBuilder::new(Target {
        context: "rig".into(),
        namespace: "jhub".into(),
        ..Default::default()
    })
    .monochrome()
    .connected()
    .sized(80, 24)
    // Listed while the Cluster pane has the keys: no pod looked at yet.
    .with(|s| s.focus = Pane::Cluster)
    .listed(Kind::Pod, pods)
    .build()
}

fn proxy_state() -> State {
    let mut s = state_with(vec![running_pod(
        "proxy-7d9",
        "proxy",
        "rig-node-1",
        "2026-12-01T11:00:00Z",
    )]);
    char_key(&mut s, '3');
    s
}

/// The stream a command opens: its id and what it asks for.
fn follow(commands: &[Command]) -> (u64, LogRequest) {
    match commands {
        [
            Command::FollowLogs {
                stream, request, ..
            },
        ] => (*stream, request.clone()),
        other => panic!("expected one FollowLogs, got {other:?}"),
    }
}

fn opened(s: &mut State, stream: u64, container: &str) {
    let containers = ["traefik", "chp"]
        .iter()
        .map(|n| ContainerName {
            name: n.to_string(),
            init: false,
        })
        .chain([ContainerName {
            name: "init-perms".into(),
            init: true,
        }])
        .collect();
    app::update(
        s,
        Msg::Log(LogEvent::Opened {
            stream,
            container: container.into(),
            containers,
        }),
    );
}

fn lines(s: &mut State, stream: u64, lines: &[&str]) {
    let lines = lines.iter().map(|l| l.to_string()).collect();
    app::update(s, Msg::Log(LogEvent::Lines { stream, lines }));
}

fn texts(s: &State) -> Vec<String> {
    let view = s.logs.as_ref().unwrap();
    view.lines.iter().map(|l| l.text().to_owned()).collect()
}

#[test]
fn l_follows_the_default_container_with_timestamps_and_esc_stops_it() {
    let mut s = proxy_state();
    let (stream, request) = follow(&char_key(&mut s, 'l'));
    assert_eq!(
        request,
        LogRequest {
            container: None,
            previous: false,
            tail: Some(1_000),
            follow: true,
            timestamps: true,
            since: None,
        }
    );
    opened(&mut s, stream, "chp");
    lines(&mut s, stream, &["2026-12-01T11:00:00.5Z one", "two"]);
    // A replaced stream's late lines stay out.
    lines(&mut s, stream + 100, &["2026-12-01T11:00:00.6Z stray"]);
    assert_eq!(texts(&s), ["one", "two"]);
    assert_eq!(s.logs.as_ref().unwrap().container(), Some("chp"));
    assert_eq!(key(&mut s, KeyCode::Esc), vec![Command::StopLogs]);
    assert!(s.logs.is_none() && s.overlays.is_empty());
}

#[test]
fn c_goes_through_the_containers_and_p_to_the_previous_run() {
    let mut s = proxy_state();
    let (first, _) = follow(&char_key(&mut s, 'l'));
    opened(&mut s, first, "chp");
    lines(&mut s, first, &["chp line"]);

    // c: the next container after chp is the init container, then round.
    let (second, request) = follow(&char_key(&mut s, 'c'));
    assert!(second > first);
    assert_eq!(request.container.as_deref(), Some("init-perms"));
    assert!(request.follow && !request.previous);
    assert!(texts(&s).is_empty(), "another container's log starts empty");
    assert_eq!(footer(&s), "container init-perms (init)");
    // The old stream's lines no longer count.
    lines(&mut s, first, &["late chp line"]);
    assert!(texts(&s).is_empty());
    opened(&mut s, second, "init-perms");
    let (_, request) = follow(&char_key(&mut s, 'c'));
    assert_eq!(request.container.as_deref(), Some("traefik"));

    // p: that container's previous run, which does not follow; p again
    // comes back.
    let (third, request) = follow(&char_key(&mut s, 'p'));
    assert!(request.previous && !request.follow);
    assert_eq!(request.container.as_deref(), Some("traefik"));
    app::update(
        &mut s,
        Msg::Log(LogEvent::Ended {
            stream: third,
            error: None,
        }),
    );
    assert_eq!(
        s.logs.as_ref().unwrap().ended.as_deref(),
        Some("end of the log")
    );
    let (_, request) = follow(&char_key(&mut s, 'p'));
    assert!(!request.previous && request.follow);
}

#[test]
fn one_container_is_said_not_cycled() {
    let mut s = proxy_state();
    let (stream, _) = follow(&char_key(&mut s, 'l'));
    app::update(
        &mut s,
        Msg::Log(LogEvent::Opened {
            stream,
            container: "hub".into(),
            containers: vec![ContainerName {
                name: "hub".into(),
                init: false,
            }],
        }),
    );
    assert!(char_key(&mut s, 'c').is_empty());
    assert_eq!(footer(&s), "pod proxy-7d9 has one container (hub)");
}

#[test]
fn r_after_the_end_resumes_from_the_last_second_without_repeating_lines() {
    let mut s = proxy_state();
    let (stream, _) = follow(&char_key(&mut s, 'l'));
    opened(&mut s, stream, "chp");
    lines(
        &mut s,
        stream,
        &[
            "2026-12-01T11:00:01.100000000Z a",
            "2026-12-01T11:00:02.250000000Z b",
        ],
    );
    app::update(
        &mut s,
        Msg::Log(LogEvent::Ended {
            stream,
            error: Some("log stream broke: connection reset".into()),
        }),
    );
    let ended = s.logs.as_ref().unwrap().ended.clone().unwrap();
    assert_eq!(ended, "log stream broke: connection reset · r retries");

    let (again, request) = follow(&char_key(&mut s, 'r'));
    assert_eq!(request.since.unwrap().to_string(), "2026-12-01T11:00:02Z");
    assert_eq!(
        (request.tail, request.container.as_deref()),
        (None, Some("chp"))
    );
    assert_eq!(s.logs.as_ref().unwrap().ended, None);
    lines(
        &mut s,
        again,
        &[
            "2026-12-01T11:00:02.250000000Z b",
            "2026-12-01T11:00:02.900000000Z c",
        ],
    );
    assert_eq!(texts(&s), ["a", "b", "c"]);
}

#[test]
fn search_finds_older_and_newer_matches_and_esc_clears_it() {
    let mut s = proxy_state();
    let (stream, _) = follow(&char_key(&mut s, 'l'));
    let many: Vec<String> = (0..100)
        .map(|i| match i {
            10 | 50 => format!("[W JupyterHub] Spawn failed {i}"),
            _ => format!("[I JupyterHub] line {i}"),
        })
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    lines(&mut s, stream, &refs);

    char_key(&mut s, '/');
    // While typing, q and n are letters of the query, not keys.
    type_text(&mut s, "spawn fa");
    assert!(s.logs.is_some());
    key(&mut s, KeyCode::Enter);
    let view = s.logs.as_ref().unwrap();
    assert!(view.is_current_match(50), "the newest match first");
    assert!(!view.following());
    char_key(&mut s, 'n');
    assert!(s.logs.as_ref().unwrap().is_current_match(10));
    char_key(&mut s, 'n');
    assert_eq!(footer(&s), "no older line matches \"spawn fa\"");
    char_key(&mut s, 'N');
    assert!(s.logs.as_ref().unwrap().is_current_match(50));

    // Esc clears the search first, then closes the view.
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert!(s.logs.as_ref().unwrap().search.is_none());
    assert_eq!(key(&mut s, KeyCode::Esc), vec![Command::StopLogs]);
}

#[test]
fn s_saves_the_lines_as_shown() {
    let mut s = proxy_state();
    let (stream, _) = follow(&char_key(&mut s, 'l'));
    assert!(char_key(&mut s, 's').is_empty());
    assert_eq!(footer(&s), "nothing to save yet");
    opened(&mut s, stream, "chp");
    lines(&mut s, stream, &["2026-12-01T11:00:01.1Z a", "b"]);
    char_key(&mut s, 't');
    match char_key(&mut s, 's').as_slice() {
        [Command::SaveLog { stem, lines, text }] => {
            assert_eq!(stem, "proxy-7d9_chp");
            assert_eq!(*lines, 2);
            assert_eq!(text, "2026-12-01T11:00:01.1Z a\nb\n");
        }
        other => panic!("{other:?}"),
    }
    app::update(&mut s, Msg::LogSaved(Err("disk full".into())));
    assert_eq!(
        footer(&s),
        "cannot save the log: disk full (the view keeps its lines; s tries again)"
    );
    assert_eq!(s.logs.as_ref().unwrap().lines.len(), 2);
}

#[test]
fn fifty_thousand_lines_keep_the_bound_and_say_how_many_went() {
    let mut s = proxy_state();
    let (stream, _) = follow(&char_key(&mut s, 'l'));
    for burst in 0..100 {
        let lines: Vec<String> = (0..500)
            .map(|i| {
                format!(
                    "2026-12-01T11:00:00.{:09}Z line {}",
                    burst * 500 + i,
                    burst * 500 + i
                )
            })
            .collect();
        app::update(&mut s, Msg::Log(LogEvent::Lines { stream, lines }));
    }
    let view = s.logs.as_ref().unwrap();
    assert_eq!(view.lines.len(), MAX_LOG_LINES);
    assert_eq!(view.dropped, 50_000 - MAX_LOG_LINES);
    assert_eq!(view.lines.front().unwrap().text(), "line 40000");
    let screen = draw(&s, 80, 24);
    assert!(screen.contains("… 40000 earlier lines dropped"), "{screen}");
    assert!(screen.contains("line 49999"), "{screen}");
}

#[test]
fn log_view_with_a_search_and_dropped_lines() {
    let mut s = proxy_state();
    let (stream, _) = follow(&char_key(&mut s, 'l'));
    opened(&mut s, stream, "chp");
    let many: Vec<String> = (0..MAX_LOG_LINES + 250)
        .map(|i| {
            format!(
                "2026-12-01T11:{:02}:{:02}.000000000Z [I 2026-12-01 11:{:02}:{:02}.000 JupyterHub proxy:{i}] {}",
                (i / 60) % 60,
                i % 60,
                (i / 60) % 60,
                i % 60,
                if i % 7 == 0 { "Adding route for /user/alice" } else { "200 GET /hub/health" }
            )
        })
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    lines(&mut s, stream, &refs);
    char_key(&mut s, '/');
    type_text(&mut s, "alice");
    assert_snapshot!("log_search_typing", draw(&s, 80, 24));
    key(&mut s, KeyCode::Enter);
    char_key(&mut s, 'n');
    assert_snapshot!("log_search_found", draw(&s, 80, 24));
    sizes::draws_at_every_size(&s);
    char_key(&mut s, 't');
    char_key(&mut s, 'w');
    assert_snapshot!("log_timestamps_wrapped", draw(&s, 80, 24));
}

/// The crash-looping user-scheduler pod, selected in the Pods pane.
fn crash_looping(restarts: u32) -> jhub_cockpit::app::Object {
    let jhub_cockpit::app::Object::Pod(pod) =
        crash_looping_scheduler_pod("user-scheduler-1", "rig-node-1")
    else {
        unreachable!()
    };
    let mut pod = (*pod).clone();
    let status = pod.status.as_mut().unwrap();
    status.container_statuses.as_mut().unwrap()[0].restart_count = restarts as i32;
    jhub_cockpit::app::Object::Pod(std::sync::Arc::new(pod))
}

fn crash_log_reads(commands: &[Command]) -> Vec<&jhub_cockpit::app::crash_logs::CrashedRun> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::FetchCrashLog(run) => Some(run),
            _ => None,
        })
        .collect()
}

#[test]
fn a_crash_loop_looked_at_reads_its_last_lines_once_per_crash() {
    let mut s = state_with(vec![crash_looping(6)]);
    // With the Cluster pane focused no pod is looked at: no read.
    assert!(crash_log_reads(&char_key(&mut s, '1')).is_empty());

    let commands = char_key(&mut s, '3');
    let reads = crash_log_reads(&commands);
    assert_eq!(reads.len(), 1, "{commands:?}");
    let run = reads[0].clone();
    assert_eq!(
        (run.container.as_str(), run.restarts, run.previous),
        ("kube-scheduler", 6, true)
    );
    // Asked once: moving about and redraws ask no more.
    assert!(crash_log_reads(&char_key(&mut s, 'j')).is_empty());
    assert!(crash_log_reads(&app::update(&mut s, Msg::Tick(now()))).is_empty());

    let lines = vec![
        "I1201 11:00:00.000000       1 serving.go:380] Generated self-signed cert".to_string(),
        "E1201 11:00:01.000000       1 run.go:72] \"command failed\" err=\"no kind KubeSchedulerConfiguration is registered for version kubescheduler.config.k8s.io/v1beta3\"".into(),
        String::new(),
    ];
    app::update(
        &mut s,
        Msg::CrashLog {
            run,
            lines: Ok(lines),
        },
    );
    let entry = s.resources.pods.get("user-scheduler-1").unwrap();
    let line = &entry.diagnosis.as_ref().unwrap().line;
    assert!(
        line.ends_with("6 restarts; last log: I1201 11:00:00.000000 1 serving.go:380] Generated self-signed cert | E1201 11:00:01.000000 1 run.go:72] \"command failed\" err=\"no kind KubeSchedulerConfiguration is registered for version kubescheduler.config.k8s.io/v1beta3\""),
        "{line}"
    );

    // The next crash is another run: read again, and until then the old
    // run's lines are not quoted for it.
    let commands = app::update(&mut s, Msg::Watch(WatchMsg::Applied(crash_looping(7))));
    assert_eq!(crash_log_reads(&commands).len(), 1, "{commands:?}");
    let entry = s.resources.pods.get("user-scheduler-1").unwrap();
    assert!(!entry.diagnosis.as_ref().unwrap().line.contains("last log"));
}

#[test]
fn of_fifty_crash_loops_only_the_one_looked_at_is_read() {
    let pods = (0..50)
        .map(|i| crash_looping_scheduler_pod(&format!("user-scheduler-{i:02}"), "rig-node-1"))
        .collect();
    let mut s = state_with(pods);
    let commands = char_key(&mut s, '3');
    let reads = crash_log_reads(&commands);
    assert_eq!(reads.len(), 1, "{commands:?}");
    assert_eq!(reads[0].pod, "user-scheduler-00");
    let commands = char_key(&mut s, 'j');
    let reads = crash_log_reads(&commands);
    assert_eq!(reads.len(), 1, "{commands:?}");
    assert_eq!(reads[0].pod, "user-scheduler-01");
    // Its details and its log view look at the same pod: nothing more.
    assert!(crash_log_reads(&key(&mut s, KeyCode::Enter)).is_empty());
    assert!(matches!(s.top_overlay(), Some(Overlay::PodDetails { .. })));
    assert!(crash_log_reads(&char_key(&mut s, 'l')).is_empty());
}

/// The proxy's log: 100 lines, every 7th about alice's route (15 of them).
fn routes_log(s: &mut State) -> u64 {
    let (stream, _) = follow(&char_key(s, 'l'));
    opened(s, stream, "chp");
    let many: Vec<String> = (0..100)
        .map(|i| match i % 7 {
            0 => format!(
                "2026-12-01T11:00:{:02}.000000000Z Adding route for /user/alice {i}",
                i % 60
            ),
            _ => format!(
                "2026-12-01T11:00:{:02}.000000000Z 200 GET /hub/health {i}",
                i % 60
            ),
        })
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    lines(s, stream, &refs);
    stream
}

fn shown(s: &State) -> Vec<String> {
    let view = s.logs.as_ref().unwrap();
    (0..view.shown_len())
        .map(|at| view.lines[view.shown_line(at)].text().to_owned())
        .collect()
}

#[test]
fn the_line_filter_shows_only_matching_lines_as_typed_and_esc_clears_it() {
    let mut s = proxy_state();
    let stream = routes_log(&mut s);
    char_key(&mut s, '&');
    // Live: every key filters. While typing, c (container) and the other
    // keys are letters of the filter.
    assert!(type_text(&mut s, "al").is_empty());
    let after_al = shown(&s).len();
    assert!(after_al > 15, "'al' is in health too: {after_al}");
    assert!(type_text(&mut s, "ice").is_empty());
    assert_eq!(shown(&s).len(), 15);
    assert!(shown(&s).iter().all(|l| l.contains("/user/alice")));
    let screen = draw(&s, 80, 24);
    assert!(screen.contains("&alice 15 of 100 lines"), "{screen}");
    assert!(
        screen.contains("&alice▏ Enter keep · Esc clear"),
        "{screen}"
    );
    assert!(!screen.contains("/hub/health"), "{screen}");
    // The matched letters are lit.
    let rows = support::cockpit::underlined(&s, 80, 24);
    assert_eq!(rows.len(), 15, "{rows:?}");
    assert!(rows.iter().all(|(_, lit)| lit == "alice"), "{rows:?}");
    // Backspace widens it again.
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    assert_eq!(shown(&s).len(), after_al);
    type_text(&mut s, "ice");
    key(&mut s, KeyCode::Enter);
    assert!(!s.logs.as_ref().unwrap().filter.as_ref().unwrap().typing);

    // Following goes on over the lines that pass: a health line changes
    // nothing shown, alice's next line is the new bottom one.
    let view = s.logs.as_ref().unwrap();
    assert!(view.following());
    lines(&mut s, stream, &["200 GET /hub/health 100"]);
    assert_eq!(shown(&s).len(), 15);
    lines(&mut s, stream, &["Adding route for /user/alice 101"]);
    let screen = draw(&s, 80, 24);
    let last_row = screen.lines().rev().find(|l| l.contains("/user/alice"));
    assert!(last_row.unwrap().contains("/user/alice 101"), "{screen}");
    // Scrolled back, new lines keep the same lines on screen; G follows
    // again, to the newest line that passes.
    key(&mut s, KeyCode::Char('k'));
    let bottom = |s: &State| {
        let view = s.logs.as_ref().unwrap();
        view.bottom().map(|i| view.lines[i].text().to_owned())
    };
    assert_eq!(
        bottom(&s).as_deref(),
        Some("Adding route for /user/alice 98")
    );
    lines(
        &mut s,
        stream,
        &[
            "Adding route for /user/alice 102",
            "200 GET /hub/health 103",
        ],
    );
    assert_eq!(
        bottom(&s).as_deref(),
        Some("Adding route for /user/alice 98")
    );
    key(&mut s, KeyCode::Char('G'));
    assert_eq!(
        bottom(&s).as_deref(),
        Some("Adding route for /user/alice 102")
    );

    // The search goes over the lines shown: the newest match first, then n
    // for the older one.
    let current = |s: &State| {
        let view = s.logs.as_ref().unwrap();
        let abs = view.search.as_ref().and_then(|q| q.current)?;
        Some(view.lines[abs - view.dropped].text().to_owned())
    };
    char_key(&mut s, '/');
    type_text(&mut s, "alice 9");
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        current(&s).as_deref(),
        Some("Adding route for /user/alice 98")
    );
    char_key(&mut s, 'n');
    assert_eq!(
        current(&s).as_deref(),
        Some("Adding route for /user/alice 91")
    );

    // Esc: the search, then the filter, then the view.
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert!(s.logs.as_ref().unwrap().search.is_none());
    assert_eq!(shown(&s).len(), 17);
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert!(s.logs.as_ref().unwrap().filter.is_none());
    assert_eq!(shown(&s).len(), 104);
    assert_eq!(key(&mut s, KeyCode::Esc), vec![Command::StopLogs]);
}

#[test]
fn esc_while_typing_the_line_filter_clears_it_and_the_filter_outlives_a_container_switch() {
    let mut s = proxy_state();
    routes_log(&mut s);
    char_key(&mut s, '&');
    type_text(&mut s, "alice");
    key(&mut s, KeyCode::Esc);
    let view = s.logs.as_ref().unwrap();
    assert!(view.filter.is_none());
    assert_eq!(view.shown_len(), 100);
    assert!(s.logs.is_some(), "the view stays open");

    // Kept with Enter, it stays on another container's log (its lines are
    // matched as they come) and is typed on from its text with &.
    char_key(&mut s, '&');
    type_text(&mut s, "alice");
    key(&mut s, KeyCode::Enter);
    let (second, request) = follow(&char_key(&mut s, 'c'));
    assert_eq!(request.container.as_deref(), Some("init-perms"));
    lines(&mut s, second, &["waiting for alice", "chmod done"]);
    assert_eq!(shown(&s), ["waiting for alice"]);
    char_key(&mut s, '&');
    type_text(&mut s, " wait");
    assert_eq!(shown(&s), ["waiting for alice"]);
    let title = draw(&s, 80, 24);
    assert!(title.contains("&alice wait 1 of 2 lines"), "{title}");
    // Enter on a blank filter drops it.
    for _ in 0.."alice wait".len() {
        key(&mut s, KeyCode::Backspace);
    }
    key(&mut s, KeyCode::Enter);
    assert!(s.logs.as_ref().unwrap().filter.is_none());
}

#[test]
fn s_saves_the_lines_the_filter_shows() {
    let mut s = proxy_state();
    routes_log(&mut s);
    char_key(&mut s, '&');
    type_text(&mut s, "alice 9");
    key(&mut s, KeyCode::Enter);
    match char_key(&mut s, 's').as_slice() {
        [Command::SaveLog { lines, text, .. }] => {
            assert_eq!(*lines, 3);
            assert_eq!(
                text,
                "Adding route for /user/alice 49\nAdding route for /user/alice 91\nAdding route for /user/alice 98\n"
            );
        }
        other => panic!("{other:?}"),
    }
    char_key(&mut s, '&');
    type_text(&mut s, "zzz");
    assert!(draw(&s, 80, 24).contains("no line matches the filter"));
    key(&mut s, KeyCode::Enter);
    assert!(char_key(&mut s, 's').is_empty());
    assert_eq!(footer(&s), "no line passes the filter: nothing to save");
}

#[test]
fn log_view_filtered() {
    let mut s = proxy_state();
    let (stream, _) = follow(&char_key(&mut s, 'l'));
    opened(&mut s, stream, "chp");
    let many: Vec<String> = (0..MAX_LOG_LINES + 250)
        .map(|i| {
            format!(
                "2026-12-01T11:{:02}:{:02}.000000000Z [I 2026-12-01 11:{:02}:{:02}.000 JupyterHub proxy:{i}] {}",
                (i / 60) % 60,
                i % 60,
                (i / 60) % 60,
                i % 60,
                if i % 7 == 0 { "Adding route for /user/alice" } else { "200 GET /hub/health" }
            )
        })
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    lines(&mut s, stream, &refs);
    char_key(&mut s, '&');
    type_text(&mut s, "route alice");
    key(&mut s, KeyCode::Enter);
    let view = s.logs.as_ref().unwrap();
    assert_eq!(view.shown_len(), 1_429, "of the 10,000 kept, every 7th");
    let small = draw(&s, 80, 24);
    assert!(
        small.contains("&route alice 1429 of 10000 lines"),
        "{small}"
    );
    assert_snapshot!("log_view_filtered_80x24", small);
    assert_snapshot!("log_view_filtered_120x40", draw(&s, 120, 40));
    // Each line's matched letters lit: the words of the filter.
    let rows = support::cockpit::underlined(&s, 120, 40);
    assert_eq!(rows.len(), 36, "every row drawn: {rows:?}");
    assert!(rows.iter().all(|(_, lit)| lit == "routealice"), "{rows:?}");
    sizes::draws_at_every_size(&s);
}
