//! The few libc calls nix does not wrap (extended attributes, the effective uid without
//! nix's `user` feature). The only `unsafe` in the image module.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd};

/// Whether the process runs with uid 0 (and so may chown, mknod and set trusted xattrs).
pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions, touches no memory of ours and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Sets an extended attribute on an open file or directory.
pub(crate) fn fsetxattr(fd: impl AsFd, name: &str, value: &[u8]) -> io::Result<()> {
    let name = CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `fd` is a live descriptor borrowed for the call, `name` is a NUL-terminated
    // string that outlives the call, and `value`'s pointer and length describe one valid
    // slice that the kernel only reads.
    let rc = unsafe {
        libc::fsetxattr(
            fd.as_fd().as_raw_fd(),
            name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Reads an extended attribute of a path without following a final symlink; None when absent.
#[cfg(test)]
pub(crate) fn lgetxattr(path: &std::path::Path, name: &str) -> io::Result<Option<Vec<u8>>> {
    use std::os::unix::ffi::OsStrExt;
    let invalid = |_| io::Error::from(io::ErrorKind::InvalidInput);
    let path = CString::new(path.as_os_str().as_bytes()).map_err(invalid)?;
    let name = CString::new(name).map_err(invalid)?;
    let mut buf = vec![0u8; 4096];
    // SAFETY: both strings are NUL-terminated and outlive the call; `buf` is a writable
    // buffer of exactly `buf.len()` bytes that the kernel fills at most to that length.
    let rc = unsafe {
        libc::lgetxattr(
            path.as_ptr(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if rc < 0 {
        let err = io::Error::last_os_error();
        return match err.raw_os_error() {
            Some(libc::ENODATA) => Ok(None),
            _ => Err(err),
        };
    }
    buf.truncate(rc as usize);
    Ok(Some(buf))
}
