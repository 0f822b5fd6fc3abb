//! End to end: the real binary in a real terminal (tmux, 80x24) against the
//! rig, driven by keys as an operator would.

use crate::support;
use crate::support::headless;

use std::process::Command;
use std::time::{Duration, Instant};

use headless::Workdir;
use support::{
    TestNamespace, binary, client, fixture_chart, helm, install_release, kubeconfig, z2jh_chart,
};

struct Tmux {
    session: String,
}

impl Tmux {
    fn start(session: &str, command: &str) -> Tmux {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", session])
            .status();
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                session,
                "-x",
                "80",
                "-y",
                "24",
                command,
            ])
            .env_remove("TMUX")
            .status()
            .expect("tmux is installed (apt-get install tmux)")
            .success();
        assert!(ok, "tmux new-session failed");
        Tmux {
            session: session.into(),
        }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }

    /// Waits for the screen to satisfy `check`; fails with the last screen.
    fn wait_for(&self, what: &str, timeout: Duration, check: impl Fn(&str) -> bool) -> Duration {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if check(&screen) {
                return start.elapsed();
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .status();
    }
}

#[tokio::test]
async fn the_cockpit_shows_the_release_live_and_quits_cleanly() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "e2e").await;
    let chart = fixture_chart();
    install_release(&chart, &ns.name);

    let command = format!(
        "{} --kubeconfig {} -n {}; echo EXITED:$?; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; sleep 60",
        binary().display(),
        kubeconfig().display(),
        ns.name
    );
    let tmux = Tmux::start(&format!("jhub-e2e-{}", ns.name), &command);

    tmux.wait_for(
        "all four panes with the release and the URL",
        Duration::from_secs(60),
        |s| {
            s.contains("Cluster")
                && s.contains("Release jhub")
                && s.contains("Pods")
                && s.contains("Services")
                && s.contains("http://127.0.1.")
        },
    );
    let screen = tmux.screen();
    for component in ["hub-", "proxy-"] {
        assert!(
            screen
                .lines()
                .any(|l| l.contains(component) && l.contains("Running")),
            "{component} Running:\n{screen}"
        );
    }
    // The rig's three nodes, and any node another test made for itself
    // meanwhile (the diagnosis and image-pull tests do): all Ready.
    let ready = screen
        .split_whitespace()
        .zip(screen.split_whitespace().skip(1))
        .find(|(_, next)| *next == "nodes")
        .map(|(count, _)| count.to_owned())
        .unwrap_or_default();
    let (up, all) = ready.split_once('/').unwrap_or(("", ""));
    assert!(
        up == all && all.parse::<u32>().is_ok_and(|n| n >= 3),
        "{ready} nodes Ready:\n{screen}"
    );

    // A pod made with kubectl appears with no key pressed.
    let made = Command::new("kubectl")
        .args([
            "--kubeconfig",
            kubeconfig().to_str().unwrap(),
            "-n",
            &ns.name,
            "run",
            "jupyter-e2e",
            "--image=quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
            "--labels=component=singleuser-server",
        ])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let seen = tmux.wait_for("the new pod on screen", Duration::from_secs(10), |s| {
        s.contains("jupyter-e2e")
    });
    eprintln!("kubectl run -> on screen: {seen:?} (25 ms sampling)");

    tmux.keys(&["?"]);
    tmux.wait_for("the help overlay", Duration::from_secs(5), |s| {
        s.contains("Keys") && s.contains("create, delete GKE cluster")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the help closed", Duration::from_secs(5), |s| {
        !s.contains("Esc closes")
    });

    tmux.keys(&["q"]);
    let screen_after = {
        tmux.wait_for("the cockpit to exit", Duration::from_secs(10), |s| {
            s.contains("EXITED:")
        });
        tmux.screen()
    };
    assert!(screen_after.contains("EXITED:0"), "{screen_after}");
    // The terminal is back in cooked mode with the cockpit's screen gone.
    let mode = tmux.wait_for("stty output", Duration::from_secs(5), |s| {
        s.lines()
            .any(|l| l.trim() == "icanon" || l.trim() == "-icanon")
    });
    let _ = mode;
    let screen_after = tmux.screen();
    assert!(
        screen_after.lines().any(|l| l.trim() == "icanon"),
        "canonical mode restored:\n{screen_after}"
    );
    assert!(
        !screen_after.contains("Release jhub"),
        "alternate screen left:\n{screen_after}"
    );
}

