//! The deploy actions end to end on the rig: the real `jhub-cockpit`
//! binary's headless subcommands, the real helm (behind a recorder), the
//! fixture chart, from a working directory holding config.yaml.

use crate::support;
use crate::support::cockpit;
use crate::support::headless;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::Api;
use serde_json::Value;

use clap::Parser;
use headless::{Run, Workdir, changed_lines, component_running, printed_diff, set_tag, status};
use jhub_cockpit::app::actions::Action;
use jhub_cockpit::app::{self, Command, Msg};
use jhub_cockpit::cli::{Cli, resolve};
use jhub_cockpit::deploy;
use jhub_cockpit::helm::cli::ChartSource;
use jhub_cockpit::profile::Settings;
use support::{
    TestNamespace, client, eventually, fixture_chart, helm, kubeconfig, records, release_secrets,
};

const IMAGE: &str = "quay.io/jupyterhub/k8s-singleuser-sample";

fn chart() -> String {
    fixture_chart().to_str().unwrap().to_owned()
}

/// Runs a subcommand with `-n NS --chart <fixture>` before it.
fn cockpit(work: &Workdir, ns: &str, args: &[&str]) -> Run {
    let chart = chart();
    let mut all = vec!["-n", ns, "--chart", chart.as_str()];
    all.extend_from_slice(args);
    work.run(&all)
}

/// Polls `status --json` until hub and proxy are Running and Ready and
/// proxy-public has its URL.
async fn wait_until_up(work: &Workdir, ns: &str) -> Value {
    let mut last = Value::Null;
    let up = eventually(Duration::from_secs(30), || {
        let s = status(work, &["-n", ns]);
        let done = component_running(&s, "hub")
            && component_running(&s, "proxy")
            && s["public_url"].is_string();
        last = s.clone();
        async move { done.then_some(s) }
    })
    .await;
    up.unwrap_or_else(|| panic!("hub, proxy and proxy-public not up in 30 s: {last:#}"))
}

async fn hub_config(client: &kube::Client, ns: &str) -> BTreeMap<String, String> {
    Api::<ConfigMap>::namespaced(client.clone(), ns)
        .get("hub")
        .await
        .unwrap()
        .data
        .unwrap_or_default()
}

