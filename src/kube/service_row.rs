//! One service as the services pane shows it, with kubectl's CLUSTER-IP,
//! EXTERNAL-IP and PORT(S) columns, and the hub's public URL once the
//! proxy-public LoadBalancer has an address.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Service;
use serde::Serialize;

use super::pod_row::to_utc;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceRow {
    pub name: String,
    /// ClusterIP, NodePort, LoadBalancer or ExternalName.
    pub type_: String,
    /// The first cluster IP, `None` for a headless service, `<none>` when
    /// unset (as kubectl prints them).
    pub cluster_ip: String,
    /// LoadBalancer ingress IPs or hostnames and `spec.externalIPs`, comma
    /// separated; the external name of an ExternalName service. None while
    /// a LoadBalancer waits for its address, and for services without any.
    pub external_ip: Option<String>,
    /// kubectl's form: `80:31234/TCP,443:31235/TCP`, `<none>` without ports.
    pub ports: String,
    /// The service ports' numbers, in order.
    pub port_numbers: Vec<i32>,
    pub created: Option<DateTime<Utc>>,
    /// JupyterHub's public entry point (the chart's `proxy-public`).
    pub is_proxy_public: bool,
}

impl ServiceRow {
    pub fn from_service(svc: &Service) -> Self {
        let meta = &svc.metadata;
        let name = meta.name.clone().unwrap_or_default();
        let spec = svc.spec.as_ref();
        let type_ = spec
            .and_then(|s| s.type_.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "ClusterIP".into());
        let cluster_ip = spec
            .and_then(|s| {
                s.cluster_ips
                    .as_ref()
                    .and_then(|ips| ips.first().cloned())
                    .or_else(|| s.cluster_ip.clone())
            })
            .filter(|ip| !ip.is_empty())
            .unwrap_or_else(|| "<none>".into());
        let ports_list = spec.and_then(|s| s.ports.as_deref()).unwrap_or(&[]);
        let ports = ports_list
            .iter()
            .map(|p| {
                let protocol = p.protocol.as_deref().unwrap_or("TCP");
                match p.node_port {
                    Some(np) if np > 0 => format!("{}:{np}/{protocol}", p.port),
                    _ => format!("{}/{protocol}", p.port),
                }
            })
            .collect::<Vec<_>>()
            .join(",");
        let component = meta
            .labels
            .as_ref()
            .and_then(|l| l.get("component"))
            .map(String::as_str);
        ServiceRow {
            is_proxy_public: name == "proxy-public"
                || name.ends_with("-proxy-public")
                || component == Some("proxy-public"),
            external_ip: external_ip(svc, &type_),
            name,
            type_,
            cluster_ip,
            ports: if ports.is_empty() {
                "<none>".into()
            } else {
                ports
            },
            port_numbers: ports_list.iter().map(|p| p.port).collect(),
            created: meta.creation_timestamp.as_ref().and_then(|t| to_utc(&t.0)),
        }
    }

    /// `http://<address>` for proxy-public once its LoadBalancer has one;
    /// `https://` when it serves 443 and not 80; the port appended when it
    /// serves neither.
    pub fn public_url(&self) -> Option<String> {
        if !self.is_proxy_public || self.type_ != "LoadBalancer" {
            return None;
        }
        let address = self.external_ip.as_deref()?.split(',').next()?.trim();
        if address.is_empty() {
            return None;
        }
        let host = if address.contains(':') {
            format!("[{address}]")
        } else {
            address.to_owned()
        };
        let has = |p: i32| self.port_numbers.contains(&p);
        Some(if has(80) || self.port_numbers.is_empty() {
            format!("http://{host}")
        } else if has(443) {
            format!("https://{host}")
        } else {
            format!("http://{host}:{}", self.port_numbers[0])
        })
    }
}

