//! `dev/demo` end to end, without its slow parts, held to what the README
//! says of it: "It stops what it started when you quit." The real script
//! runs, with a rig of its own (JHUB_RIG_DIR and JHUB_RIG_PORT_BASE in a
//! temporary directory: the shared rig is never touched), the binaries this
//! test build made (JHUB_DEMO_BIN_DIR: no release build), and in the
//! cockpit's place a stand-in (JHUB_DEMO_COCKPIT) that says it runs and
//! waits to be told to quit. It starts the rig's components, the registry
//! (pushing the course image's tags), the GKE emulator (with the course
//! hub made through its API), the hub watcher and the stand-in, as for an
//! operator; then the stand-in quits, or the demo is killed (SIGTERM to
//! it), interrupted (SIGINT to its process group, as Ctrl-C), or loses its
//! terminal (SIGHUP to its process group).
//!
//! Every process a run starts carries a mark in its environment
//! (JHUB_DEMO_TEST_RUN, inherited through setsid and double forks alike),
//! so that what it left behind is found whoever its parent is now. After
//! the demo exits, no marked process may be left and no port of its rig,
//! registry or emulator may still listen; a rig and registry that ran
//! before it (marked otherwise) must still run, on the same pids.
//!
//! Needs the rig's binaries (`dev/build`), not the shared rig. Everything
//! listens on and is asked on 127.0.0.1. About 20 s a demo that starts its
//! rig, 5 s one that finds it running; the tests take their turn with the
//! others that make a rig of their own.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::support::repo_root;

/// The rig's components (dev/cluster's COMPONENTS), by binary name.
const RIG: [&str; 8] = [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet-images",
    "kwok",
    "pod-logs",
    "lb-controller",
];

/// Port blocks of 20 from here, ten for each test (its `region`, so that
/// two tests never pick the same, one's rig going down as the next's comes
/// up): below the private rigs' 28440.., away from the shared rig's
/// 26440.. and the benchmark's 27440...
const FIRST_PORT_BASE: u16 = 27600;
const PORT_BLOCKS: u16 = 10;

fn port_in_use(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_err()
}

/// The ports a demo's rig and registry listen on: base + 0..9.
fn demo_ports(base: u16) -> Vec<u16> {
    (0..10).map(|i| base + i).collect()
}

fn free_port_base(region: u16) -> u16 {
    let first = FIRST_PORT_BASE + 20 * PORT_BLOCKS * region;
    (0..PORT_BLOCKS)
        .map(|k| first + 20 * k)
        .find(|base| !(0..20).any(|i| port_in_use(base + i)))
        .unwrap_or_else(|| panic!("no free block of 20 ports in 127.0.0.1:{first}.."))
}

/// A process of this machine, as /proc tells.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Proc {
    pid: i32,
    name: String,
    pgid: i32,
}

/// Every process whose environment holds `JHUB_DEMO_TEST_RUN=mark`.
fn marked(mark: &str) -> Vec<Proc> {
    let needle = format!("JHUB_DEMO_TEST_RUN={mark}\0");
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(environ) = fs::read(entry.path().join("environ")) else {
            continue;
        };
        if !String::from_utf8_lossy(&environ).contains(&needle) {
            continue;
        }
        // The binary's name (a component's is its name); what /proc calls
        // it when the binary cannot be read.
        let name = fs::read_link(entry.path().join("exe"))
            .ok()
            .and_then(|p| {
                let n = p.file_name()?.to_string_lossy().into_owned();
                Some(n.trim_end_matches(" (deleted)").to_owned())
            })
            .or_else(|| fs::read_to_string(entry.path().join("comm")).ok())
            .unwrap_or_default()
            .trim()
            .to_owned();
        let stat = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // After "(comm) ": state, ppid, pgrp.
        let after = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split(' ').collect();
        if fields.first() == Some(&"Z") {
            continue; // exited, not yet reaped by its parent
        }
        let pgid = fields.get(2).and_then(|p| p.parse().ok()).unwrap_or(0);
        found.push(Proc { pid, name, pgid });
    }
    found.sort_by_key(|p| p.pid);
    found
}

