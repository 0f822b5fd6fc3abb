//! A release of the real z2jh chart with its real hub running on the rig
//! (`dev/cluster hub up`), for the tests that hold the cockpit (and the rig
//! itself) to a real JupyterHub; and a small HTTP/1.1 client for the tests'
//! own requests to it. Every request goes to a loopback address.

#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{TestNamespace, UninstallOnDrop, repo_root, run_helm, z2jh_chart};

pub fn dev_cluster(args: &[&str]) -> Output {
    Command::new(repo_root().join("dev/cluster"))
        .args(args)
        .output()
        .expect("cannot run dev/cluster")
}

/// Stops the release's hub when dropped (and removes its directory), so a
/// failed test leaves no process behind.
pub struct HubDown {
    pub namespace: String,
    pub release: String,
}

impl HubDown {
    /// `dev/cluster hub down` for this release (`--purge`: its directory too).
    pub fn run(&self, purge: bool) -> Output {
        let mut args = vec![
            "hub",
            "down",
            "-n",
            &self.namespace,
            "--release",
            &self.release,
        ];
        if purge {
            args.push("--purge");
        }
        dev_cluster(&args)
    }
}

impl Drop for HubDown {
    fn drop(&mut self) {
        let _ = self.run(true);
    }
}

/// One HTTP/1.1 answer: status, headers (names lower case), body (chunked
/// bodies decoded).
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub fn request_text(method: &str, ip: IpAddr, path: &str, token: Option<&str>) -> String {
    let auth = token
        .map(|t| format!("Authorization: token {t}\r\n"))
        .unwrap_or_default();
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {ip}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
}

fn dechunk(mut raw: &str) -> String {
    let mut out = String::new();
    loop {
        let Some((size, rest)) = raw.split_once("\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            return out;
        }
        out.push_str(&rest[..size]);
        raw = rest[size..].trim_start_matches("\r\n");
    }
}

/// A request to the load balancer's port 80; Err when nothing answers
/// (connection refused).
pub async fn http(
    method: &str,
    ip: IpAddr,
    path: &str,
    token: Option<&str>,
) -> std::io::Result<Answer> {
    assert!(ip.is_loopback(), "{ip}: tests send to loopback only");
    let mut conn = TcpStream::connect(SocketAddr::new(ip, 80)).await?;
    conn.write_all(request_text(method, ip, path, token).as_bytes())
        .await?;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), conn.read_to_end(&mut raw))
        .await
        .unwrap_or_else(|_| panic!("{method} {path}: no complete answer in 20 s"))?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{method} {path}: not HTTP: {raw:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok(Answer {
        status,
        headers,
        body,
    })
}

pub async fn must(method: &str, ip: IpAddr, path: &str, token: Option<&str>) -> Answer {
    http(method, ip, path, token)
        .await
        .unwrap_or_else(|e| panic!("{method} http://{ip}{path}: {e}"))
}

/// A release of the real chart in its own namespace with its hub up; all
/// of it goes when dropped (hub, release, namespace).
pub struct RealHub {
    pub namespace: String,
    pub release: String,
    /// `http://127.0.1.N/`, as `hub up` printed it.
    pub url: String,
    pub ip: IpAddr,
    // Dropped in this order: the hub, the release, then the namespace.
    _down: HubDown,
    _uninstall: UninstallOnDrop,
    _namespace: TestNamespace,
}

impl RealHub {
    /// Installs the real chart with `values` (helm --wait) and starts its
    /// hub. The release is named after the namespace: the chart's
    /// cluster-wide objects carry the release's name.
    pub async fn start(client: &kube::Client, prefix: &str, values: &str) -> RealHub {
        let t0 = Instant::now();
        let ns = TestNamespace::new(client, prefix).await;
        let namespace = ns.name.clone();
        let release = format!("jh{}", namespace.rsplit('-').next().unwrap());
        let uninstall = UninstallOnDrop::new(&release, &namespace);
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), values).unwrap();
        let chart = z2jh_chart();
        let (ok, said) = run_helm(&[
            "install",
            &release,
            chart.to_str().unwrap(),
            "-n",
            &namespace,
            "-f",
            file.path().to_str().unwrap(),
            "--wait",
            "--timeout",
            "2m",
        ]);
        assert!(ok, "helm install: {said}");
        let down = HubDown {
            namespace: namespace.clone(),
            release: release.clone(),
        };
        let out = dev_cluster(&["hub", "up", "-n", &namespace, "--release", &release]);
        assert!(
            out.status.success(),
            "dev/cluster hub up:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let ip: IpAddr = url
            .strip_prefix("http://")
            .and_then(|u| u.strip_suffix('/'))
            .and_then(|h| h.parse().ok())
            .unwrap_or_else(|| panic!("hub up printed {url:?}, not http://IP/"));
        assert!(ip.is_loopback(), "{ip}");
        eprintln!(
            "{namespace}: real chart installed and its hub up in {:?}",
            t0.elapsed()
        );
        RealHub {
            namespace,
            release,
            url,
            ip,
            _down: down,
            _uninstall: uninstall,
            _namespace: ns,
        }
    }

    /// Stops the hub (its URL then refuses connections).
    pub fn stop(&self) {
        let out = self._down.run(false);
        assert!(
            out.status.success(),
            "dev/cluster hub down:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Whether `pod` is gone (or being deleted) within `timeout`.
pub async fn pod_goes(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    timeout: Duration,
) -> bool {
    let pods: kube::api::Api<k8s_openapi::api::core::v1::Pod> =
        kube::api::Api::namespaced(client.clone(), namespace);
    super::eventually(timeout, || {
        let pods = pods.clone();
        async move {
            match pods.get_opt(pod).await.unwrap() {
                None => Some(()),
                Some(p) => p.metadata.deletion_timestamp.map(|_| ()),
            }
        }
    })
    .await
    .is_some()
}