fn history(work: &Workdir, ns: &str) -> Vec<(u64, String, String)> {
    let run = work.run(&["-n", ns, "history", "--json"]);
    assert!(run.ok(), "{run}");
    let rows: Value = serde_json::from_str(&run.stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["revision"].as_u64().unwrap(),
                r["status"].as_str().unwrap().to_owned(),
                r["description"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The diff `deploy` prints before it runs helm.
#[tokio::test]
async fn install_upgrade_rollback_uninstall() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "deploy").await;
    let ns = ns.name.as_str().to_owned();
    let work = Workdir::new(&kubeconfig(), Some(&helm()));

    // Install: revision 1, hub and proxy Running, the public URL.
    let run = cockpit(&work, &ns, &["deploy", "--yes"]);
    assert!(run.ok(), "install: {run}");
    assert_eq!(
        run.stdout.lines().last(),
        Some("helm upgrade --install jhub done")
    );
    assert!(
        printed_diff(&run.stdout).is_empty(),
        "an install prints no diff: {run}"
    );
    assert_eq!(
        work.helm_calls(),
        [
            "version --template {{.Version}}".to_owned(),
            format!(
                "upgrade --install --cleanup-on-fail jhub {} --namespace {ns} --create-namespace --values {} --timeout 10m --kubeconfig {}",
                chart(),
                work.config().display(),
                work.kubeconfig.display()
            ),
        ],
        "the z2jh command line"
    );
    let up = wait_until_up(&work, &ns).await;
    assert_eq!(up["release"]["name"], "jhub");
    assert_eq!(up["release"]["revision"], 1);
    assert_eq!(up["release"]["status"], "deployed");
    let url = up["public_url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.1."), "{url}");
    let before = hub_config(&client, &ns).await;
    assert_eq!(before["singleuser.image"], format!("{IMAGE}:4.4.0"));

    // Upgrade with a new image tag: the diff is exactly that line.
    set_tag(&work, "4.4.0", "4.5.0");
    let run = cockpit(&work, &ns, &["deploy", "--yes"]);
    assert!(run.ok(), "upgrade: {run}");
    let diff = printed_diff(&run.stdout);
    assert!(diff[0].starts_with("@@ "), "{run}");
    assert!(
        diff.iter()
            .all(|l| l.starts_with("@@ ") || l.starts_with([' ', '+', '-'])),
        "only diff lines before helm runs: {run}"
    );
    assert_eq!(
        changed_lines(&diff),
        ["-    tag: 4.4.0", "+    tag: 4.5.0"],
        "{run}"
    );
    assert_eq!(
        history(&work, &ns),
        [
            (1, "superseded".into(), "Install complete".into()),
            (2, "deployed".into(), "Upgrade complete".into())
        ]
    );
    let after = hub_config(&client, &ns).await;
    assert_ne!(after, before);
    assert_eq!(after["singleuser.image"], format!("{IMAGE}:4.5.0"));
    assert!(after["jupyterhub_config.py"].contains(&format!("\"{IMAGE}:4.5.0\"")));

    // Roll back to 1: revision 3, with revision 1's values.
    let run = cockpit(&work, &ns, &["rollback", "1", "--yes"]);
    assert!(run.ok(), "rollback: {run}");
    assert_eq!(
        run.stdout.lines().last(),
        Some("rolled jhub back to revision 1")
    );
    let revs = records(&client, &ns).await;
    assert_eq!(
        revs.iter().map(|r| r.revision).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(revs[2].config, revs[0].config);
    assert_ne!(revs[2].config, revs[1].config);
    assert_eq!(revs[0].config["singleuser"]["image"]["tag"], "4.4.0");
    assert_eq!(revs[1].config["singleuser"]["image"]["tag"], "4.5.0");
    assert_eq!(revs[2].status.as_str(), "deployed");
    assert_eq!(
        history(&work, &ns)[2],
        (3, "deployed".into(), "Rollback to 1".into())
    );
    assert_eq!(
        hub_config(&client, &ns).await["singleuser.image"],
        format!("{IMAGE}:4.4.0")
    );

    // Uninstall: no release Secrets left; the namespace stays (and says so).
    let run = cockpit(&work, &ns, &["uninstall", "--yes"]);
    assert!(run.ok(), "uninstall: {run}");
    assert_eq!(run.stdout.lines().last(), Some("uninstalled jhub"));
    assert!(
        run.stderr.contains(&format!(
            "the namespace {ns} stays: its LoadBalancer and disks keep costing money"
        )),
        "{run}"
    );
    let left: Vec<String> = release_secrets(&client, &ns)
        .await
        .iter()
        .map(|s| s.metadata.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(left, Vec::<String>::new());
    let namespace = Api::<Namespace>::all(client.clone())
        .get(&ns)
        .await
        .unwrap();
    assert_eq!(
        namespace.status.and_then(|s| s.phase).as_deref(),
        Some("Active")
    );
    let upgrades = work
        .helm_calls()
        .iter()
        .filter(|c| !c.starts_with("version "))
        .map(|c| c.split(' ').next().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(upgrades, ["upgrade", "upgrade", "rollback", "uninstall"]);
}

#[tokio::test]
async fn uninstall_with_delete_namespace_removes_the_namespace() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "deploy-ns").await;
    let ns = ns.name.clone();
    let work = Workdir::new(&kubeconfig(), Some(&helm()));
    let run = cockpit(&work, &ns, &["deploy", "--yes"]);
    assert!(run.ok(), "install: {run}");
    assert_eq!(records(&client, &ns).await.len(), 1);

    let run = cockpit(&work, &ns, &["uninstall", "--yes", "--delete-namespace"]);
    assert!(run.ok(), "{run}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.contains(&"uninstalled jhub"), "{run}");
    assert_eq!(
        lines.last().copied(),
        Some(format!("namespace {ns} is being deleted").as_str())
    );
    let api = Api::<Namespace>::all(client.clone());
    let going = eventually(Duration::from_secs(30), || {
        let api = api.clone();
        let ns = ns.clone();
        async move {
            match api.get(&ns).await {
                Err(kube::Error::Api(e)) if e.code == 404 => Some("gone".to_owned()),
                Ok(n) => n
                    .status
                    .and_then(|s| s.phase)
                    .filter(|p| p == "Terminating"),
                Err(e) => panic!("{e}"),
            }
        }
    })
    .await;
    assert!(
        going.is_some(),
        "namespace {ns} is neither Terminating nor gone"
    );
}

#[tokio::test]
async fn bad_values_never_reach_helm() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "badvalues").await;
    let ns = ns.name.clone();

    // Invalid YAML: the place is named.
    let work = Workdir::new(&kubeconfig(), Some(&helm()));
    std::fs::write(
        work.config(),
        "singleuser:\n  image:\n    name: x\n    tag: \"1\"\n  memory: [1G\nhub: {}\n",
    )
    .unwrap();
    let run = cockpit(&work, &ns, &["deploy", "--yes"]);
    assert_eq!(run.code, Some(1), "{run}");
    let place = format!("{}:6:4: invalid YAML", work.config().display());
    assert!(
        run.stderr
            .starts_with(&format!("jhub-cockpit: not deployed:\n{place}")),
        "{place}: {run}"
    );
    assert!(run.stderr.contains("nothing was applied"), "{run}");
    assert!(
        !work.record.exists(),
        "helm was run: {:?}",
        work.helm_calls()
    );

    // A schema violation: the failing path is named.
    let work = Workdir::new(&kubeconfig(), Some(&helm()));
    let text = std::fs::read_to_string(work.config()).unwrap();
    std::fs::write(work.config(), text.replace("tag: \"4.4.0\"", "tag: 5")).unwrap();
    let run = cockpit(&work, &ns, &["deploy", "--yes"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains(&format!(
            "the values break the chart's schema ({}/values.schema.json):\n  singleuser.image.tag: got number, want string",
            chart()
        )),
        "{run}"
    );
    assert!(
        !work.record.exists(),
        "helm was run: {:?}",
        work.helm_calls()
    );
    assert_eq!(records(&client, &ns).await.len(), 0);

    // The recorder does record when helm is run (so its absence above
    // means something): an uninstall of the release that is not there.
    let run = cockpit(&work, &ns, &["uninstall", "--yes"]);
    assert_eq!(run.code, Some(1), "{run}");
    let calls = work.helm_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls[1].starts_with(&format!("uninstall jhub --namespace {ns}")),
        "{calls:?}"
    );
}

