//! A container registry of a test's own, for the tests of the cockpit's
//! image check (issue 20): distribution's registry, built by `dev/build
//! registry` (part of `dev/build all`), on free loopback ports with a
//! temporary directory, so tests run in parallel and need neither the rig
//! nor `dev/cluster`. Its processes are children of the test and are
//! killed when the `TestRegistry` is dropped (a panicking test too).
//!
//! Two modes, as `dev/cluster registry up [--auth token]`, with the same
//! committed pieces (`dev/rig/registry/config.yml`, the token server
//! `dev/rig/tokenserver`, the push script `dev/rig/registry/push`):
//!
//! - `Auth::None`: anyone may pull and push;
//! - `Auth::Token`: the registry runs with `auth: token`; a request
//!   without a token gets 401 and `WWW-Authenticate: Bearer
//!   realm="http://ADDR/token",service="rig-registry",scope="repository:NAME:pull"`,
//!   an anonymous `GET realm?service=..&scope=..` returns `{"token": ...}`
//!   (pull only), and the registry then accepts `Authorization: Bearer`.
//!   The token server holds the registry's address and passes everything
//!   but `/token` on to the registry behind it, as ghcr.io serves its realm
//!   on its own host (and as crane insists for a loopback realm). Pushes
//!   authenticate the same way, as the push user, with credentials in this
//!   registry's own `DOCKER_CONFIG`.
//!
//! Images are pushed with crane onto its empty base: a one-layer image
//! with the platform in its config (Docker media types), or a Docker
//! manifest list of such images (`push_index`). Every address is
//! `127.0.0.1:PORT`; nothing else is contacted.

#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;

use super::repo_root;

/// The token mode's service and issuer, as `dev/cluster` names them.
pub const SERVICE: &str = "rig-registry";
pub const ISSUER: &str = "rig-registry-token-issuer";
/// The user that may push in token mode (anonymous callers may only pull).
pub const PUSH_USER: &str = "rig-pusher";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Anyone may pull and push.
    None,
    /// Bearer tokens from the token server: pull for anyone, push for
    /// `PUSH_USER`.
    Token,
}

