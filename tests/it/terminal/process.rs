//! The running cockpit as the kernel sees it. It takes no transparent huge
//! pages, from its very start: mimalloc asks for them, and their zeroing
//! and the kernel's compaction held the first frame back by up to 100 ms
//! (`runtime::memory::no_huge_pages`, set in `main.rs` as the program is
//! loaded, before the first allocation).

use super::restore::running_cockpit;

#[test]
fn the_running_cockpit_takes_no_transparent_huge_pages() {
    let pane = running_cockpit("thp", "");
    let pid = pane.cockpit_pid();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(
        status.lines().any(|line| line == "THP_enabled:\t0"),
        "the cockpit may take transparent huge pages:\n{status}"
    );
    // Set before the first allocation, not from main: not even the arena's
    // first 2 MiB is a huge page.
    let memory = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap();
    assert!(
        memory.lines().any(|line| line.starts_with("AnonHugePages:")
            && line.split_whitespace().nth(1) == Some("0")),
        "the cockpit holds huge pages:\n{memory}"
    );
    pane.keys(&["q"]);
}
