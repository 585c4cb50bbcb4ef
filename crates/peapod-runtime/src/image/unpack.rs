//! Safe extraction of one layer tar into a snapshot directory.
//!
//! Every entry path is resolved component by component from a directory handle on the
//! snapshot root: absolute paths and `..` that would leave the root are rejected, and parent
//! components are opened with `O_DIRECTORY | O_NOFOLLOW`, so a symlink planted by the layer
//! (`a -> /etc`, then `a/passwd`) fails instead of writing through it. Final components are
//! created with `O_EXCL | O_NOFOLLOW` after removing whatever was there, hard links must point
//! inside the layer, and symlinks are created verbatim but never followed.
//!
//! OCI whiteouts become overlayfs ones, since snapshots are overlay lower dirs: `.wh.NAME` is a
//! 0/0 character device `NAME`, `.wh..wh..opq` sets `trusted.overlay.opaque=y` on its directory.
//! Both need root (CAP_MKNOD, CAP_SYS_ADMIN); unpacking such a layer unprivileged fails.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

use nix::errno::Errno;
use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{
    fchmod, fchmodat, fstatat, futimens, makedev, mkdirat, mknodat, utimensat, FchmodatFlags, Mode,
    SFlag, UtimensatFlags,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{
    fchown, fchownat, linkat, mkfifoat, symlinkat, unlinkat, Gid, Uid, UnlinkatFlags,
};
use tar::EntryType;

use super::error::{ImageError, Result};
use super::sys;

const WHITEOUT_PREFIX: &[u8] = b".wh.";
const WHITEOUT_META_PREFIX: &[u8] = b".wh..wh.";
const OPAQUE_WHITEOUT: &[u8] = b".wh..wh..opq";
const OVERLAY_OPAQUE_XATTR: &str = "trusted.overlay.opaque";
const PAX_XATTR_PREFIX: &str = "SCHILY.xattr.";

const DIR_FLAGS: OFlag = OFlag::O_RDONLY
    .union(OFlag::O_DIRECTORY)
    .union(OFlag::O_NOFOLLOW)
    .union(OFlag::O_CLOEXEC);

/// Extracts the layer tar read from `reader` into the existing, empty directory `dest`.
/// `layer` (the blob digest) only labels errors.
pub(crate) fn unpack_layer(reader: impl Read, dest: &Path, layer: &str) -> Result<()> {
    let root = openat(nix::fcntl::AT_FDCWD, dest, DIR_FLAGS, Mode::empty())
        .map_err(|e| ImageError::io("open snapshot dir", dest, e.into()))?;
    let mut unpacker = Unpacker {
        layer: layer.to_string(),
        root,
        privileged: sys::is_root(),
        dir_times: Vec::new(),
    };
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| unpacker.err("read layer", "", e))?;
    for entry in entries {
        let entry = entry.map_err(|e| unpacker.err("read layer", "", e))?;
        unpacker.entry(entry)?;
    }
    unpacker.finish()
}

struct Unpacker {
    layer: String,
    root: OwnedFd,
    privileged: bool,
    /// Directory mtimes, set last because creating children changes them.
    dir_times: Vec<(Vec<OsString>, TimeSpec)>,
}

/// What the tar header says about an entry's metadata.
struct Meta {
    mode: Mode,
    uid: u32,
    gid: u32,
    mtime: TimeSpec,
    xattrs: Vec<(String, Vec<u8>)>,
}

impl Unpacker {
    fn err(&self, op: &'static str, entry: &str, source: io::Error) -> ImageError {
        ImageError::Unpack {
            layer: self.layer.clone(),
            entry: entry.to_string(),
            op,
            source,
        }
    }

    fn unsafe_entry(&self, entry: &str, reason: impl Into<String>) -> ImageError {
        ImageError::UnsafeEntry {
            layer: self.layer.clone(),
            entry: entry.to_string(),
            reason: reason.into(),
        }
    }

    /// Lexically resolves an entry path to components below the root.
    fn clean(&self, raw: &Path, entry: &str) -> Result<Vec<OsString>> {
        let mut out: Vec<OsString> = Vec::new();
        for component in raw.components() {
            match component {
                Component::Normal(name) => out.push(name.to_owned()),
                Component::CurDir => {}
                Component::ParentDir => {
                    if out.pop().is_none() {
                        return Err(self.unsafe_entry(entry, "`..` leaves the layer root"));
                    }
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(self.unsafe_entry(entry, "absolute path"));
                }
            }
        }
        Ok(out)
    }

