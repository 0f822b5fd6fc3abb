//! The whole image step on the rig, through the cockpit's keys as the TUI
//! runs them (executor and watchers): the REAL JupyterHub chart installed
//! with a course image from a registry on loopback, then `I` sets the next
//! week's tag (the registry asked), `y` writes config.yaml, the upgrade is
//! offered with its diff (the registry asked again), `y` runs helm, and
//! `P` shows every node with the new image: the chart's image pullers ran
//! on each, and the rig's kubelet reported the pulls (kubelet-images).

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;

use crate::support::headless::Workdir;
use crate::support::observed::{Observed, deploy_config};
use crate::support::registry::{Auth, TestRegistry};
use crate::support::{TestNamespace, UninstallOnDrop, client, kubeconfig, run_helm, z2jh_chart};
use jhub_cockpit::app::image_pulls::{NodePull, pulls};
use jhub_cockpit::app::{Overlay, lists};
use jhub_cockpit::helm::cli::ChartSource;
use jhub_cockpit::values::DiffTag;

const REPO: &str = "course/notebook";

fn deadline_from_now() -> Instant {
    Instant::now() + Duration::from_secs(30)
}

/// The open dialog's lines and diff, unwrapped.
fn dialog_text(observed: &Observed) -> String {
    let s = observed.state();
    let dialog = s.confirm.as_ref().expect("a dialog");
    let mut lines = dialog.explain.clone();
    lines.extend(dialog.diff.iter().map(|d| {
        let sign = match d.tag {
            DiffTag::Added => "+",
            DiffTag::Removed => "-",
            DiffTag::Context => " ",
            DiffTag::Hunk => "",
        };
        format!("{sign}{}", d.text)
    }));
    lines.join("\n")
}

