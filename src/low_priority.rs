//! Programs the cockpit runs for itself at start (gcloud for its
//! configuration, helm for its version) run at the lowest CPU priority.
//! gcloud is Python and takes about a second of CPU; on a small machine,
//! or one that also runs the API server, that second was taken from the
//! first frame and the first list, which the operator waits for, while
//! nobody waits for gcloud's answer. An idle machine runs them as fast.

/// Lowers a just-spawned child to nice 19. Done from the parent after the
/// spawn rather than between fork and exec, which would make the standard
/// library fork the whole process instead of spawning (a copy of the
/// cockpit's page tables at every start); the child's first instants at
/// normal priority do not matter against its second of work. Best effort:
/// a child that already exited, or a system that refuses, is left alone.
pub fn lower(pid: Option<u32>) {
    let Some(pid) = pid else { return };
    // SAFETY: setpriority reads no memory of ours; a pid that is gone or
    // not ours only makes it fail, which is ignored.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, pid as libc::id_t, 19);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_runs_at_the_lowest_priority() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep runs");
        lower(Some(child.id()));
        // /proc/PID/stat: the 19th field is the nice value.
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        let nice: i32 = after_name.split(' ').nth(16).unwrap().parse().unwrap();
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(nice, 19);
    }
}
