//! End to end: the real binary in a real terminal (tmux, 80x24) against the
//! rig, driven by keys as an operator would.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::{TestNamespace, binary, client, fixture_chart, install_release, kubeconfig};

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
    assert!(screen.contains("3/3 nodes Ready"), "{screen}");

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
        s.contains("Keys") && s.contains("create GKE cluster")
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
