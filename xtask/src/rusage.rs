//! Peak memory of a child process tree, from the kernel's resource accounting.

use std::process::Command;

/// Runs `command` to completion; returns whether it succeeded and, on Unix, the peak resident set
/// size in KiB of the largest process of its tree (`wait4`'s `ru_maxrss` covers the child and every
/// descendant it waited for: for `cargo check`, the biggest rustc).
#[cfg(unix)]
pub fn run_measured(command: &mut Command) -> std::io::Result<(bool, Option<u64>)> {
    let child = command.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unwaited child; both out-pointers are valid for the call. The
        // `Child` is never waited on again (dropping it does not wait).
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    // Linux reports ru_maxrss in KiB.
    Ok((ok, u64::try_from(usage.ru_maxrss).ok()))
}

#[cfg(not(unix))]
pub fn run_measured(command: &mut Command) -> std::io::Result<(bool, Option<u64>)> {
    Ok((command.status()?.success(), None))
}