    /// Opens the directory at `components` below the root without following symlinks,
    /// creating missing directories (0755) when `create`.
    fn open_dir(&self, components: &[OsString], create: bool, entry: &str) -> Result<OwnedFd> {
        let mut dir = self
            .root
            .try_clone()
            .map_err(|e| self.err("dup", entry, e))?;
        for name in components {
            let next = match openat(&dir, name.as_os_str(), DIR_FLAGS, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::ENOENT) if create => {
                    let mode = Mode::from_bits_truncate(0o755);
                    match mkdirat(&dir, name.as_os_str(), mode) {
                        Ok(()) | Err(Errno::EEXIST) => {}
                        Err(e) => return Err(self.err("mkdir", entry, e.into())),
                    }
                    let fd = openat(&dir, name.as_os_str(), DIR_FLAGS, Mode::empty())
                        .map_err(|e| self.parent_err(e, name, entry))?;
                    fchmod(&fd, mode).map_err(|e| self.err("chmod", entry, e.into()))?;
                    fd
                }
                Err(e) => return Err(self.parent_err(e, name, entry)),
            };
            dir = next;
        }
        Ok(dir)
    }

    fn parent_err(&self, errno: Errno, name: &OsStr, entry: &str) -> ImageError {
        match errno {
            Errno::ELOOP | Errno::ENOTDIR => self.unsafe_entry(
                entry,
                format!(
                    "path component {:?} is a symlink or not a directory",
                    name.to_string_lossy()
                ),
            ),
            e => self.err("open parent", entry, e.into()),
        }
    }

    /// Removes a non-directory or empty directory at `name` so a new entry can take its place.
    fn remove_existing(&self, parent: &OwnedFd, name: &OsStr, entry: &str) -> Result<()> {
        let stat = match fstatat(parent, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(stat) => stat,
            Err(Errno::ENOENT) => return Ok(()),
            Err(e) => return Err(self.err("stat", entry, e.into())),
        };
        let flag =
            if SFlag::from_bits_truncate(stat.st_mode & SFlag::S_IFMT.bits()) == SFlag::S_IFDIR {
                UnlinkatFlags::RemoveDir
            } else {
                UnlinkatFlags::NoRemoveDir
            };
        unlinkat(parent, name, flag).map_err(|e| self.err("replace", entry, e.into()))
    }

    fn entry<R: Read>(&mut self, mut entry: tar::Entry<'_, R>) -> Result<()> {
        let raw = entry
            .path()
            .map_err(|e| self.err("read entry path", "", e))?
            .into_owned();
        let shown = raw.to_string_lossy().into_owned();
        let components = self.clean(&raw, &shown)?;
        let meta = self.meta(&mut entry, &shown)?;
        let kind = entry.header().entry_type();

        let Some((name, parents)) = components.split_last() else {
            // The layer root itself (`./`): only a directory entry makes sense here.
            if kind.is_dir() {
                let root = self.open_dir(&[], false, &shown)?;
                self.apply_fd_meta(&root, &meta, &shown)?;
                self.dir_times.push((Vec::new(), meta.mtime));
                return Ok(());
            }
            return Err(self.unsafe_entry(&shown, "entry replaces the layer root"));
        };

        let bytes = name.as_bytes();
        if bytes.starts_with(WHITEOUT_PREFIX) {
            return self.whiteout(parents, bytes, &shown);
        }

        let parent = self.open_dir(parents, true, &shown)?;
        match kind {
            EntryType::Directory => {
                match fstatat(&parent, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) {
                    Ok(st)
                        if SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits())
                            == SFlag::S_IFDIR => {}
                    Ok(_) | Err(Errno::ENOENT) => {
                        self.remove_existing(&parent, name, &shown)?;
                        mkdirat(&parent, name.as_os_str(), Mode::from_bits_truncate(0o700))
                            .map_err(|e| self.err("mkdir", &shown, e.into()))?;
                    }
                    Err(e) => return Err(self.err("stat", &shown, e.into())),
                }
                let dir = openat(&parent, name.as_os_str(), DIR_FLAGS, Mode::empty())
                    .map_err(|e| self.parent_err(e, name, &shown))?;
                self.apply_fd_meta(&dir, &meta, &shown)?;
                self.dir_times.push((components.clone(), meta.mtime));
            }
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                self.remove_existing(&parent, name, &shown)?;
                let flags = OFlag::O_WRONLY
                    | OFlag::O_CREAT
                    | OFlag::O_EXCL
                    | OFlag::O_NOFOLLOW
                    | OFlag::O_CLOEXEC;
                let fd = openat(
                    &parent,
                    name.as_os_str(),
                    flags,
                    Mode::from_bits_truncate(0o600),
                )
                .map_err(|e| self.err("create", &shown, e.into()))?;
                let mut file = File::from(fd);
                io::copy(&mut entry, &mut file).map_err(|e| self.err("write", &shown, e))?;
                self.apply_fd_meta(&file, &meta, &shown)?;
                futimens(&file, &meta.mtime, &meta.mtime)
                    .map_err(|e| self.err("set mtime", &shown, e.into()))?;
            }
            EntryType::Symlink => {
                let target = entry
                    .link_name()
                    .map_err(|e| self.err("read link target", &shown, e))?
                    .ok_or_else(|| self.unsafe_entry(&shown, "symlink without a target"))?
                    .into_owned();
                self.remove_existing(&parent, name, &shown)?;
                symlinkat(&target, &parent, name.as_os_str())
                    .map_err(|e| self.err("symlink", &shown, e.into()))?;
                self.apply_at_meta(&parent, name, &meta, false, &shown)?;
            }
            EntryType::Link => {
                let target = entry
                    .link_name()
                    .map_err(|e| self.err("read link target", &shown, e))?
                    .ok_or_else(|| self.unsafe_entry(&shown, "hard link without a target"))?
                    .into_owned();
                let target_shown = target.to_string_lossy().into_owned();
                let target_components = self.clean(&target, &target_shown)?;
                if target_components == components {
                    return Err(self.unsafe_entry(&shown, "hard link to itself"));
                }
                let Some((target_name, target_parents)) = target_components.split_last() else {
                    return Err(self.unsafe_entry(&shown, "hard link to the layer root"));
                };
                let target_parent = self.open_dir(target_parents, false, &target_shown)?;
                self.remove_existing(&parent, name, &shown)?;
                linkat(
                    &target_parent,
                    target_name.as_os_str(),
                    &parent,
                    name.as_os_str(),
                    AtFlags::empty(),
                )
                .map_err(|e| self.err("hard link", &shown, e.into()))?;
            }
            EntryType::Char | EntryType::Block | EntryType::Fifo => {
                if kind != EntryType::Fifo && !self.privileged {
                    tracing::debug!(layer = %self.layer, entry = %shown, "skipping device node (not root)");
                    return Ok(());
                }
                self.remove_existing(&parent, name, &shown)?;
                if kind == EntryType::Fifo {
                    mkfifoat(&parent, name.as_os_str(), meta.mode)
                } else {
                    let header = entry.header();
                    let major = header.device_major().ok().flatten().unwrap_or(0);
                    let minor = header.device_minor().ok().flatten().unwrap_or(0);
                    let sflag = if kind == EntryType::Char {
                        SFlag::S_IFCHR
                    } else {
                        SFlag::S_IFBLK
                    };
                    let dev = makedev(u64::from(major), u64::from(minor));
                    mknodat(&parent, name.as_os_str(), sflag, meta.mode, dev)
                }
                .map_err(|e| self.err("mknod", &shown, e.into()))?;
                self.apply_at_meta(&parent, name, &meta, true, &shown)?;
            }
            other => {
                tracing::debug!(layer = %self.layer, entry = %shown, kind = ?other, "skipping tar entry type");
            }
        }
        Ok(())
    }

    /// `.wh..wh..opq` marks the directory opaque, `.wh.NAME` hides NAME of lower layers.
    fn whiteout(&mut self, parents: &[OsString], name: &[u8], shown: &str) -> Result<()> {
        let parent = self.open_dir(parents, true, shown)?;
        if name == OPAQUE_WHITEOUT {
            return sys::fsetxattr(&parent, OVERLAY_OPAQUE_XATTR, b"y")
                .map_err(|e| self.err("mark opaque (needs root)", shown, e));
        }
        if name.starts_with(WHITEOUT_META_PREFIX) {
            // aufs bookkeeping (.wh..wh.plnk and friends): not part of the image.
            return Ok(());
        }
        let hidden = OsStr::from_bytes(&name[WHITEOUT_PREFIX.len()..]);
        if hidden.is_empty() || hidden == "." || hidden == ".." {
            return Err(self.unsafe_entry(shown, "whiteout without a valid name"));
        }
        self.remove_existing(&parent, hidden, shown)?;
        mknodat(
            &parent,
            hidden,
            SFlag::S_IFCHR,
            Mode::empty(),
            makedev(0, 0),
        )
        .map_err(|e| self.err("create whiteout (needs root)", shown, e.into()))
    }

    fn meta<R: Read>(&self, entry: &mut tar::Entry<'_, R>, shown: &str) -> Result<Meta> {
        let bad = |e: io::Error| self.err("read header", shown, e);
        let header = entry.header();
        let mode = Mode::from_bits_truncate(header.mode().map_err(bad)? & 0o7777);
        let uid = header.uid().map_err(bad)?;
        let gid = header.gid().map_err(bad)?;
        let mtime = header.mtime().map_err(bad)?;
        let (Ok(uid), Ok(gid)) = (u32::try_from(uid), u32::try_from(gid)) else {
            return Err(self.unsafe_entry(shown, format!("owner {uid}:{gid} out of range")));
        };
        let mtime = TimeSpec::new(i64::try_from(mtime).unwrap_or(i64::MAX), 0);
        let mut xattrs = Vec::new();
        if let Some(extensions) = entry.pax_extensions().map_err(bad)? {
            for extension in extensions {
                let extension = extension.map_err(bad)?;
                let Some(name) = extension
                    .key()
                    .ok()
                    .and_then(|k| k.strip_prefix(PAX_XATTR_PREFIX))
                else {
                    continue;
                };
                // Only what a container legitimately needs: file capabilities and user
                // attributes. trusted.overlay.* in particular must not come from a layer.
                if name == "security.capability" || name.starts_with("user.") {
                    xattrs.push((name.to_string(), extension.value_bytes().to_vec()));
                } else {
                    tracing::debug!(layer = %self.layer, entry = %shown, xattr = name, "ignoring xattr");
                }
            }
        }
        Ok(Meta {
            mode,
            uid,
            gid,
            mtime,
            xattrs,
        })
    }

    /// Owner (root only), mode and xattrs of an open file or directory; chown first since it
    /// clears set-id bits and capabilities.
    fn apply_fd_meta(&self, fd: &impl AsFd, meta: &Meta, shown: &str) -> Result<()> {
        if self.privileged {
            fchown(
                fd,
                Some(Uid::from_raw(meta.uid)),
                Some(Gid::from_raw(meta.gid)),
            )
            .map_err(|e| self.err("chown", shown, e.into()))?;
        }
        fchmod(fd, meta.mode).map_err(|e| self.err("chmod", shown, e.into()))?;
        for (name, value) in &meta.xattrs {
            if let Err(e) = sys::fsetxattr(fd, name, value) {
                tracing::warn!(layer = %self.layer, entry = %shown, xattr = %name, error = %e, "could not set xattr");
            }
        }
        Ok(())
    }

    /// Owner, mode (not for symlinks) and mtime of a node that cannot be opened.
    fn apply_at_meta(
        &self,
        parent: &OwnedFd,
        name: &OsStr,
        meta: &Meta,
        chmod: bool,
        shown: &str,
    ) -> Result<()> {
        if self.privileged {
            fchownat(
                parent,
                name,
                Some(Uid::from_raw(meta.uid)),
                Some(Gid::from_raw(meta.gid)),
                AtFlags::AT_SYMLINK_NOFOLLOW,
            )
            .map_err(|e| self.err("chown", shown, e.into()))?;
        }
        if chmod {
            // Linux cannot chmod without following; the node was just created by us as a
            // device or fifo in a directory only we write to, so there is nothing to follow.
            fchmodat(parent, name, meta.mode, FchmodatFlags::FollowSymlink)
                .map_err(|e| self.err("chmod", shown, e.into()))?;
        }
        utimensat(
            parent,
            name,
            &meta.mtime,
            &meta.mtime,
            UtimensatFlags::NoFollowSymlink,
        )
        .map_err(|e| self.err("set mtime", shown, e.into()))
    }

    /// Sets directory mtimes, deepest and latest first.
    fn finish(mut self) -> Result<()> {
        let dir_times = std::mem::take(&mut self.dir_times);
        for (components, mtime) in dir_times.iter().rev() {
            let shown = Path::new(".")
                .join(components.iter().collect::<std::path::PathBuf>())
                .to_string_lossy()
                .into_owned();
            match self.open_dir(components, false, &shown) {
                Ok(dir) => futimens(&dir, mtime, mtime)
                    .map_err(|e| self.err("set mtime", &shown, e.into()))?,
                // Replaced by a later entry of the same layer: nothing to date.
                Err(ImageError::UnsafeEntry { .. }) => {}
                Err(ImageError::Unpack { source, .. })
                    if source.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
