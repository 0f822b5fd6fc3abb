//! What the cockpit keeps of a watched object when it keeps the object at
//! all: the object less what it never reads and can be most of its size.
//! Events are kept as records of their own (`event_record`).

use kube::Resource;

/// Drops what the cockpit never reads and that can be most of an object's
/// size: managed fields and the last-applied annotation.
pub fn slim<K: Resource>(obj: &mut K) {
    let meta = obj.meta_mut();
    meta.managed_fields = None;
    if let Some(a) = meta.annotations.as_mut() {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
}
