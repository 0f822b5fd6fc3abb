//! `gke-emulator`: the GKE API emulator as a process, for the demo and for
//! trying the cockpit by hand. All logic is in the library (`gke_emulator`)
//! so tests can run it in-process.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use gke_emulator::{self as emulator, EmulatorConfig, parse_faults};

/// An emulator of the GKE API (container v1) on 127.0.0.1, whose clusters
/// report the local rig's endpoint and CA. Admin routes: POST/GET/DELETE
/// /emulator/faults, GET/DELETE /emulator/requests, POST /emulator/clusters
/// {"project", "location", "cluster": {...}} (a RUNNING cluster made
/// elsewhere), POST /emulator/clock {"advanceSeconds": N}, POST
/// /emulator/reset.
#[derive(Parser, Debug)]
#[command(name = "gke-emulator", version)]
struct Args {
    /// Port to listen on; 0 picks a free one (the line printed at start
    /// says which).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to listen on: loopback only (127.0.0.1, localhost, ::1).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Seconds an operation takes (cluster or node-pool create, delete,
    /// autoscaling change).
    #[arg(long, default_value_t = 6.0)]
    op_seconds: f64,
    /// The API server URL every cluster reports (the rig's).
    #[arg(long, default_value = "https://127.0.0.1:26443")]
    kube_endpoint: String,
    /// The CA certificate (PEM) every cluster reports.
    #[arg(long)]
    kube_ca_file: Option<PathBuf>,
    /// A client certificate (PEM) every cluster reports in masterAuth, so
    /// that clients can authenticate to the rig as they would with GKE's
    /// legacy client-certificate auth. Needs --kube-client-key-file.
    #[arg(long, requires = "kube_client_key_file")]
    kube_client_cert_file: Option<PathBuf>,
    #[arg(long, requires = "kube_client_cert_file")]
    kube_client_key_file: Option<PathBuf>,
    /// Keep clusters and operations in this JSON file across restarts.
    #[arg(long)]
    state_file: Option<PathBuf>,
    /// A fault active from the start, as JSON, e.g.
    /// '{"method":"POST","pathContains":"/clusters","status":403,"count":1}'.
    /// Repeatable; GKE_EMULATOR_FAULTS may hold one or a JSON array.
    #[arg(long = "fault")]
    faults: Vec<String>,
    /// The Kubernetes version new clusters report.
    #[arg(long, default_value = "1.36.3-gke.100")]
    master_version: String,
}

fn parse_host(host: &str) -> Result<IpAddr, String> {
    let ip: IpAddr = if host == "localhost" {
        IpAddr::from([127, 0, 0, 1])
    } else {
        host.parse()
            .map_err(|_| format!("--host {host:?} is not an IP address"))?
    };
    if !ip.is_loopback() {
        return Err(format!(
            "--host {host}: refusing a non-loopback address; the emulator serves this machine only"
        ));
    }
    Ok(ip)
}

fn config(args: Args) -> Result<EmulatorConfig, String> {
    let host = parse_host(&args.host)?;
    if !(args.op_seconds.is_finite() && args.op_seconds > 0.0 && args.op_seconds <= 86_400.0) {
        return Err(format!(
            "--op-seconds {} must be in (0, 86400]",
            args.op_seconds
        ));
    }
    let kube_ca_pem = match &args.kube_ca_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("--kube-ca-file {}: {e}", path.display()))?,
        ),
        None => None,
    };
    let read = |path: &PathBuf, flag: &str| {
        std::fs::read_to_string(path).map_err(|e| format!("--{flag} {}: {e}", path.display()))
    };
    let kube_client_cert = match (&args.kube_client_cert_file, &args.kube_client_key_file) {
        (Some(c), Some(k)) => Some((
            read(c, "kube-client-cert-file")?,
            read(k, "kube-client-key-file")?,
        )),
        _ => None,
    };
    let mut faults = Vec::new();
    if let Ok(text) = std::env::var("GKE_EMULATOR_FAULTS")
        && !text.trim().is_empty()
    {
        faults.extend(parse_faults(&text).map_err(|e| format!("GKE_EMULATOR_FAULTS: {e}"))?);
    }
    for text in &args.faults {
        faults.extend(parse_faults(text).map_err(|e| format!("--fault: {e}"))?);
    }
    Ok(EmulatorConfig {
        host,
        port: args.port,
        op_duration: Duration::from_secs_f64(args.op_seconds),
        kube_endpoint: args.kube_endpoint,
        kube_ca_pem,
        kube_client_cert,
        state_file: args.state_file,
        faults,
        master_version: args.master_version,
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match config(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gke-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gke-emulator: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let (addr, task) = match emulator::serve(config).await {
            Ok(v) => v,
            Err(e) => {
                eprintln!("gke-emulator: {e}");
                return ExitCode::FAILURE;
            }
        };
        // The readiness line scripts wait for; flushed because stdout is a
        // pipe there, and a pipe is block-buffered.
        println!("gke-emulator listening on http://{addr}");
        let _ = std::io::stdout().flush();
        tokio::select! {
            result = task => match result {
                Ok(Ok(())) => ExitCode::SUCCESS,
                Ok(Err(e)) => {
                    eprintln!("gke-emulator: {e}");
                    ExitCode::FAILURE
                }
                Err(e) => {
                    eprintln!("gke-emulator: {e}");
                    ExitCode::FAILURE
                }
            },
            _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
        }
    })
}