fn names(procs: &[Proc]) -> Vec<&str> {
    let mut names: Vec<&str> = procs.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// One test's directory (rig, demo directory, the stand-in and its fifo)
/// and ports, and its turn among the tests that make a rig of their own
/// (one at a time: `private_rig::SERIAL`). Dropped: whatever a run left
/// (its marked processes, by pid) is killed, and the rig brought down and
/// purged, before the next test's turn.
struct Scratch {
    dir: tempfile::TempDir,
    port_base: u16,
    marks: Vec<String>,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Scratch {
    /// `region`: which ten port blocks are this test's.
    fn new(region: u16) -> Scratch {
        let turn = crate::support::private_rig::SERIAL.blocking_lock();
        let dir = tempfile::Builder::new()
            .prefix("jhub-demo-test-")
            .tempdir()
            .unwrap();
        let standin = dir.path().join("cockpit");
        fs::write(
            &standin,
            r#"#!/bin/sh
# Stands in for the cockpit: says it runs and with what, then waits until
# the test says quit (a line on the fifo) or a signal ends it.
printf '%s\n' "$$" "$KUBECONFIG" "$@" > "$STANDIN_DIR/cockpit.tmp"
mv "$STANDIN_DIR/cockpit.tmp" "$STANDIN_DIR/cockpit.started"
read -r _ < "$STANDIN_DIR/quit"
exit 0
"#,
        )
        .unwrap();
        fs::set_permissions(&standin, fs::Permissions::from_mode(0o755)).unwrap();
        Scratch {
            dir,
            port_base: free_port_base(region),
            marks: Vec::new(),
            _turn: turn,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A command of the repo (dev/demo, dev/cluster) on this test's rig,
    /// its processes marked with `mark`.
    fn command(&mut self, program: &str, mark: &str) -> Command {
        if !self.marks.iter().any(|m| m == mark) {
            self.marks.push(mark.to_owned());
        }
        let mut cmd = Command::new(repo_root().join(program));
        cmd.env("JHUB_RIG_DIR", self.path("rig"))
            .env("JHUB_RIG_PORT_BASE", self.port_base.to_string())
            .env("JHUB_DEMO_TEST_RUN", mark)
            // Loopback only, whatever the environment says.
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .env_remove("KUBECONFIG");
        cmd
    }

    /// `dev/cluster ARGS` on this test's rig, as `mark`; must succeed.
    fn cluster(&mut self, mark: &str, args: &[&str]) -> String {
        let out = self
            .command("dev/cluster", mark)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "dev/cluster {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn rig_answers(&self) -> bool {
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(self.path("rig/kubeconfig"))
            .args(["--request-timeout=3s", "get", "--raw", "/readyz"])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// dev/demo started on this rig, as `mark`, in a process group of its
    /// own (as a shell runs a command: Ctrl-C reaches the demo and the
    /// cockpit, not the components, which dev/cluster starts in sessions
    /// of their own).
    fn demo(&mut self, mark: &str) -> Demo {
        let _ = fs::remove_file(self.path("cockpit.started"));
        let _ = fs::remove_file(self.path("quit"));
        let fifo = std::ffi::CString::new(self.path("quit").to_str().unwrap()).unwrap();
        // SAFETY: a C string path and a mode.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0, "mkfifo");
        let output = self.path(&format!("{mark}.out"));
        let log = fs::File::create(&output).unwrap();
        let bin_dir = demo_bin_dir();
        let started = Instant::now();
        let child = self
            .command("dev/demo", mark)
            .env("JHUB_DEMO_DIR", self.path("demo"))
            .env("JHUB_DEMO_BIN_DIR", &bin_dir)
            .env("JHUB_DEMO_COCKPIT", self.path("cockpit"))
            .env("STANDIN_DIR", self.dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("cannot run dev/demo");
        Demo {
            child,
            output,
            started,
            dir: self.dir.path().to_owned(),
            status: None,
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for mark in &self.marks {
            for p in marked(mark) {
                // SAFETY: a pid this test's runs started (marked), and a signal.
                unsafe { libc::kill(p.pid, libc::SIGKILL) };
            }
        }
        let out = Command::new(repo_root().join("dev/cluster"))
            .args(["down", "--purge"])
            .env("JHUB_RIG_DIR", self.path("rig"))
            .env("JHUB_RIG_PORT_BASE", self.port_base.to_string())
            .output();
        if let Ok(o) = out
            && !o.status.success()
        {
            eprintln!(
                "dev/cluster down on the demo test's rig: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

/// Where this test build's binaries are: the cockpit's, and the GKE
/// emulator's beside it. `cargo test --all-targets` (dev/test) builds it;
/// `cargo test --test it` does not, and then it is built here once (a
/// debug build; about a minute the first time, as its dependencies are
/// built with its own features).
fn demo_bin_dir() -> PathBuf {
    let cockpit = PathBuf::from(env!("CARGO_BIN_EXE_jhub-cockpit"));
    let dir = cockpit.parent().unwrap().to_owned();
    if !dir.join("gke-emulator").is_file() {
        let target = dir.parent().unwrap();
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--locked",
                "-p",
                "gke-emulator",
                "--bin",
                "gke-emulator",
            ])
            .env("CARGO_TARGET_DIR", target)
            .current_dir(repo_root())
            .status()
            .expect("cannot run cargo");
        assert!(status.success(), "cannot build the GKE emulator");
    }
    assert!(
        dir.join("gke-emulator").is_file(),
        "no gke-emulator in {}",
        dir.display()
    );
    dir
}

struct Demo {
    child: Child,
    output: PathBuf,
    started: Instant,
    dir: PathBuf,
    status: Option<ExitStatus>,
}

impl Demo {
    fn said(&self) -> String {
        fs::read_to_string(&self.output).unwrap_or_default()
    }

    /// Waits until the stand-in runs: its pid, its KUBECONFIG, its
    /// arguments. Fails with what the demo said if it ended first.
    fn cockpit_started(&mut self) -> (i32, String, Vec<String>) {
        let started = self.dir.join("cockpit.started");
        let deadline = Instant::now() + Duration::from_secs(180);
        while !started.exists() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "dev/demo ended ({status}) before the cockpit ran:\n{}",
                    self.said()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the cockpit did not start within 180 s:\n{}",
                self.said()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!(
            "demo: the cockpit runs after {:.1}s",
            self.started.elapsed().as_secs_f64()
        );
        let text = fs::read_to_string(&started).unwrap();
        let mut lines = text.lines().map(str::to_owned);
        let pid = lines.next().unwrap().parse().unwrap();
        let kubeconfig = lines.next().unwrap();
        (pid, kubeconfig, lines.collect())
    }

    /// The stand-in quits, as the operator's q does.
    fn quit_cockpit(&self) {
        // Not blocking: a stand-in that is gone fails this at once.
        let mut fifo = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(self.dir.join("quit"))
            .expect("the cockpit stand-in is not reading its fifo");
        fifo.write_all(b"quit\n").unwrap();
    }

    /// A signal to the demo alone (as `kill PID`).
    fn signal(&self, signal: i32) {
        // SAFETY: the pid of our child, and a signal.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }

    /// A signal to the demo's process group (as a terminal sends Ctrl-C's
    /// SIGINT, and SIGHUP when it goes away).
    fn signal_group(&self, signal: i32) {
        // SAFETY: the process group made for our child, and a signal.
        assert_eq!(unsafe { libc::kill(-(self.child.id() as i32), signal) }, 0);
    }

    /// Waits for the demo to end (60 s at most: its cleanup stops the rig).
    fn ended(&mut self) -> ExitStatus {
        let t0 = Instant::now();
        let deadline = t0 + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                eprintln!(
                    "demo: ended ({status}) {:.1}s after it was told",
                    t0.elapsed().as_secs_f64()
                );
                self.status = Some(status);
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "dev/demo did not end within 60 s:\n{}",
                self.said()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if self.status.is_none() {
            // A failed test: its process group (the demo, the stand-in).
            // SAFETY: the process group made for our child, and a signal.
            unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
            let _ = self.child.wait();
        }
    }
}

/// `GET path` on 127.0.0.1:port: the status line and body.
fn http_get(port: u16, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// What a demo started, while its cockpit runs: checked against what it
/// should have started, so that "nothing is left" means something.
struct Running {
    procs: Vec<Proc>,
    emulator_port: u16,
}

/// Checks what the demo started while its cockpit (the stand-in) runs:
/// the rig's components and the registry when `starts_rig`, always the
/// GKE emulator (answering, with the course hub the demo made), the hub
/// watcher (leading a process group of its own) and the stand-in, given
/// the demo's kubeconfig and the emulator's address.
fn check_running(scratch: &Scratch, demo: &mut Demo, mark: &str, starts_rig: bool) -> Running {
    let (cockpit_pid, kubeconfig, args) = demo.cockpit_started();
    assert_eq!(
        PathBuf::from(&kubeconfig),
        scratch.path("demo/kubeconfig"),
        "the cockpit's KUBECONFIG"
    );
    let endpoint = args
        .windows(2)
        .find(|w| w[0] == "--gke-endpoint")
        .map(|w| w[1].clone())
        .unwrap_or_else(|| panic!("no --gke-endpoint in {args:?}"));
    let emulator_port: u16 = endpoint
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the emulator is not on loopback: {endpoint}"));
    let clusters = http_get(emulator_port, "/v1/projects/demo/locations/-/clusters");
    assert!(clusters.contains("course-hub"), "{clusters}");

    let procs = marked(mark);
    let names = names(&procs);
    for wanted in ["gke-emulator", "bash"] {
        assert!(names.contains(&wanted), "no {wanted} among {procs:?}");
    }
    let demo_pid = demo.child.id() as i32;
    assert!(
        procs.iter().any(|p| p.pid == cockpit_pid),
        "the stand-in ({cockpit_pid}) is not marked: {procs:?}"
    );
    assert!(
        procs
            .iter()
            .any(|p| p.pid != demo_pid && p.name == "bash" && p.pgid == p.pid),
        "no hub watcher leading its own process group: {procs:?}"
    );
    for component in RIG.iter().chain(&["registry"]) {
        assert_eq!(
            names.contains(component),
            starts_rig,
            "{component} {} started by the demo: {procs:?}",
            if starts_rig { "not" } else { "was" }
        );
    }
    for port in demo_ports(scratch.port_base).into_iter().take(9) {
        assert!(
            port_in_use(port),
            "nothing listens on the rig's port {port}"
        );
    }
    assert!(port_in_use(emulator_port));
    let said = demo.said();
    assert!(said.contains("container registry: 127.0.0.1:"), "{said}");
    Running {
        procs,
        emulator_port,
    }
}

/// After the demo ended: none of the processes it started is left, and
/// nothing listens on the emulator's port; the rig's ports are free unless
/// it was running before (`kept`: its processes, still there).
fn check_stopped(scratch: &Scratch, demo: &Demo, mark: &str, running: &Running, kept: &[Proc]) {
    // At once: the demo waits for what it stops, so nothing is still on
    // its way out (a process that exited and is not yet reaped is not
    // counted).
    let left = marked(mark);
    assert!(
        left.is_empty(),
        "the demo left running what it started: {left:?}\n(of {:?})\n{}",
        running.procs,
        demo.said()
    );
    assert!(
        !port_in_use(running.emulator_port),
        "the emulator's port {} still listens",
        running.emulator_port
    );
    if kept.is_empty() {
        let busy: Vec<u16> = demo_ports(scratch.port_base)
            .into_iter()
            .filter(|p| port_in_use(*p))
            .collect();
        assert!(
            busy.is_empty(),
            "rig ports still listening: {busy:?}\n{}",
            demo.said()
        );
        assert!(!scratch.rig_answers(), "the rig still answers");
    } else {
        for p in kept {
            let now = fs::read_to_string(format!("/proc/{}/stat", p.pid)).unwrap_or_default();
            assert!(
                !now.is_empty() && !now.contains(") Z "),
                "{} ({}), running before the demo, was stopped\n{}",
                p.name,
                p.pid,
                demo.said()
            );
        }
        assert!(
            scratch.rig_answers(),
            "the rig that ran before no longer answers"
        );
        for port in demo_ports(scratch.port_base).into_iter().take(9) {
            assert!(
                port_in_use(port),
                "port {port} of the rig that ran before is free"
            );
        }
    }
}

#[test]
fn the_demo_stops_what_it_started_when_the_cockpit_quits() {
    let mut scratch = Scratch::new(0);
    let mut demo = scratch.demo("quit");
    let running = check_running(&scratch, &mut demo, "quit", true);
    demo.quit_cockpit();
    let status = demo.ended();
    assert_eq!(status.code(), Some(0), "{}", demo.said());
    check_stopped(&scratch, &demo, "quit", &running, &[]);
    let said = demo.said();
    assert!(
        said.contains(
            "stopped what this demo started: the GKE emulator, the registry, the rig and its hubs"
        ),
        "{said}"
    );
    assert!(!said.contains("left running"), "{said}");
}

#[test]
fn the_demo_killed_with_sigterm_stops_what_it_started_and_the_cockpit() {
    let mut scratch = Scratch::new(1);
    let mut demo = scratch.demo("term");
    let running = check_running(&scratch, &mut demo, "term", true);
    // To the demo alone, as `kill PID`: it must not wait for the cockpit
    // to exit first, and must stop it.
    demo.signal(libc::SIGTERM);
    let status = demo.ended();
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{}", demo.said());
    check_stopped(&scratch, &demo, "term", &running, &[]);
    let said = demo.said();
    assert!(
        said.contains("TERM: stopping what this demo started")
            && said.contains("stopped what this demo started: the cockpit, the GKE emulator"),
        "{said}"
    );
}

#[test]
fn the_demo_leaves_a_rig_and_registry_that_ran_before_it_on_ctrl_c_and_hangup() {
    let mut scratch = Scratch::new(2);
    scratch.cluster("before", &["up", "--lb-delay", "1"]);
    scratch.cluster("before", &["registry", "up"]);
    let before = marked("before");
    let before_names = names(&before);
    for component in RIG.iter().chain(&["registry"]) {
        assert!(before_names.contains(component), "{component}: {before:?}");
    }

    // Ctrl-C: SIGINT to the demo's process group (the demo and the
    // cockpit; the components run in sessions of their own).
    let mut demo = scratch.demo("int");
    let running = check_running(&scratch, &mut demo, "int", false);
    demo.signal_group(libc::SIGINT);
    let status = demo.ended();
    assert_eq!(status.signal(), Some(libc::SIGINT), "{}", demo.said());
    check_stopped(&scratch, &demo, "int", &running, &before);
    let said = demo.said();
    assert!(
        said.contains("left running: the registry (running before), the rig (running before)"),
        "{said}"
    );

    // The terminal goes away (an SSH session dropped): SIGHUP to the
    // group. What the cleanup says goes to demo.log, not to a terminal
    // that is no more.
    let mut demo = scratch.demo("hup");
    let running = check_running(&scratch, &mut demo, "hup", false);
    demo.signal_group(libc::SIGHUP);
    let status = demo.ended();
    assert_eq!(status.signal(), Some(libc::SIGHUP), "{}", demo.said());
    check_stopped(&scratch, &demo, "hup", &running, &before);
    let logged = fs::read_to_string(scratch.path("demo/demo.log")).unwrap_or_default();
    assert!(
        logged.contains("HUP: stopping what this demo started")
            && logged.contains("stopped what this demo started: the cockpit, the GKE emulator")
            && logged.contains("left running: the registry (running before)"),
        "demo.log: {logged}\noutput: {}",
        demo.said()
    );
    assert_eq!(marked("before"), before, "the rig's processes, unchanged");
}
