//! Kubernetes adapter: clients, watchers, log streams, and the domain rows
//! derived from API objects (pods, nodes, services) with the pending-pod
//! diagnosis.

pub mod access;
pub mod client;
pub mod connection;
pub mod diagnosis;
pub mod event_from_proto;
pub mod event_record;
pub mod from_proto;
pub mod leftovers;
pub mod lists_thread;
pub mod logs;
pub mod namespaces;
pub mod node_row;
pub mod pod_from_proto;
pub mod pod_row;
pub mod port_forward;
pub mod proto_slim;
pub mod proto_watch;
pub mod protobuf;
pub mod quantity;
pub mod service_row;
pub mod trim;
pub mod watch;
pub mod watched;
pub mod workload_row;
