//! Container log rotation as the kubelet's container log manager does it: when a running
//! container's log passes the size limit it is renamed to `<log>.<YYYYMMDD-HHMMSS>`, conmon is
//! told to reopen its log (control FIFO message 2), rotated files older than the newest are
//! gzip-compressed, and no more than `max_files` files (the live one included) are kept.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::{ContainerState, Runtime};

/// `containerLogMaxSize` / `containerLogMaxFiles` (kubelet defaults: 10Mi, 5).
#[derive(Debug, Clone, Copy)]
pub struct LogPolicy {
    pub max_size: u64,
    pub max_files: usize,
}

impl Default for LogPolicy {
    fn default() -> Self {
        LogPolicy {
            max_size: 10 << 20,
            max_files: 5,
        }
    }
}

/// conmon's control FIFO message that makes it reopen the log file.
const REOPEN_LOGS_EVENT: &str = "2 0 0\n";
const GZ: &str = ".gz";

impl Runtime {
    /// Rotates the log of every running container that needs it; returns how many rotated.
    pub async fn rotate_logs(&self, policy: LogPolicy) -> usize {
        let mut rotated = 0;
        for uid in self.list_sandboxes() {
            for id in self.list_containers(&uid) {
                let Ok(status) = self.container_status(&uid, &id).await else {
                    continue;
                };
                if !matches!(status.state, ContainerState::Running { .. }) {
                    continue;
                }
                let ctl = self.container_dir(&uid, &id).join("bundle/ctl");
                let log = status.log_path.clone();
                let r =
                    tokio::task::spawn_blocking(move || rotate_if_needed(&log, &ctl, policy)).await;
                match r {
                    Ok(Ok(true)) => rotated += 1,
                    Ok(Ok(false)) => {}
                    Ok(Err(e)) => {
                        tracing::warn!(container = %id, error = %e, "log rotation failed")
                    }
                    Err(e) => tracing::warn!(container = %id, error = %e, "log rotation failed"),
                }
            }
        }
        rotated
    }
}

/// Rotated files of `log`, oldest first (their timestamp suffixes sort by time).
pub fn rotated_files(log: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (log.parent(), log.file_name().and_then(|n| n.to_str())) else {
        return Vec::new();
    };
    let prefix = format!("{name}.");
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n = e.file_name().into_string().ok()?;
            let rest = n.strip_prefix(&prefix)?;
            let stamp = rest.strip_suffix(GZ).unwrap_or(rest);
            is_stamp(stamp).then(|| e.path())
        })
        .collect();
    out.sort_by_key(|p| stamp_of(p));
    out
}

fn stamp_of(p: &Path) -> String {
    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let n = n.strip_suffix(GZ).unwrap_or(n);
    n.rsplit('.').next().unwrap_or("").to_string()
}

/// `YYYYMMDD-HHMMSS`.
fn is_stamp(s: &str) -> bool {
    s.len() == 15
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 8 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// Now as `YYYYMMDD-HHMMSS` (UTC), cut from the runtime's RFC 3339 clock.
fn stamp_now() -> String {
    let rfc = crate::runtime::now_rfc3339_nanos(); // 2026-11-22T10:15:00.123456789Z
    let date: String = rfc.get(..10).unwrap_or("").replace('-', "");
    let time: String = rfc.get(11..19).unwrap_or("").replace(':', "");
    format!("{date}-{time}")
}

/// Rotates `log` if it is over the limit. `ctl` is conmon's control FIFO. Returns whether it
/// rotated.
pub fn rotate_if_needed(log: &Path, ctl: &Path, policy: LogPolicy) -> io::Result<bool> {
    let size = match fs::metadata(log) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    if size < policy.max_size {
        return Ok(false);
    }
    let mut rotated = rotated_files(log);
    // Room for the file about to be rotated: keep max_files - 2 old ones (+ it + the live log).
    let keep = policy.max_files.saturating_sub(2);
    while rotated.len() > keep {
        fs::remove_file(rotated.remove(0))?;
    }
    // Everything already rotated is older than what is about to be; compress it.
    for f in &rotated {
        if f.extension().and_then(|e| e.to_str()) != Some("gz") {
            compress(f)?;
        }
    }
    let mut target = log.as_os_str().to_owned();
    target.push(format!(".{}", stamp_now()));
    let target = PathBuf::from(target);
    if target.exists() {
        // Rotated twice within a second: the next check will do it.
        return Ok(false);
    }
    fs::rename(log, &target)?;
    if let Err(e) = reopen(ctl) {
        // conmon still writes to the renamed file; put it back, as the kubelet does.
        let _ = fs::rename(&target, log);
        return Err(io::Error::new(
            e.kind(),
            format!("asking conmon to reopen {}: {e}", log.display()),
        ));
    }
    Ok(true)
}

fn reopen(ctl: &Path) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(ctl)?;
    f.write_all(REOPEN_LOGS_EVENT.as_bytes())
}

/// `f` → `f.gz`, atomically (temp file, fsync, rename), then removes `f`.
fn compress(f: &Path) -> io::Result<()> {
    let mut gz = f.as_os_str().to_owned();
    gz.push(GZ);
    let gz = PathBuf::from(gz);
    let mut tmp = gz.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        let mut input = fs::File::open(f)?;
        let out = fs::File::create(&tmp)?;
        let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        io::copy(&mut input, &mut enc)?;
        enc.finish()?.sync_all()?;
    }
    fs::rename(&tmp, &gz)?;
    fs::remove_file(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn stamps() {
        assert!(is_stamp("20261122-101500"));
        assert!(!is_stamp("2026112-101500"));
        assert!(is_stamp(&stamp_now()));
    }

    #[test]
    fn rotates_compresses_and_keeps_max_files() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("0.log");
        // A FIFO with a reader stands in for conmon's control FIFO.
        let ctl = dir.path().join("ctl");
        nix::unistd::mkfifo(&ctl, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let reader = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&ctl)
            .unwrap();
        let policy = LogPolicy {
            max_size: 10,
            max_files: 3,
        };
        fs::write(&log, "short").unwrap();
        assert!(!rotate_if_needed(&log, &ctl, policy).unwrap());
        // Old rotated files from earlier rotations.
        for stamp in ["20260101-000000", "20260102-000000"] {
            fs::write(dir.path().join(format!("0.log.{stamp}")), stamp).unwrap();
        }
        fs::write(&log, "more than ten bytes").unwrap();
        assert!(rotate_if_needed(&log, &ctl, policy).unwrap());
        let files = rotated_files(&log);
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert_eq!(names[0], "0.log.20260102-000000.gz");
        assert!(!names[1].ends_with(".gz"));
        assert_eq!(
            fs::read_to_string(&files[1]).unwrap(),
            "more than ten bytes"
        );
        let mut gz = String::new();
        flate2::read::GzDecoder::new(fs::File::open(&files[0]).unwrap())
            .read_to_string(&mut gz)
            .unwrap();
        assert_eq!(gz, "20260102-000000");
        assert!(!log.exists());
        let mut msg = String::new();
        (&reader).read_to_string(&mut msg).unwrap();
        assert_eq!(msg, REOPEN_LOGS_EVENT);
    }

    #[test]
    fn a_failed_reopen_puts_the_log_back() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("0.log");
        fs::write(&log, "more than ten bytes").unwrap();
        let policy = LogPolicy {
            max_size: 10,
            max_files: 5,
        };
        assert!(rotate_if_needed(&log, &dir.path().join("no-ctl"), policy).is_err());
        assert_eq!(fs::read_to_string(&log).unwrap(), "more than ten bytes");
        assert!(rotated_files(&log).is_empty());
    }
}
