//! The terminal is given back as it was found on every way out: `q`, Ctrl-C,
//! SIGINT, SIGTERM, SIGHUP (an SSH drop), a panic, and a suspend with
//! Ctrl-Z followed by `fg`. The real binary runs in a real tmux pane; tmux
//! says whether the alternate screen is still on and the cursor hidden, and
//! `stty -g` before and after shows whether raw mode was left on.
//!
//! No cluster: the kubeconfig points at a closed loopback port, so the
//! cockpit opens and says the API is unreachable, which is all a terminal
//! test needs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_jhub-cockpit"))
}

/// A private tmux server (its own socket) with one 80x24 pane.
pub(super) struct Pane {
    socket: String,
    dir: tempfile::TempDir,
}

impl Pane {
    fn new(name: &str) -> Pane {
        let dir = tempfile::tempdir().unwrap();
        let pane = Pane {
            socket: format!("jhub-term-{}-{name}", std::process::id()),
            dir,
        };
        std::fs::write(
            pane.path("kubeconfig"),
            "apiVersion: v1\nkind: Config\ncurrent-context: nowhere\n\
             clusters:\n- name: nowhere\n  cluster:\n    server: https://127.0.0.1:9\n\
             contexts:\n- name: nowhere\n  context:\n    cluster: nowhere\n    user: nobody\n    namespace: jhub\n\
             users:\n- name: nobody\n  user:\n    token: not-a-real-token\n",
        )
        .unwrap();
        pane
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c.env_remove("TMUX");
        c
    }

    /// The cockpit's command line, its environment kept inside the temp dir.
    fn cockpit(&self, extra_env: &str) -> String {
        let d = self.dir.path().display();
        format!(
            "cd {d} && HOME={d} XDG_CONFIG_HOME={d}/config XDG_STATE_HOME={d}/state \
             XDG_CACHE_HOME={d}/cache RUST_BACKTRACE=0 {extra_env} \
             {} --kubeconfig {d}/kubeconfig",
            binary().display()
        )
    }

    /// Starts `sh -c script` in the pane, kept open afterwards so that its
    /// terminal state can still be read.
    fn start(&self, script: &str) {
        let ok = self
            .tmux()
            .args([
                "new-session",
                "-d",
                "-x",
                "80",
                "-y",
                "24",
                "sh",
                "-c",
                script,
            ])
            .status()
            .expect("tmux is installed (apt-get install tmux)")
            .success();
        assert!(ok, "tmux new-session failed");
        self.tmux()
            .args(["set-option", "-g", "remain-on-exit", "on"])
            .status()
            .unwrap();
    }

    /// Runs the cockpit between two `stty -g` readings and records its exit
    /// status.
    fn start_cockpit(&self, extra_env: &str) {
        let d = self.dir.path().display();
        self.start(&format!(
            "stty -g > {d}/before; {}; echo $? > {d}/rc; stty -g > {d}/after; exec sleep 600",
            self.cockpit(extra_env)
        ));
    }