fn secret_values(path: &std::path::Path) -> [String; 2] {
    let v: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let pair = [
        v["hub"]["cookieSecret"].as_str().unwrap().to_owned(),
        v["proxy"]["secretToken"].as_str().unwrap().to_owned(),
    ];
    for s in &pair {
        assert_eq!(s.len(), 64, "{path:?}");
        assert!(
            s.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{path:?}"
        );
    }
    assert_ne!(pair[0], pair[1]);
    pair
}

/// Which of the values (or a telling part of them: a masked value shows
/// four characters) appear in `text`.
fn leaked<'a>(text: &str, values: &'a [String]) -> Vec<&'a str> {
    values
        .iter()
        .filter(|v| text.contains(v.as_str()) || text.contains(&v[..12]) || text.contains(&v[52..]))
        .map(String::as_str)
        .collect()
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn secrets_are_private_and_never_shown() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "secrets").await;
    let ns = ns.name.clone();
    let work = Workdir::new(&kubeconfig(), Some(&helm()));
    let s_yaml = work.path("s.yaml");

    let run = work.run(&["secrets", "generate", "--out", "s.yaml"]);
    assert!(run.ok(), "{run}");
    assert_eq!(mode(&s_yaml), 0o600);
    let first = secret_values(&s_yaml);
    let summary = run.stdout.lines().last().unwrap();
    assert_eq!(
        summary,
        format!(
            "wrote s.yaml (mode 0600): hub.cookieSecret {}…(64 chars), proxy.secretToken {}…(64 chars)",
            &first[0][..4],
            &first[1][..4]
        )
    );
    let mut shown = format!("{run}");

    // Again, without --yes and without a terminal: refused, file kept.
    let bytes = std::fs::read(&s_yaml).unwrap();
    let run = work.run(&["secrets", "generate", "--out", "s.yaml"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr
            .contains("refusing without --yes (there is no terminal to ask on)"),
        "{run}"
    );
    assert_eq!(std::fs::read(&s_yaml).unwrap(), bytes);
    assert_eq!(mode(&s_yaml), 0o600);
    assert_eq!(work.files(), ["config.yaml", "s.yaml"]);
    assert_eq!(work.helm_calls(), Vec::<String>::new());
    shown.push_str(&format!("{run}"));

    // Installed with them; the output shows none.
    let run = cockpit(
        &work,
        &ns,
        &["-f", "config.yaml", "-f", "s.yaml", "deploy", "--yes"],
    );
    assert!(run.ok(), "{run}");
    shown.push_str(&format!("{run}"));
    let deployed = records(&client, &ns).await.pop().unwrap();
    assert_eq!(deployed.config["hub"]["cookieSecret"], first[0].as_str());
    assert_eq!(deployed.config["proxy"]["secretToken"], first[1].as_str());

    // New secrets, then an upgrade: the diff shows them changing, masked.
    let run = work.run(&["secrets", "generate", "--out", "s.yaml", "--yes"]);
    assert!(run.ok(), "{run}");
    shown.push_str(&format!("{run}"));
    assert_eq!(mode(&s_yaml), 0o600);
    let second = secret_values(&s_yaml);
    assert_ne!(second, first);
    let run = cockpit(
        &work,
        &ns,
        &["-f", "config.yaml", "-f", "s.yaml", "deploy", "--yes"],
    );
    assert!(run.ok(), "{run}");
    shown.push_str(&format!("{run}"));
    let diff = printed_diff(&run.stdout);
    assert_eq!(
        changed_lines(&diff),
        [
            format!("-  cookieSecret: {}…(64 chars)", &first[0][..4]),
            format!("+  cookieSecret: {}…(64 chars)", &second[0][..4]),
            format!("-  secretToken: {}…(64 chars)", &first[1][..4]),
            format!("+  secretToken: {}…(64 chars)", &second[1][..4]),
        ],
        "{run}"
    );
    let all: Vec<String> = first.iter().chain(second.iter()).cloned().collect();
    assert_eq!(leaked(&shown, &all), Vec::<&str>::new(), "{shown}");

    // The log (debug level) holds none of them.
    let log = std::fs::read_to_string(work.log_file())
        .unwrap_or_else(|e| panic!("{}: {e}", work.log_file().display()));
    assert!(log.contains(" DEBUG "), "debug logging was on: {log}");
    assert_eq!(leaked(&log, &all), Vec::<&str>::new(), "{log}");

    // Rendered frames: a GenerateSecrets operation as the TUI runs it, and
    // the deploy dialog with the secrets in the diff.
    // Resolved from flags as the binary resolves them.
    let chart_arg = chart();
    let kube_arg = work.kubeconfig.display().to_string();
    let helm_arg = work.recorder.display().to_string();
    let cli = Cli::parse_from([
        "jhub-cockpit",
        "--kubeconfig",
        kube_arg.as_str(),
        "--helm",
        helm_arg.as_str(),
        "--chart",
        chart_arg.as_str(),
        "-f",
        "config.yaml",
        "-f",
        "s.yaml",
    ]);
    let config = resolve(&cli.target, &Settings::default()).deploy_config(&ns, &work.dir);
    assert_eq!(config.values, [work.config(), s_yaml.clone()]);
    assert_eq!(config.chart, ChartSource::Local(fixture_chart()));
    let mut state = cockpit::deployed(false);
    assert_eq!(
        cockpit::char_key(&mut state, 'S'),
        vec![Command::PrepareSecrets]
    );
    app::update(
        &mut state,
        Msg::SecretsPrepared {
            path: s_yaml.clone(),
            exists: true,
        },
    );
    let mut commands = cockpit::type_text(&mut state, "s.yaml");
    commands.extend(cockpit::key(&mut state, crossterm::event::KeyCode::Enter));
    let action = Action::GenerateSecrets {
        path: s_yaml.clone(),
        overwrite: true,
    };
    assert_eq!(commands, vec![Command::Run(action.clone())]);
    let mut lines = Vec::new();
    let result = deploy::run(&action, &config, 0, |l| lines.push(l)).await;
    for l in lines {
        app::update(&mut state, Msg::OperationLine(l));
    }
    app::update(&mut state, Msg::OperationDone(result));
    let third = secret_values(&s_yaml);
    assert_eq!(mode(&s_yaml), 0o600);
    let frame = cockpit::draw(&state, 200, 60);
    assert!(
        frame.contains(&format!(
            "hub.cookieSecret {}…(64 chars), proxy.secretToken {}…(64 chars)",
            &third[0][..4],
            &third[1][..4]
        )),
        "{frame}"
    );
    let all: Vec<String> = all.into_iter().chain(third.iter().cloned()).collect();
    assert_eq!(leaked(&frame, &all), Vec::<&str>::new(), "{frame}");

    let prepared = deploy::prepare_deploy(&config, Some(&deployed.config)).unwrap();
    app::update(&mut state, Msg::DeployPrepared(Ok(prepared)));
    let dialog = state.confirm.as_ref().expect("the deploy dialog");
    assert_eq!(dialog.action, Action::Deploy);
    let frame = cockpit::draw(&state, 200, 60);
    assert!(
        frame.contains(&format!("-  cookieSecret: {}…(64 chars)", &first[0][..4]))
            && frame.contains(&format!("+  cookieSecret: {}…(64 chars)", &third[0][..4])),
        "{frame}"
    );
    assert_eq!(leaked(&frame, &all), Vec::<&str>::new(), "{frame}");
}