pub struct TestRegistry {
    addr: String,
    auth: Auth,
    /// Push user's password (token mode).
    password: Option<String>,
    crane: PathBuf,
    /// Holds config.json with the push credentials (token mode), or nothing:
    /// crane never reads ~/.docker.
    docker_config: PathBuf,
    /// The front process first (token server), so Drop stops it first.
    procs: Vec<(&'static str, Child)>,
    dir: tempfile::TempDir,
}

struct Bins {
    registry: PathBuf,
    token_server: PathBuf,
    crane: PathBuf,
}

/// The cached binaries, where `dev/lib/common.sh` says they are.
fn bins() -> Bins {
    let out = Command::new("bash")
        .arg("-c")
        .arg(
            ". dev/lib/common.sh && echo \"$(registry_bin_dir)/registry\" && \
             echo \"$(tokenserver_bin_dir)/token-server\" && echo \"$(crane_bin_dir)/crane\"",
        )
        .current_dir(repo_root())
        .output()
        .expect("cannot run bash");
    let text = String::from_utf8_lossy(&out.stdout);
    let paths: Vec<PathBuf> = text.lines().map(PathBuf::from).collect();
    assert!(
        out.status.success() && paths.len() == 3,
        "cannot locate the registry's binaries: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    for p in &paths {
        assert!(
            p.is_file(),
            "{} is missing: run `dev/build registry` (dev/test builds it)",
            p.display()
        );
    }
    Bins {
        registry: paths[0].clone(),
        token_server: paths[1].clone(),
        crane: paths[2].clone(),
    }
}

/// Ports are taken from 29100..29900: below 32768, where Linux hands out the
/// local ports of outgoing connections (one of which could take a port
/// between our check and the registry's bind), and away from the rigs'
/// blocks (26440.., 27440, 28440..28840, 30440..). Each call moves on, so
/// parallel tests of one binary do not pick the same port.
const FIRST_PORT: u16 = 29100;
const PORTS: u16 = 800;
static NEXT_PORT: AtomicU16 = AtomicU16::new(0);

fn free_port() -> u16 {
    if NEXT_PORT.load(Ordering::Relaxed) == 0 {
        // A different start per test binary run, in case two run at once.
        let start = (std::process::id() % u32::from(PORTS)) as u16;
        let _ = NEXT_PORT.compare_exchange(0, start + 1, Ordering::Relaxed, Ordering::Relaxed);
    }
    for _ in 0..PORTS {
        let n = NEXT_PORT.fetch_add(1, Ordering::Relaxed);
        let port = FIRST_PORT + n % PORTS;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!(
        "no free port in 127.0.0.1:{FIRST_PORT}..{}",
        FIRST_PORT + PORTS
    )
}

/// The status of `GET path` on 127.0.0.1:port, or None when nothing answers.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    conn.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 16];
    conn.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// Why a start failed, and whether another set of ports may fix it.
struct StartError {
    message: String,
    port_taken: bool,
}

/// A process's log; its stdout and stderr are clones of this one handle,
/// so they share one offset and do not overwrite each other.
fn log_file(dir: &Path, name: &str) -> File {
    File::create(dir.join(format!("{name}.log"))).expect("log file")
}

fn read_log(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default()
}

/// Waits until `ready` while the process runs; 20 s at most.
fn wait_ready(
    child: &mut Child,
    logs: &Path,
    name: &str,
    ready: impl Fn() -> bool,
) -> Result<(), StartError> {
    let t0 = Instant::now();
    loop {
        if ready() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = read_log(logs, name);
            return Err(StartError {
                port_taken: log.contains("address already in use"),
                message: format!("{name} exited ({status}):\n{log}"),
            });
        }
        if t0.elapsed() > Duration::from_secs(20) {
            return Err(StartError {
                port_taken: false,
                message: format!("{name} not up in 20 s:\n{}", read_log(logs, name)),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("cannot run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TestRegistry {
    /// Starts a registry (and in token mode its token server) and waits
    /// until it answers; panics with its log when it cannot.
    pub fn start(auth: Auth) -> TestRegistry {
        let bins = bins();
        let mut last = String::new();
        // Ports found free may be taken before the registry binds them.
        for _ in 0..4 {
            match Self::try_start(auth, &bins) {
                Ok(r) => return r,
                Err(e) if e.port_taken => last = e.message,
                Err(e) => panic!("the test registry did not start: {}", e.message),
            }
        }
        panic!("the test registry did not start (its ports were taken each time): {last}")
    }

    fn try_start(auth: Auth, bins: &Bins) -> Result<TestRegistry, StartError> {
        let t0 = Instant::now();
        let dir = tempfile::Builder::new()
            .prefix("jhub-test-registry-")
            .tempdir()
            .expect("temp dir");
        let conf = dir.path().join("conf");
        let logs = dir.path().join("logs");
        let docker_config = dir.path().join("docker");
        for d in [&conf, &logs, &docker_config] {
            std::fs::create_dir_all(d).unwrap();
        }
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        // Token mode: the registry behind the token server, on a port of
        // its own.
        let registry_port = match auth {
            Auth::None => port,
            Auth::Token => free_port(),
        };
        let mut password = None;
        if auth == Auth::Token {
            // The token signing key (ES256) and its certificate, which is
            // also the registry's rootcertbundle.
            openssl(
                &conf,
                &[
                    "ecparam",
                    "-name",
                    "prime256v1",
                    "-genkey",
                    "-noout",
                    "-out",
                    "token.key",
                ],
            );
            openssl(
                &conf,
                &[
                    "req",
                    "-x509",
                    "-new",
                    "-key",
                    "token.key",
                    "-out",
                    "token.crt",
                    "-days",
                    "30",
                    "-sha256",
                    "-subj",
                    &format!("/CN={ISSUER}"),
                ],
            );
            let pw = format!("{:032x}", rand::random::<u128>());
            std::fs::write(conf.join("push-password"), &pw).unwrap();
            let auth =
                base64::engine::general_purpose::STANDARD.encode(format!("{PUSH_USER}:{pw}"));
            std::fs::write(
                docker_config.join("config.json"),
                format!(r#"{{"auths":{{"{addr}":{{"auth":"{auth}"}}}}}}"#),
            )
            .unwrap();
            password = Some(pw);
        }

        let mut procs: Vec<(&'static str, Child)> = Vec::new();
        let mut registry = Command::new(&bins.registry);
        registry
            .arg("serve")
            .arg(repo_root().join("dev/rig/registry/config.yml"))
            // distribution would send its traces to https://localhost:4318.
            .env("OTEL_TRACES_EXPORTER", "none")
            .env("REGISTRY_HTTP_ADDR", format!("127.0.0.1:{registry_port}"))
            .env(
                "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY",
                dir.path().join("storage"),
            )
            .env(
                "REGISTRY_HTTP_SECRET",
                format!("{:032x}", rand::random::<u128>()),
            );
        if auth == Auth::Token {
            registry.env(
                "REGISTRY_AUTH",
                format!(
                    "{{token: {{realm: \"http://{addr}/token\", service: {SERVICE}, issuer: {ISSUER}, rootcertbundle: \"{}\"}}}}",
                    conf.join("token.crt").display()
                ),
            );
        }
        let log = log_file(&logs, "registry");
        let mut child = registry
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("cannot start the registry");
        let up = wait_ready(&mut child, &logs, "registry", || {
            matches!(http_status(registry_port, "/v2/"), Some(200 | 401))
        });
        procs.push(("registry", child));
        // From here on a failure drops `procs` through the TestRegistry.
        let mut reg = TestRegistry {
            addr,
            auth,
            password,
            crane: bins.crane.clone(),
            docker_config,
            procs,
            dir,
        };
        up?;
        if auth == Auth::Token {
            let log = log_file(&logs, "token-server");
            let mut child = Command::new(&bins.token_server)
                .args(["--listen", &reg.addr])
                .args(["--registry", &format!("http://127.0.0.1:{registry_port}")])
                .args(["--service", SERVICE, "--issuer", ISSUER])
                .arg("--key")
                .arg(conf.join("token.key"))
                .arg("--cert")
                .arg(conf.join("token.crt"))
                .args(["--push-user", PUSH_USER])
                .arg("--push-password-file")
                .arg(conf.join("push-password"))
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("cannot start the token server");
            let up = wait_ready(&mut child, &logs, "token-server", || {
                http_status(port, "/healthz") == Some(200)
            });
            reg.procs.insert(0, ("token-server", child));
            up?;
        }
        eprintln!(
            "test registry ({auth:?}) at {} in {:?} ({})",
            reg.addr,
            t0.elapsed(),
            reg.dir.path().display()
        );
        Ok(reg)
    }

    /// "127.0.0.1:PORT": the registry's address (in token mode the token
    /// server's, which is the realm's host too).
    pub fn addr(&self) -> String {
        self.addr.clone()
    }

    pub fn auth(&self) -> Auth {
        self.auth
    }

    /// The push user's name and password (token mode), for a test of an
    /// authenticated token request.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.password.as_deref().map(|p| (PUSH_USER, p))
    }

    /// The crane binary and the DOCKER_CONFIG that holds this registry's
    /// credentials, for a test's own `crane --insecure ...`.
    pub fn crane(&self) -> Command {
        let mut cmd = Command::new(&self.crane);
        cmd.arg("--insecure")
            .env("DOCKER_CONFIG", &self.docker_config)
            .env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1");
        cmd
    }

    fn push(&self, index: bool, reference: &str, platforms: &[&str]) -> String {
        let mut cmd = Command::new(repo_root().join("dev/rig/registry/push"));
        if index {
            cmd.arg("--index");
        }
        let out = cmd
            .arg(format!("{}/{reference}", self.addr))
            .args(platforms)
            .env("CRANE", &self.crane)
            .env("DOCKER_CONFIG", &self.docker_config)
            .output()
            .expect("cannot run dev/rig/registry/push");
        assert!(
            out.status.success(),
            "push {reference} {platforms:?}: {}\nregistry log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        let digest = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(digest.starts_with("sha256:"), "push printed {digest:?}");
        digest
    }

    /// Pushes a one-layer image for `platform` ("linux/amd64",
    /// "linux/arm64/v8") as `repo:tag`; returns its manifest's digest
    /// ("sha256:...").
    pub fn push_image(&self, repo: &str, tag: &str, platform: &str) -> String {
        self.push(false, &format!("{repo}:{tag}"), &[platform])
    }

    /// Pushes one image per platform (by digest, untagged) and a Docker
    /// manifest list of them as `repo:tag`; returns the list's digest. One
    /// platform makes a list of one (e.g. an arm64-only image).
    pub fn push_index(&self, repo: &str, tag: &str, platforms: &[&str]) -> String {
        assert!(!platforms.is_empty(), "an index needs a platform");
        self.push(true, &format!("{repo}:{tag}"), platforms)
    }

    fn crane_output(&self, args: &[&str]) -> Output {
        self.crane().args(args).output().expect("cannot run crane")
    }

    /// The repository's tags (the registry's order: sorted); none for a
    /// repository that does not exist.
    pub fn tags(&self, repo: &str) -> Vec<String> {
        let out = self.crane_output(&["ls", &format!("{}/{repo}", self.addr)]);
        let err = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() && err.contains("NAME_UNKNOWN") {
            return Vec::new();
        }
        assert!(out.status.success(), "crane ls {repo}: {err}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Removes a tag (the manifest stays, reachable by digest).
    pub fn delete_tag(&self, repo: &str, tag: &str) {
        let out = self.crane_output(&["delete", &format!("{}/{repo}:{tag}", self.addr)]);
        assert!(
            out.status.success(),
            "crane delete {repo}:{tag}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The registry's log so far (and the token server's), for a failure
    /// message.
    pub fn log(&self) -> String {
        let logs = self.dir.path().join("logs");
        let mut text = read_log(&logs, "registry");
        if self.auth == Auth::Token {
            text.push_str("\n---- token-server:\n");
            text.push_str(&read_log(&logs, "token-server"));
        }
        text
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        for (_, child) in &mut self.procs {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
