//! How the cockpit keeps its resident memory near its live heap. At
//! classroom scale the live heap is small, but listing parses tens of MB of
//! JSON, and an allocator keeps what that frees. The binary's
//! allocator is mimalloc (main.rs); glibc's malloc still serves the C
//! libraries (aws-lc's TLS buffers), so it gets one arena and a trim too
//! (the figures: bench/README.md, "Measurements behind the design").

/// One glibc malloc arena for the whole process, set before any thread
/// starts. glibc gives each thread that allocates concurrently an arena of
/// its own, and freed memory in one is not reused by another.
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's parameters; it is
    // called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// After a list (thousands of objects parsed, pages freed), hands both
/// allocators' free pages back to the system.
pub fn release_free() {
    // SAFETY: mi_collect only frees memory no allocation uses; it is safe
    // to call from any thread at any time.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory; it touches no live
    // allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}