/// A helm chart repository on 127.0.0.1: the fixture chart packaged with
/// `helm package`, indexed with `helm repo index`, served by a thread.
/// Every request path is kept, so a test can tell a pull from a cache hit.
struct ChartRepo {
    url: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl ChartRepo {
    fn start(work: &Workdir) -> Self {
        use std::io::{BufRead, BufReader, Write};
        let dir = tempfile::tempdir().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let helm_in = |args: &[&str]| {
            let out = std::process::Command::new(helm())
                .args(args)
                .envs(work.helm_env())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "helm {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let served = dir.path().to_str().unwrap().to_owned();
        helm_in(&["package", &chart(), "--destination", &served]);
        helm_in(&["repo", "index", &served, "--url", &url]);
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        let root = dir.path().to_path_buf();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    continue;
                }
                // The headers, up to the blank line; none matter here.
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if line.trim().is_empty() => break,
                        Ok(_) => {}
                    }
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                seen.lock().unwrap().push(path.clone());
                let file = root.join(path.trim_start_matches('/'));
                let (status, body) = match std::fs::read(&file) {
                    Ok(body) if !path.contains("..") => ("200 OK", body),
                    _ => ("404 Not Found", b"not found\n".to_vec()),
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            }
        });
        ChartRepo {
            url,
            requests,
            _dir: dir,
        }
    }

    fn chart_downloads(&self) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.ends_with(".tgz"))
            .count()
    }
}