/// kubectl's EXTERNAL-IP column, with None where kubectl prints `<none>` or
/// `<pending>`.
fn external_ip(svc: &Service, type_: &str) -> Option<String> {
    let spec = svc.spec.as_ref();
    let mut addresses: Vec<String> = Vec::new();
    match type_ {
        "LoadBalancer" => {
            let mut ingress: Vec<String> = svc
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_ref())
                .into_iter()
                .flatten()
                .filter_map(|i| {
                    i.ip.clone()
                        .filter(|ip| !ip.is_empty())
                        .or_else(|| i.hostname.clone().filter(|h| !h.is_empty()))
                })
                .collect();
            // kubectl lists them as a sorted set.
            ingress.sort();
            ingress.dedup();
            addresses.extend(ingress);
        }
        "ExternalName" => {
            return spec
                .and_then(|s| s.external_name.clone())
                .filter(|n| !n.is_empty());
        }
        _ => {}
    }
    addresses.extend(
        spec.and_then(|s| s.external_ips.clone())
            .unwrap_or_default(),
    );
    (!addresses.is_empty()).then(|| addresses.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::pod_row::fixtures;
    use k8s_openapi::api::core::v1::{LoadBalancerIngress, ServicePort};

    fn proxy_public() -> Service {
        fixtures::one("service-proxy-public.yaml")
    }

    #[test]
    fn proxy_public_with_an_address() {
        let row = ServiceRow::from_service(&proxy_public());
        assert_eq!(row.name, "proxy-public");
        assert_eq!(row.type_, "LoadBalancer");
        assert_eq!(row.cluster_ip, "10.12.0.201");
        assert_eq!(row.external_ip.as_deref(), Some("34.123.45.67"));
        assert_eq!(row.ports, "80:31234/TCP");
        assert_eq!(row.port_numbers, vec![80]);
        assert!(row.is_proxy_public);
        assert_eq!(
            row.created.map(|c| c.to_rfc3339()),
            Some("2026-06-01T09:58:01+00:00".to_owned())
        );
        assert_eq!(row.public_url().as_deref(), Some("http://34.123.45.67"));
    }

    #[test]
    fn proxy_public_pending() {
        let mut svc = proxy_public();
        svc.status = None;
        let row = ServiceRow::from_service(&svc);
        assert_eq!(row.external_ip, None);
        assert_eq!(row.public_url(), None);
    }

    #[test]
    fn https_only_hostname_and_ipv6() {
        let mut svc = proxy_public();
        svc.spec.as_mut().unwrap().ports = Some(vec![ServicePort {
            name: Some("https".into()),
            port: 443,
            protocol: Some("TCP".into()),
            node_port: Some(31443),
            ..Default::default()
        }]);
        svc.status
            .as_mut()
            .unwrap()
            .load_balancer
            .as_mut()
            .unwrap()
            .ingress = Some(vec![LoadBalancerIngress {
            hostname: Some("a1b2c3.elb.example.com".into()),
            ..Default::default()
        }]);
        let row = ServiceRow::from_service(&svc);
        assert_eq!(row.ports, "443:31443/TCP");
        assert_eq!(row.external_ip.as_deref(), Some("a1b2c3.elb.example.com"));
        assert_eq!(
            row.public_url().as_deref(),
            Some("https://a1b2c3.elb.example.com")
        );

        svc.status
            .as_mut()
            .unwrap()
            .load_balancer
            .as_mut()
            .unwrap()
            .ingress = Some(vec![LoadBalancerIngress {
            ip: Some("2001:db8::7".into()),
            ..Default::default()
        }]);
        svc.spec.as_mut().unwrap().ports.as_mut().unwrap()[0].port = 8080;
        let row = ServiceRow::from_service(&svc);
        assert_eq!(
            row.public_url().as_deref(),
            Some("http://[2001:db8::7]:8080")
        );
    }

    #[test]
    fn several_ingress_addresses_sorted_and_external_ips_after() {
        let mut svc = proxy_public();
        svc.status
            .as_mut()
            .unwrap()
            .load_balancer
            .as_mut()
            .unwrap()
            .ingress = Some(vec![
            LoadBalancerIngress {
                ip: Some("34.9.9.9".into()),
                ..Default::default()
            },
            LoadBalancerIngress {
                ip: Some("34.1.1.1".into()),
                ..Default::default()
            },
        ]);
        svc.spec.as_mut().unwrap().external_ips = Some(vec!["192.0.2.10".into()]);
        let row = ServiceRow::from_service(&svc);
        assert_eq!(
            row.external_ip.as_deref(),
            Some("34.1.1.1,34.9.9.9,192.0.2.10")
        );
        assert_eq!(row.public_url().as_deref(), Some("http://34.1.1.1"));
    }

    #[test]
    fn cluster_ip_service() {
        let row = ServiceRow::from_service(&fixtures::one::<Service>("service-hub.yaml"));
        assert_eq!(row.name, "hub");
        assert_eq!(row.type_, "ClusterIP");
        assert_eq!(row.cluster_ip, "10.12.3.45");
        assert_eq!(row.external_ip, None);
        assert_eq!(row.ports, "8081/TCP");
        assert!(!row.is_proxy_public);
        assert_eq!(row.public_url(), None);
    }

    #[test]
    fn headless_external_name_and_empty() {
        let mut svc: Service = fixtures::one("service-hub.yaml");
        let spec = svc.spec.as_mut().unwrap();
        spec.cluster_ip = Some("None".into());
        spec.cluster_ips = Some(vec!["None".into()]);
        assert_eq!(ServiceRow::from_service(&svc).cluster_ip, "None");

        let spec = svc.spec.as_mut().unwrap();
        spec.type_ = Some("ExternalName".into());
        spec.external_name = Some("db.example.com".into());
        spec.cluster_ip = None;
        spec.cluster_ips = None;
        spec.ports = None;
        let row = ServiceRow::from_service(&svc);
        assert_eq!(row.external_ip.as_deref(), Some("db.example.com"));
        assert_eq!(row.cluster_ip, "<none>");
        assert_eq!(row.ports, "<none>");

        let row = ServiceRow::from_service(&Service::default());
        assert_eq!(row.type_, "ClusterIP");
        assert_eq!(row.public_url(), None);
    }

    #[test]
    fn prefixed_proxy_public_is_recognised() {
        let mut svc = proxy_public();
        svc.metadata.name = Some("jhub-proxy-public".into());
        svc.metadata.labels = None;
        let row = ServiceRow::from_service(&svc);
        assert!(row.is_proxy_public);
        let mut other = proxy_public();
        other.metadata.name = Some("grafana".into());
        other.metadata.labels = None;
        assert!(!ServiceRow::from_service(&other).is_proxy_public);
        assert_eq!(ServiceRow::from_service(&other).public_url(), None);
    }
}
