//! How the cockpit asks glibc's allocator to hold little memory. At
//! classroom scale the live heap is small, but listing parses tens of MB of
//! JSON in pages, and glibc keeps what that frees: one arena and a trim
//! after each list keep the resident memory near the live heap (the
//! figures: bench/README.md, "Measurements behind the design").

/// One malloc arena for the whole process, set before any thread starts.
/// glibc gives each thread that allocates concurrently an arena of its own,
/// and freed memory in one is not reused by another; the cockpit's threads
/// (two tokio workers, the terminal reader) allocate little at a time, so
/// sharing one costs no measurable time.
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's parameters; it is
    // called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// After a list (thousands of objects parsed, pages freed), hands the
/// allocator's free pages back to the system.
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory; it touches no live
    // allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}