#[tokio::test]
async fn a_repo_chart_is_pulled_for_its_schema_before_helm_upgrade() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "repochart").await;
    let ns = ns.name.clone();
    let work = Workdir::new(&kubeconfig(), Some(&helm()));
    let repo = ChartRepo::start(&work);
    std::fs::write(
        work.path("jhub-cockpit.yaml"),
        format!(
            "chart:\n  reference: fixrepo/jupyterhub-lite\n  repo: {}\n  version: 0.1.0\n",
            repo.url
        ),
    )
    .unwrap();
    let good = std::fs::read_to_string(work.config()).unwrap();
    std::fs::write(work.config(), good.replace("tag: \"4.4.0\"", "tag: 5")).unwrap();

    // The values break the pulled chart's schema: refused, no upgrade.
    let run = work.run(&["-n", &ns, "deploy", "--yes"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains(
            "the values break the chart's schema (values.schema.json of fixrepo/jupyterhub-lite 0.1.0):\n  singleuser.image.tag: got number, want string"
        ),
        "{run}"
    );
    let calls = work.helm_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0].starts_with(&format!(
            "pull jupyterhub-lite --repo {} --version 0.1.0 --untar --untardir ",
            repo.url
        )),
        "{calls:?}"
    );
    assert_eq!(repo.chart_downloads(), 1);
    assert_eq!(records(&client, &ns).await.len(), 0);
    // The schema is cached per chart and version: the fixture's own.
    let cached_dir = work.cache_home.join(format!(
        "jhub-cockpit/charts/{}jupyterhub-lite/0.1.0",
        repo.url.replace(
            |c: char| !c.is_ascii_alphanumeric() && !".-_".contains(c),
            "_"
        )
    ));
    let cached = cached_dir.join("values.schema.json");
    let cached: Value = serde_json::from_str(
        &std::fs::read_to_string(&cached).unwrap_or_else(|e| panic!("{cached:?}: {e}")),
    )
    .unwrap();
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_chart().join("values.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(cached, fixture);
    // With the chart's defaults beside it: the check coalesces them.
    assert_eq!(
        std::fs::read_to_string(cached_dir.join("values.yaml")).unwrap(),
        std::fs::read_to_string(fixture_chart().join("values.yaml")).unwrap()
    );

    // Again: refused from the cache, with no pull.
    let run = work.run(&["-n", &ns, "deploy", "--yes"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr
            .contains("singleuser.image.tag: got number, want string"),
        "{run}"
    );
    assert_eq!(work.helm_calls().len(), 1, "{:?}", work.helm_calls());
    assert_eq!(repo.chart_downloads(), 1);

    // Valid values install from the repository (added to the test's own
    // helm configuration), with the schema still from the cache.
    std::fs::write(work.config(), &good).unwrap();
    let run = work.run(&["-n", &ns, "deploy", "--yes"]);
    assert!(run.ok(), "{run}");
    assert!(!run.stderr.contains("schema not checked"), "{run}");
    let calls = work.helm_calls();
    assert!(
        !calls[1..].iter().any(|c| c.starts_with("pull ")),
        "{calls:?}"
    );
    assert!(
        calls.last().unwrap().starts_with(&format!(
            "upgrade --install --cleanup-on-fail jhub fixrepo/jupyterhub-lite --namespace {ns} --create-namespace --version 0.1.0"
        )),
        "{calls:?}"
    );
    let installed = records(&client, &ns).await;
    assert_eq!(installed.len(), 1);
    assert_eq!(installed[0].chart_name, "jupyterhub-lite");
    assert_eq!(installed[0].config["singleuser"]["image"]["tag"], "4.4.0");

    // A chart that cannot be pulled is a warning with helm's words, not a
    // refusal (helm then says what it says).
    let run = work.run(&["-n", &ns, "--chart-version", "9.9.9", "deploy", "--yes"]);
    let warning = run
        .stderr
        .lines()
        .find(|l| l.starts_with("warning: schema not checked: "))
        .unwrap_or_else(|| panic!("no warning: {run}"));
    assert!(warning.contains("9.9.9"), "{run}");
    assert_eq!(run.code, Some(1), "{run}");
}

#[tokio::test]
async fn secrets_move_out_of_config_yaml_and_still_reach_the_release() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "secretsmove").await;
    let ns = ns.name.clone();
    let work = Workdir::new(&kubeconfig(), Some(&helm()));
    let (cookie, token) = ("ab".repeat(32), "cd".repeat(32));
    let example = std::fs::read_to_string(work.config()).unwrap();
    // The secrets as an operator following the old tutorial would have them.
    let with_secrets = example
        .replace(
            "hub:\n  config:\n",
            &format!("hub:\n  # openssl rand -hex 32\n  cookieSecret: \"{cookie}\"\n  config:\n"),
        )
        .replace(
            "\nproxy:\n",
            &format!("\nproxy:\n  secretToken: \"{token}\"\n"),
        );
    assert_ne!(with_secrets, example);
    std::fs::write(work.config(), &with_secrets).unwrap();
    let mut shown = String::new();

    // deploy warns and says how to move them.
    let run = cockpit(&work, &ns, &["deploy"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains(&format!(
            "warning: {} holds secrets (hub.cookieSecret, proxy.secretToken): keep them in {} instead; M moves them (headless: jhub-cockpit secrets move)",
            work.config().display(),
            work.path("secrets.yaml").display()
        )),
        "{run}"
    );
    shown.push_str(&format!("{run}"));

    // Without --yes and without a terminal: refused, nothing written.
    let run = work.run(&["secrets", "move"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("refusing without --yes"), "{run}");
    assert_eq!(work.files(), ["config.yaml"]);
    shown.push_str(&format!("{run}"));

    let run = work.run(&["secrets", "move", "--yes"]);
    assert!(run.ok(), "{run}");
    shown.push_str(&format!("{run}"));
    // config.yaml is the example again, but for the comment above the
    // removed key; every other byte is as it was.
    assert_eq!(
        std::fs::read_to_string(work.config()).unwrap(),
        example.replace(
            "hub:\n  config:\n",
            "hub:\n  # openssl rand -hex 32\n  config:\n"
        )
    );
    let secrets = work.path("secrets.yaml");
    assert_eq!(mode(&secrets), 0o600);
    assert_eq!(secret_values(&secrets), [cookie.clone(), token.clone()]);
    assert_eq!(work.helm_calls(), Vec::<String>::new());

    // Moved again: nothing to move, nothing changed.
    let before = std::fs::read(&secrets).unwrap();
    let run = work.run(&["secrets", "move", "--yes"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains("holds no secrets; nothing to move"),
        "{run}"
    );
    assert_eq!(std::fs::read(&secrets).unwrap(), before);

    // helm gets them from secrets.yaml (the default values files).
    let run = cockpit(&work, &ns, &["deploy", "--yes"]);
    assert!(run.ok(), "{run}");
    assert!(!run.stderr.contains("holds secrets"), "{run}");
    shown.push_str(&format!("{run}"));
    let deployed = records(&client, &ns).await.pop().unwrap();
    assert_eq!(deployed.config["hub"]["cookieSecret"], cookie.as_str());
    assert_eq!(deployed.config["proxy"]["secretToken"], token.as_str());
    assert_eq!(
        leaked(&shown, &[cookie, token]),
        Vec::<&str>::new(),
        "{shown}"
    );
}