/// The guide's workflow by keys, with the real JupyterHub chart: `i`
/// installs it, `u` upgrades after a diff of exactly the changed tag, `r` in
/// the history rolls back, `X` uninstalls; the panes stay live throughout.
#[tokio::test]
async fn the_guides_workflow_by_keys_with_the_real_chart() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "e2ez").await;
    let release = format!("jk{}", ns.name.rsplit('-').next().unwrap());
    let _uninstall = support::UninstallOnDrop::new(&release, &ns.name);
    let work = Workdir::new(&kubeconfig(), Some(&helm()));
    std::fs::write(work.config(), "singleuser:\n  image:\n    tag: \"4.4.0\"\n").unwrap();
    std::fs::write(
        work.path("jhub-cockpit.yaml"),
        format!(
            "chart:\n  reference: {}\nrelease: {release}\nkube:\n  namespace: {}\n",
            z2jh_chart().display(),
            ns.name
        ),
    )
    .unwrap();
    let env: String = work
        .command(&[])
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}='{}' ", k.to_str()?, v?.to_str()?)))
        .collect();
    let command = format!(
        "cd {} && env {env}{} --kubeconfig {} --helm {}; sleep 60",
        work.dir.display(),
        binary().display(),
        kubeconfig().display(),
        work.recorder.display()
    );
    let tmux = Tmux::start(&format!("jhub-e2e-{}", ns.name), &command);
    tmux.wait_for("the first frame", Duration::from_secs(30), |s| {
        s.contains("Pods") && s.contains("live")
    });

    // Install.
    tmux.keys(&["i"]);
    tmux.wait_for("the install dialog", Duration::from_secs(60), |s| {
        s.contains("Confirm: install / upgrade") && s.contains("y confirms")
    });
    let dialog = tmux.screen();
    assert!(!dialog.contains("schema not checked"), "{dialog}");
    tmux.keys(&["y"]);
    // While helm runs, the progress panel says which of the chart's hooks
    // it waits for: the image awaiter Job, beside the puller DaemonSet.
    let hook_lines = std::cell::RefCell::new(Vec::<String>::new());
    tmux.wait_for("the install done", Duration::from_secs(300), |s| {
        hook_lines.borrow_mut().extend(
            s.lines()
                .filter(|l| l.contains("waiting for hook-image-"))
                .map(|l| {
                    l.trim_matches(|c: char| c == '│' || c.is_whitespace())
                        .to_owned()
                }),
        );
        s.contains("✓ done") && s.contains("revision 1 deployed")
    });
    let hook_lines = hook_lines.into_inner();
    assert!(
        hook_lines
            .iter()
            .any(|l| l.contains("waiting for hook-image-awaiter (hook Job")),
        "the panel never said helm waits for the awaiter Job: {hook_lines:#?}"
    );
    assert!(
        hook_lines.iter().any(|l| l.contains("hook-image-puller")),
        "the panel never named the puller DaemonSet: {hook_lines:#?}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for(
        "the chart's pods Running and the URL",
        Duration::from_secs(60),
        |s| {
            s.contains("http://127.0.1.")
                && [
                    "hub-",
                    "proxy-",
                    "user-scheduler-",
                    "continuous-image-puller-",
                ]
                .iter()
                .all(|p| s.lines().any(|l| l.contains(p) && l.contains("Running")))
        },
    );

    // Upgrade: the diff is the tag line, then revision 2.
    let text = std::fs::read_to_string(work.config()).unwrap();
    std::fs::write(work.config(), text.replace("\"4.4.0\"", "\"4.5.0\"")).unwrap();
    tmux.keys(&["u"]);
    tmux.wait_for("the upgrade diff", Duration::from_secs(60), |s| {
        s.contains("Confirm: install / upgrade") && s.contains("+    tag: 4.5.0")
    });
    let dialog = tmux.screen();
    let changed: Vec<&str> = dialog
        .lines()
        .filter_map(|l| l.split('║').nth(1))
        .skip_while(|l| !l.starts_with("Values:"))
        .filter(|l| l.starts_with(['+', '-']))
        .map(str::trim_end)
        .collect();
    assert_eq!(changed, ["-    tag: 4.4.0", "+    tag: 4.5.0"], "{dialog}");
    tmux.keys(&["y"]);
    tmux.wait_for("the upgrade done", Duration::from_secs(300), |s| {
        s.contains("✓ done") && s.contains("revision 2 deployed")
    });
    tmux.keys(&["Escape"]);

    // Roll back to revision 1 from the history.
    tmux.keys(&["2", "Enter"]);
    tmux.wait_for("the history", Duration::from_secs(10), |s| {
        s.contains("History") && s.contains("Upgrade complete")
    });
    tmux.keys(&["j", "r"]);
    tmux.wait_for("the rollback dialog", Duration::from_secs(10), |s| {
        s.contains("Confirm") && s.contains("y confirms")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the rollback done", Duration::from_secs(300), |s| {
        s.contains("✓ done")
    });
    let revs = support::records(&client, &ns.name).await;
    assert_eq!(revs.len(), 3, "three revisions after the rollback");
    assert_eq!(revs[2].config, revs[0].config);
    tmux.keys(&["Escape"]);

    // Uninstall: the release's name typed.
    tmux.keys(&["X"]);
    tmux.wait_for("the uninstall dialog", Duration::from_secs(10), |s| {
        s.contains("Confirm: uninstall the release")
    });
    tmux.keys(&["-l", &release]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "the uninstall done and the namespace offered",
        Duration::from_secs(120),
        |s| {
            s.contains(&format!("release \"{release}\" uninstalled"))
                && s.contains("Confirm: delete the namespace")
        },
    );
    // Esc keeps the namespace (the test's own, deleted when it ends).
    tmux.keys(&["Escape"]);
    tmux.wait_for("the offer closed", Duration::from_secs(10), |s| {
        !s.contains("Confirm: delete the namespace")
    });
    assert!(support::release_secrets(&client, &ns.name).await.is_empty());
    let calls: Vec<String> = work
        .helm_calls()
        .iter()
        .filter(|c| !c.starts_with("version "))
        .map(|c| c.split(' ').next().unwrap().to_owned())
        .collect();
    assert_eq!(calls, ["upgrade", "upgrade", "rollback", "uninstall"]);
}

