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

/// No transparent huge pages for this process; main.rs calls it as the
/// program is loaded. mimalloc 3 asks the kernel for them on its 1 GiB
/// arena (`madvise(MADV_HUGEPAGE)`), and then the fault that first touches
/// each 2 MiB of it zeroes 2 MiB, after compacting memory to find them
/// when the machine's memory is fragmented, as it is on a machine that has
/// run for hours. The start-up touched 6-14 MiB of them: its first frame
/// was written in a median of 78 ms (14-112) with them and 11 ms (8-16)
/// without, and it started in 28 MiB instead of 39 (bench/README.md, "Huge
/// pages held the first frame back"). This is what mimalloc does itself
/// under MIMALLOC_ALLOW_THP=0, an option it reads before main runs. The
/// programs the cockpit starts (helm, gcloud) inherit it; none of them is
/// long-lived.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes no pointers; it sets a
    // flag of the process's memory map.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_process_takes_no_transparent_huge_pages() {
        super::no_huge_pages();
        // SAFETY: PR_GET_THP_DISABLE takes no pointers.
        let disabled = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert_eq!(disabled, 1);
    }
}
