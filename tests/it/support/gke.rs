//! GKE emulator harness: starts the emulator in-process on 127.0.0.1 (port
//! 0) and talks to its admin routes with a minimal HTTP/1.1 client, so the
//! tests need no HTTP client crate and never leave loopback.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use gke_emulator::{self as emulator, EmulatorConfig};
use jhub_cockpit::gke::GkeClient;
use jhub_cockpit::gke::GkeClientOptions;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

pub const PROJECT: &str = "demo";
pub const ZONE: &str = "us-central1-b";
pub const CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBrig\n-----END CERTIFICATE-----\n";

pub struct Emulator {
    pub addr: SocketAddr,
    pub url: String,
    task: JoinHandle<std::io::Result<()>>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Emulator {
    /// An emulator whose operations take `op_seconds` (tests that want
    /// determinism use a long time and move the clock with
    /// [`advance`](Self::advance)).
    pub async fn start(op_seconds: f64) -> Emulator {
        Self::start_with(EmulatorConfig {
            op_duration: Duration::from_secs_f64(op_seconds),
            kube_endpoint: "https://127.0.0.1:26443".into(),
            kube_ca_pem: Some(CA_PEM.into()),
            ..Default::default()
        })
        .await
    }

    pub async fn start_with(config: EmulatorConfig) -> Emulator {
        refuse_proxies();
        let (addr, task) = emulator::serve(config).await.expect("emulator starts");
        assert!(addr.ip().is_loopback());
        Emulator {
            addr,
            url: format!("http://{addr}"),
            task,
        }
    }

    /// A client of this emulator with the given attempt timeout and retries.
    pub async fn client_with(&self, attempt_timeout: Duration, max_attempts: u32) -> GkeClient {
        GkeClient::new(GkeClientOptions {
            endpoint: Some(self.url.clone()),
            attempt_timeout,
            max_attempts,
            initial_backoff: Duration::from_millis(50),
            allow_metadata_server: false,
        })
        .await
        .expect("client builds")
    }

    pub async fn client(&self) -> GkeClient {
        self.client_with(Duration::from_secs(10), 3).await
    }

    /// One HTTP request to the emulator; returns the status and the JSON
    /// body (Null when the body is not JSON).
    pub async fn http(&self, method: &str, path_and_query: &str, body: &str) -> (u16, Value) {
        let mut stream = tokio::time::timeout(
            Duration::from_secs(5),
            tokio::net::TcpStream::connect(self.addr),
        )
        .await
        .expect("connect in time")
        .expect("connect");
        let request = format!(
            "{method} {path_and_query} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
            .await
            .expect("response in time")
            .unwrap();
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status code");
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_string()
        };
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    pub async fn fault(&self, json: &str) {
        let (status, body) = self.http("POST", "/emulator/faults", json).await;
        assert_eq!(status, 200, "fault {json} refused: {body}");
    }

    pub async fn advance(&self, seconds: f64) {
        let (status, body) = self
            .http(
                "POST",
                "/emulator/clock",
                &format!("{{\"advanceSeconds\": {seconds}}}"),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// The API requests the emulator has seen.
    pub async fn requests(&self) -> (u64, Vec<Value>) {
        let (status, body) = self.http("GET", "/emulator/requests", "").await;
        assert_eq!(status, 200);
        (
            body["count"].as_u64().expect("count"),
            body["requests"].as_array().cloned().unwrap_or_default(),
        )
    }

    pub async fn clear_requests(&self) {
        let (status, _) = self.http("DELETE", "/emulator/requests", "").await;
        assert_eq!(status, 200);
    }
}

/// The client (reqwest inside google-cloud) honours HTTP(S)_PROXY even for
/// 127.0.0.1 unless NO_PROXY covers it; the tests must never send the
/// emulator's traffic to a proxy elsewhere, so they stop instead.
pub fn refuse_proxies() {
    let set = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let proxy = [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .into_iter()
    .find_map(set);
    let no_proxy = set("NO_PROXY")
        .or_else(|| set("no_proxy"))
        .unwrap_or_default();
    if let Some(proxy) = proxy {
        assert!(
            no_proxy
                .split(',')
                .any(|h| h.trim() == "127.0.0.1" || h.trim() == "*"),
            "a proxy ({proxy}) is set and NO_PROXY does not cover 127.0.0.1; \
             run with NO_PROXY=127.0.0.1,localhost so the emulator's traffic stays local"
        );
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}