/// The log view in a real terminal: `l` on the hub shows its log, a line
/// the hub writes is on screen while the view follows, `s` saves the view
/// to a file only the operator can read, and when the pod is deleted the
/// view says the stream ended.
#[tokio::test]
async fn the_log_view_follows_live_saves_and_says_when_the_pod_goes() {
    use std::os::unix::fs::PermissionsExt;

    let client = client().await;
    let ns = TestNamespace::new(&client, "e2elogs").await;
    install_release(&fixture_chart(), &ns.name);
    let state_home = tempfile::tempdir().unwrap();
    let command = format!(
        "XDG_STATE_HOME={} {} --kubeconfig {} -n {}; sleep 60",
        state_home.path().display(),
        binary().display(),
        kubeconfig().display(),
        ns.name
    );
    let tmux = Tmux::start(&format!("jhub-e2e-{}", ns.name), &command);
    tmux.wait_for("the hub Running", Duration::from_secs(60), |s| {
        s.lines()
            .any(|l| l.contains("hub-") && l.contains("Running"))
    });
    // Pick the hub by name, as an operator would.
    tmux.keys(&["/", "hub-", "Enter", "l"]);
    tmux.wait_for("the hub's log", Duration::from_secs(30), |s| {
        s.contains("JupyterHub is now running")
    });
    let screen = tmux.screen();
    let hub = screen
        .lines()
        .find_map(|l| l.split_once("Logs ").map(|(_, rest)| rest))
        .and_then(|rest| rest.split('/').next())
        .expect("the pod's name in the view's title")
        .to_owned();

    let line = format!(
        "[W 2026-12-05 10:00:00.000 JupyterHub base:1200] typed-in {}",
        ns.name
    );
    let sent = Instant::now();
    let out = Command::new(support::repo_root().join("dev/cluster"))
        .args(["log", "-n", &ns.name, &hub, &line])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux.wait_for("the appended line", Duration::from_secs(10), |s| {
        s.contains(&format!("typed-in {}", ns.name))
    });
    eprintln!(
        "dev/cluster log started -> on screen: {:?} (25 ms sampling)",
        sent.elapsed()
    );

    tmux.keys(&["s"]);
    tmux.wait_for("the save said", Duration::from_secs(10), |s| {
        s.contains("saved ") && s.contains(" lines to ")
    });
    let dir = state_home.path().join("jhub-cockpit/saved-logs");
    let saved: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    let mode = std::fs::metadata(&saved[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&saved[0]).unwrap();
    assert!(text.ends_with(&format!("{line}\n")), "{text}");
    assert!(text.contains("JupyterHub is now running"), "{text}");

    let deleted = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig())
        .args(["-n", &ns.name, "delete", "pod", &hub, "--wait=false"])
        .output()
        .unwrap();
    assert!(deleted.status.success());
    tmux.wait_for("the stream's end", Duration::from_secs(30), |s| {
        s.contains("the stream ended: the container stopped or the pod is gone")
    });
    let screen = tmux.screen();
    assert!(screen.contains("Received signal SIGTERM"), "{screen}");
}