#[tokio::test]
async fn a_new_weeks_image_set_checked_upgraded_and_pulled_on_every_node() {
    let t0 = Instant::now();
    let registry = TestRegistry::start(Auth::None);
    for tag in ["w1", "w2"] {
        registry.push_image(REPO, tag, "linux/amd64");
    }
    let image = format!("{}/{REPO}", registry.addr());
    let client = client().await;
    let ns = TestNamespace::new(&client, "imgstep").await;
    let release = format!("jh{}", ns.name.rsplit('-').next().unwrap());
    let _uninstall = UninstallOnDrop::new(&release, &ns.name);

    let work = Workdir::new(&kubeconfig(), None);
    let config = format!(
        "# the course hub\nsingleuser:\n  image:\n    name: {image}  # our registry\n    tag: \"w1\"  # this week\n"
    );
    std::fs::write(work.config(), &config).unwrap();
    let chart = z2jh_chart();
    let (ok, said) = run_helm(&[
        "upgrade",
        "--install",
        &release,
        chart.to_str().unwrap(),
        "-n",
        &ns.name,
        "-f",
        work.config().to_str().unwrap(),
        "--wait",
        "--timeout",
        "5m",
    ]);
    assert!(ok, "helm install of the real chart: {said}");

    let mut deploy = deploy_config(&kubeconfig(), &ns.name, &work.path(""));
    deploy.release = release.clone();
    deploy.chart = ChartSource::Local(chart.clone());
    deploy.values = vec![work.config()];
    deploy.timeout = "5m".into();
    deploy.image_check = true;
    let observed = Observed::start(kubeconfig(), &ns.name, deploy);
    let deadline = Instant::now() + Duration::from_secs(60);
    observed
        .until(deadline, |s| lists::current_record(s).is_some())
        .await
        .unwrap_or_else(|| panic!("the release in the panes:\n{}", observed.screen()));

    // P: w1 is on every node (the pullers ran at the install).
    observed.key(KeyCode::Char('P'));
    observed
        .until(deadline, |s| {
            matches!(s.top_overlay(), Some(Overlay::Pulls { .. }))
        })
        .await
        .unwrap_or_else(|| panic!("P opens the pull view:\n{}", observed.screen()));
    let w1 = format!("{image}:w1");
    observed
        .until(deadline, |s| {
            let view = pulls(s, &w1);
            !view.rows.is_empty() && view.ready_nodes() == view.rows.len()
        })
        .await
        .unwrap_or_else(|| panic!("w1 on every node:\n{}", observed.screen()));
    let (overlays, footer) = {
        let s = observed.state();
        (s.overlays.clone(), s.footer.message.clone())
    };
    let screen = observed.screen();
    assert!(
        screen.contains("ready: on all"),
        "overlays {overlays:?} footer {footer:?}:\n{screen}"
    );
    observed.key(KeyCode::Esc);

    // I: the form starts from config.yaml's image; the tag becomes w2.
    observed.key(KeyCode::Char('I'));
    observed
        .until(deadline, |s| s.top_overlay() == Some(&Overlay::ImageForm))
        .await
        .unwrap_or_else(|| panic!("the image form:\n{}", observed.screen()));
    {
        let s = observed.state();
        let form = s.image_form.as_ref().unwrap();
        assert_eq!(form.values, [image.clone(), "w1".to_string()]);
    }
    observed.key(KeyCode::Backspace);
    observed.key(KeyCode::Char('2'));
    observed.key(KeyCode::Enter);
    observed
        .until(deadline, |s| s.top_overlay() == Some(&Overlay::Confirm))
        .await
        .unwrap_or_else(|| panic!("the dialog after the registry:\n{}", observed.screen()));
    let explained = dialog_text(&observed);
    assert!(
        explained.contains(&format!(
            "✓ singleuser.image {image}:w2 is in its registry (linux/amd64)"
        )),
        "{explained}"
    );
    observed.key(KeyCode::Char('y'));

    // The write, then the upgrade's dialog with its diff and the registry
    // asked again.
    observed
        .until(deadline, |s| {
            s.top_overlay() == Some(&Overlay::Confirm)
                && s.confirm
                    .as_ref()
                    .is_some_and(|c| c.action == jhub_cockpit::actions::Action::Deploy)
        })
        .await
        .unwrap_or_else(|| panic!("the upgrade offered:\n{}", observed.screen()));
    assert_eq!(
        std::fs::read_to_string(work.config()).unwrap(),
        config.replace("\"w1\"", "\"w2\""),
        "config.yaml's other bytes kept"
    );
    let explained = dialog_text(&observed);
    assert!(explained.contains("+    tag: w2"), "the diff: {explained}");
    assert!(
        explained.contains(&format!(
            "✓ singleuser.image {image}:w2 (was {image}:w1) is in its registry"
        )),
        "{explained}"
    );
    observed.key(KeyCode::Char('y'));
    let upgraded = Instant::now() + Duration::from_secs(300);
    observed
        .until(upgraded, |s| {
            s.operation.as_ref().is_some_and(|o| {
                o.action == jhub_cockpit::actions::Action::Deploy && o.outcome.is_some()
            })
        })
        .await
        .unwrap_or_else(|| panic!("the upgrade's end:\n{}", observed.screen()));
    {
        let s = observed.state();
        let op = s.operation.as_ref().unwrap();
        assert!(
            matches!(
                op.outcome,
                Some(jhub_cockpit::actions::Outcome::Succeeded { .. })
            ),
            "{op:?}"
        );
    }

    // P again: every node has w2, and the kubelet said how long it took.
    observed.key(KeyCode::Esc);
    observed.key(KeyCode::Char('P'));
    observed
        .until(deadline_from_now(), |s| {
            matches!(s.top_overlay(), Some(Overlay::Pulls { .. }))
        })
        .await
        .unwrap_or_else(|| panic!("P opens the pull view:\n{}", observed.screen()));
    let w2 = format!("{image}:w2");
    observed
        .until(Instant::now() + Duration::from_secs(120), |s| {
            let view = pulls(s, &w2);
            !view.rows.is_empty()
                && view.ready_nodes() == view.rows.len()
                && view
                    .rows
                    .iter()
                    .any(|r| matches!(r.pull, NodePull::Pulled { took: Some(_) }))
        })
        .await
        .unwrap_or_else(|| panic!("w2 on every node:\n{}", observed.screen()));
    let screen = observed.screen();
    assert!(screen.contains("ready: on all"), "{screen}");
    assert!(screen.contains("✓ pulled in "), "{screen}");
    eprintln!("{screen}");
    eprintln!("the image step on the rig in {:?}", t0.elapsed());
}
