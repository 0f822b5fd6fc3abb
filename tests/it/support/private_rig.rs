//! A rig of a test's own (dev/cluster under a temporary JHUB_RIG_DIR and
//! its own port block), for tests that stop and start components: the
//! shared rig serves every other test at the same time and must never lose
//! its API server. Brought down and purged when dropped, even when the test
//! panics.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::repo_root;

/// Private rigs take blocks of 10 ports from here: away from the shared
/// rig's default 26440-26447, the benchmark's 27440, and the 30440 + 10k
/// blocks other private rigs are suggested to use; and below 32768, where
/// Linux starts handing out the local ports of outgoing connections (a rig
/// whose port the API server's own connections to etcd had just taken
/// failed to start).
const FIRST_PORT_BASE: u16 = 28440;

/// One private rig at a time, across the tests that make one: two side by
/// side would not fit two cores beside the shared rig's tests.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const PORT_BLOCKS: u16 = 40;

pub struct PrivateRig {
    dir: tempfile::TempDir,
    pub port_base: u16,
    /// Extra kube-apiserver flags, given to every `dev/cluster` call so that
    /// a restarted API server keeps them.
    apiserver_flags: String,
    pub kubeconfig: PathBuf,
}

fn port_in_use(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_err()
}

/// The first block whose ports (base + 0..8) are all free, after `skip`
/// free ones.
fn free_port_base(skip: usize) -> u16 {
    (0..PORT_BLOCKS)
        .map(|k| FIRST_PORT_BASE + 10 * k)
        .filter(|base| !(0..8).any(|i| port_in_use(base + i)))
        .nth(skip)
        .unwrap_or_else(|| {
            panic!(
                "no free block of 8 ports in 127.0.0.1:{FIRST_PORT_BASE}..{}: stop the private rigs left running (ss -ltnp)",
                FIRST_PORT_BASE + 10 * PORT_BLOCKS
            )
        })
}

impl PrivateRig {
    /// `dev/cluster up --nodes N`, with `apiserver_flags` added to the API
    /// server's command line (JHUB_RIG_APISERVER_FLAGS).
    pub fn up(nodes: u32, apiserver_flags: &str) -> PrivateRig {
        // A block found free can be taken by someone else before every
        // component listens: then the next free block is tried.
        let mut skip = 0;
        loop {
            let dir = tempfile::Builder::new()
                .prefix("jhub-fault-rig-")
                .tempdir()
                .expect("temp dir");
            let mut rig = PrivateRig {
                dir,
                port_base: free_port_base(skip),
                apiserver_flags: apiserver_flags.to_owned(),
                kubeconfig: PathBuf::new(),
            };
            let t0 = Instant::now();
            let out = rig
                .cluster(&["up", "--nodes", &nodes.to_string(), "--lb-delay", "1"])
                .output()
                .expect("cannot run dev/cluster");
            if !out.status.success()
                && String::from_utf8_lossy(&out.stderr).contains("already in use")
                && skip < 3
            {
                eprintln!("ports {}.. were taken meanwhile: next block", rig.port_base);
                skip += 1;
                continue; // dropped: down --purge
            }
            rig.check("up", &out);
            let last = String::from_utf8_lossy(&out.stdout)
                .lines()
                .last()
                .unwrap_or_default()
                .to_owned();
            rig.kubeconfig = PathBuf::from(last);
            assert!(
                rig.kubeconfig.is_file(),
                "dev/cluster up printed no kubeconfig path"
            );
            eprintln!(
                "private rig up in {:.1}s on ports {}.. ({})",
                t0.elapsed().as_secs_f64(),
                rig.port_base,
                rig.dir.path().display()
            );
            return rig;
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn etcd_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port_base)
    }

    /// `dev/cluster ARGS` pointed at this rig (not yet run).
    pub fn cluster(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(repo_root().join("dev/cluster"));
        cmd.args(args)
            .env("JHUB_RIG_DIR", self.dir.path())
            .env("JHUB_RIG_PORT_BASE", self.port_base.to_string())
            .env("JHUB_RIG_APISERVER_FLAGS", &self.apiserver_flags);
        cmd
    }

    /// The same as a tokio command, so that a test can watch the cockpit
    /// while a component stops or starts.
    pub fn cluster_async(&self, args: &[&str]) -> tokio::process::Command {
        tokio::process::Command::from(self.cluster(args))
    }

