//! The thread the large lists are read on: the pods' and the events'
//! watchers run on a single-threaded runtime of their own, with a client of
//! their own, so their connections live there too.
//!
//! Why: on the cockpit's two-worker runtime every piece of a list that
//! arrived woke one worker, which handed the read on to the other, waking
//! it in turn (`perf stat` at 20,000 pods: 16,600-19,000 context switches
//! over the events' list; bench/README.md, "The lists on a thread of their
//! own"). On one thread a piece is read, decoded and sent to the core by
//! the thread the kernel woke. The client must be made on that thread:
//! kube's client spawns its request buffer where it is built, and hyper a
//! connection's task where its first request is polled, and a client
//! shared with the main runtime hands the watchers connections whose
//! reads run there.

use std::sync::OnceLock;

use tokio::runtime::Handle;

/// The lists' runtime, started on first use; it lives as long as the
/// process (the thread waits on a future that never ends).
pub fn handle() -> &'static Handle {
    static HANDLE: OnceLock<Handle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime for the lists");
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("jhub-lists".into())
            .spawn(move || runtime.block_on(std::future::pending::<()>()))
            .expect("a thread for the lists");
        handle
    })
}

/// A client whose request buffer and connections are on the lists' thread:
/// only one made by [`client`] is, so the watchers take this type.
#[derive(Clone)]
pub struct ListsClient(kube::Client);

impl ListsClient {
    pub fn client(&self) -> &kube::Client {
        &self.0
    }
}

/// A client for `config`, made on the lists' thread.
pub fn client(config: kube::Config) -> Result<ListsClient, kube::Error> {
    let _on_lists_thread = handle().enter();
    super::client::build(config).map(ListsClient)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tasks_spawned_on_the_handle_run_on_the_lists_thread() {
        let ran_on = handle()
            .spawn(async { std::thread::current().name().map(str::to_owned) })
            .await
            .expect("the task ran");
        assert_eq!(ran_on.as_deref(), Some("jhub-lists"));
        // One runtime for the process: the second call finds the first.
        assert_eq!(handle().id(), handle().id());
    }
}