    /// The screen with the 40 lines above it, for failure messages: what
    /// scrolled away is often what went wrong.
    fn history(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-S", "-40"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        let out = self.tmux().args(["capture-pane", "-p"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// tmux's view of the pane: (alternate screen on, cursor visible).
    fn modes(&self) -> (bool, bool) {
        let out = self
            .tmux()
            .args(["display-message", "-p", "#{alternate_on} #{cursor_flag}"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let mut it = text.split_whitespace();
        (it.next() == Some("1"), it.next() == Some("1"))
    }

    pub(super) fn keys(&self, keys: &[&str]) {
        let mut c = self.tmux();
        c.arg("send-keys").args(keys);
        assert!(c.status().unwrap().success());
    }

    fn wait_for(&self, what: &str, check: impl Fn(&Pane) -> bool) {
        let start = Instant::now();
        while !check(self) {
            if start.elapsed() > Duration::from_secs(20) {
                panic!(
                    "timed out waiting for {what}; modes {:?}; the screen and above it:\n{}",
                    self.modes(),
                    self.history()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn wait_for_cockpit(&self) {
        self.wait_for("the cockpit's first frame", |p| {
            p.modes().0 && p.screen().contains("unreachable")
        });
    }

    /// The pid of the cockpit, the child of the pane's shell.
    pub(super) fn cockpit_pid(&self) -> String {
        let out = self
            .tmux()
            .args(["display-message", "-p", "#{pane_pid}"])
            .output()
            .unwrap();
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let out = Command::new("pgrep")
            .args(["-P", &shell, "jhub-cockpit"])
            .output()
            .unwrap();
        let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            !pid.is_empty(),
            "no jhub-cockpit under the pane's shell {shell}"
        );
        pid
    }

    fn signal(&self, name: &str) {
        let pid = self.cockpit_pid();
        assert!(
            Command::new("kill")
                .args([&format!("-{name}"), &pid])
                .status()
                .unwrap()
                .success()
        );
    }

    /// A file the pane's shell writes, once it has something in it: the
    /// shell creates the file for `>` before the command writes to it, so an
    /// empty file is one still being written.
    fn read(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.path(name))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// After the cockpit has gone: the exit status, and the terminal as the
    /// shell had it before.
    fn assert_restored(&self, how: &str) -> String {
        self.wait_for("the cockpit to exit", |p| p.read("after").is_some());
        let (alternate, cursor) = self.modes();
        let screen = self.screen();
        assert!(
            !alternate,
            "{how}: the alternate screen is still on:\n{screen}"
        );
        assert!(cursor, "{how}: the cursor is still hidden:\n{screen}");
        assert_eq!(
            self.read("before"),
            self.read("after"),
            "{how}: the tty settings (stty -g) differ, raw mode was left on"
        );
        self.read("rc").unwrap()
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

/// A pane with the cockpit started in it and showing its first frame.
pub(super) fn running_cockpit(name: &str, extra_env: &str) -> Pane {
    let pane = Pane::new(name);
    pane.start_cockpit(extra_env);
    pane.wait_for_cockpit();
    pane
}

fn log_of(pane: &Pane) -> String {
    std::fs::read_to_string(pane.path("state/jhub-cockpit/jhub-cockpit.log")).unwrap_or_default()
}

#[test]
fn q_quits_and_restores() {
    let pane = running_cockpit("q", "");
    pane.keys(&["q"]);
    assert_eq!(pane.assert_restored("q"), "0");
}

#[test]
fn ctrl_c_key_quits_and_restores() {
    let pane = running_cockpit("ctrlc", "");
    // In raw mode Ctrl-C is a key, not a signal.
    pane.keys(&["C-c"]);
    assert_eq!(pane.assert_restored("Ctrl-C"), "0");
}

fn signal_restores(signal: &str) {
    let pane = running_cockpit(&signal.to_lowercase(), "");
    pane.signal(signal);
    let rc = pane.assert_restored(signal);
    assert_eq!(rc, "0", "SIG{signal} is a clean exit");
}

#[test]
fn sigint_restores() {
    signal_restores("INT");
}

#[test]
fn sigterm_restores() {
    signal_restores("TERM");
}

#[test]
fn sighup_restores() {
    signal_restores("HUP");
}

#[test]
fn a_panic_restores_and_says_where_the_log_is() {
    let pane = running_cockpit("panic", "JHUB_COCKPIT_TEST_PANIC_KEY=Z");
    pane.keys(&["Z"]);
    let rc = pane.assert_restored("panic");
    assert_eq!(rc, "101", "a panic exits with Rust's panic status");
    // The message is written after the restore, so it is on the shell's
    // screen rather than lost in the alternate one.
    let screen = pane.screen();
    assert!(
        screen.contains("jhub-cockpit crashed; the log is at"),
        "{screen}"
    );
    assert!(screen.contains("test panic"), "{screen}");
    assert!(!log_of(&pane).is_empty(), "the log file was written");
}

#[test]
fn without_the_test_variable_the_panic_key_does_nothing() {
    let pane = running_cockpit("nopanic", "");
    pane.keys(&["Z"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(pane.modes().0, "still running:\n{}", pane.screen());
    pane.keys(&["q"]);
    assert_eq!(pane.assert_restored("q after Z"), "0");
}

#[test]
fn ctrl_z_suspends_to_the_shell_and_fg_brings_the_cockpit_back() {
    let pane = Pane::new("suspend");
    let d = pane.dir.path().display();
    // An interactive shell, for job control.
    pane.start(&format!(
        "PS1='READY$ ' HOME={d} exec bash --norc --noprofile -i"
    ));
    pane.wait_for("the shell's prompt", |p| p.screen().contains("READY$"));
    pane.keys(&[&format!("stty -g > {d}/before"), "Enter"]);
    // Typed ahead while stty runs, the next line can be lost when readline
    // takes the terminal back: wait for the prompt first.
    pane.wait_for("stty before the start", |p| {
        p.read("before").is_some() && p.screen().matches("READY$").count() >= 2
    });
    pane.keys(&[&pane.cockpit(""), "Enter"]);
    pane.wait_for_cockpit();

    pane.keys(&["C-z"]);
    pane.wait_for("the shell after Ctrl-Z", |p| {
        !p.modes().0 && p.screen().contains("Stopped")
    });
    let (_, cursor) = pane.modes();
    assert!(
        cursor,
        "suspended: the cursor is hidden:\n{}",
        pane.screen()
    );
    pane.keys(&[&format!("stty -g > {d}/suspended"), "Enter"]);
    pane.wait_for("stty while suspended", |p| p.read("suspended").is_some());
    assert_eq!(
        pane.read("before"),
        pane.read("suspended"),
        "suspended: raw mode is still on"
    );

    pane.keys(&["fg", "Enter"]);
    pane.wait_for_cockpit();
    // Still answering keys after the resume.
    pane.keys(&["?"]);
    pane.wait_for("the help after fg", |p| p.screen().contains("Keys"));
    pane.keys(&["Escape"]);
    // An Escape and a q that reach the cockpit in one read are Alt-q, as
    // in any terminal program: the q waits for the help to close.
    pane.wait_for("the help closed", |p| !p.screen().contains("Keys"));
    pane.keys(&["q"]);
    pane.wait_for("the shell after q", |p| {
        !p.modes().0 && p.screen().matches("READY$").count() >= 3
    });
    pane.keys(&[&format!("echo $? > {d}/rc; stty -g > {d}/after"), "Enter"]);
    assert_eq!(pane.assert_restored("Ctrl-Z, fg, q"), "0");
}