    fn check(&self, what: &str, out: &Output) {
        assert!(
            out.status.success(),
            "dev/cluster {what} failed on the private rig {}:\n{}{}",
            self.dir.path().display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn stop(&self, component: &str) {
        let out = self.cluster(&["stop", component]).output().unwrap();
        self.check(&format!("stop {component}"), &out);
    }

    pub fn start(&self, component: &str) {
        let out = self.cluster(&["start", component]).output().unwrap();
        self.check(&format!("start {component}"), &out);
    }

    pub async fn client(&self) -> kube::Client {
        jhub_cockpit::kube::client::build(self.config().await).expect("client")
    }

    /// This rig's client configuration, as the cockpit reads it.
    pub async fn config(&self) -> kube::Config {
        crate::support::config_of(&self.kubeconfig).await
    }

    /// kubectl against this rig.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .output()
            .expect("kubectl")
    }

    /// etcd's current revision, read through its HTTP gateway.
    pub fn etcd_revision(&self) -> i64 {
        let body = self.etcd_post("/v3/kv/range", r#"{"key":"AA==","limit":1}"#);
        let v: serde_json::Value = serde_json::from_str(&body).expect("etcd answer");
        v["header"]["revision"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .unwrap_or_else(|| panic!("no revision in etcd's answer: {body}"))
    }

    /// Compacts etcd's history up to `revision`: watches that resume from
    /// an older resourceVersion get 410 Gone.
    pub fn etcd_compact(&self, revision: i64) {
        let body = self.etcd_post(
            "/v3/kv/compaction",
            &format!(r#"{{"revision":"{revision}","physical":true}}"#),
        );
        assert!(
            !body.contains("\"error\""),
            "etcd refused the compaction: {body}"
        );
    }

    fn etcd_post(&self, path: &str, body: &str) -> String {
        // --noproxy: never let a proxy variable send this off the machine.
        let out = Command::new("curl")
            .args(["--noproxy", "*", "-fsS", "--max-time", "5", "-X", "POST"])
            .arg(format!("{}{path}", self.etcd_url()))
            .args(["-d", body])
            .output()
            .expect("curl");
        assert!(
            out.status.success(),
            "etcd {path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for PrivateRig {
    fn drop(&mut self) {
        let out = self.cluster(&["down", "--purge"]).output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => eprintln!(
                "dev/cluster down on the private rig failed: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => eprintln!("cannot run dev/cluster down: {e}"),
        }
    }
}

/// Waits until the rig's API server answers /readyz; returns when it did.
/// kubectl, not a kube client: a fresh connection each time, so that a
/// dead pooled one is never what is measured.
pub async fn api_ready(rig: &PrivateRig, timeout: Duration) -> Option<Instant> {
    let deadline = Instant::now() + timeout;
    loop {
        let out = tokio::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&rig.kubeconfig)
            .args(["get", "--raw", "/readyz", "--request-timeout=1s"])
            .output()
            .await
            .expect("kubectl");
        if out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok" {
            return Some(Instant::now());
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the API server's watch cache holds the namespace as etcd
/// does: a list served from the cache (resourceVersion "0") at or past the
/// revision of a consistent list made just before it. /readyz answers as
/// soon as etcd does, but the cache's own reflector resumes after its
/// backoff, and until then every watch (the cockpit's, kubectl's) is quiet:
/// that wait is the API server's, not the watcher's.
pub async fn watch_cache_current(
    client: &kube::Client,
    namespace: &str,
    timeout: Duration,
) -> Option<Instant> {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{Api, ListParams};
    let pods = Api::<Pod>::namespaced(client.clone(), namespace);
    let revision = |list: kube::core::ObjectList<kube::core::PartialObjectMeta<Pod>>| {
        list.metadata
            .resource_version
            .and_then(|v| v.parse::<u64>().ok())
    };
    let deadline = Instant::now() + timeout;
    loop {
        let etcd = pods
            .list_metadata(&ListParams::default().limit(1))
            .await
            .ok()
            .and_then(revision);
        let cached = pods
            .list_metadata(&ListParams::default().match_any())
            .await
            .ok()
            .and_then(revision);
        if let (Some(etcd), Some(cached)) = (etcd, cached)
            && cached >= etcd
        {
            return Some(Instant::now());
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
