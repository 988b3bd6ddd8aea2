//! The `frontdesk` command. Everything but the allocator setting (the one `unsafe` line of the project)
//! lives in `frontdesk::cli`.

use std::process::ExitCode;

/// Each argon2 run allocates ~19 MiB. glibc serves the first from mmap, then raises its threshold and
/// keeps later ones in the heap, which never shrinks: RSS would grow by 19 MiB per concurrent run and
/// stay there. A fixed threshold returns such blocks to the system as soon as they are freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)] // the project's one unsafe call: glibc's allocator setting
fn return_large_blocks_to_the_system() {
    // SAFETY: mallopt only tunes the allocator; called once, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_system() {}

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    frontdesk::cli::main()
}
