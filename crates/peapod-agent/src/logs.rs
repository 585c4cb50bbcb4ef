//! Container logs for the API's pods/log: reads the CRI-format files conmon writes
//! (`<RFC3339Nano> <stream> <P|F> <text>`), joining partial lines, with every option kubectl
//! uses (previous, timestamps, tailLines, sinceSeconds/sinceTime, limitBytes, follow).

use bytes::Bytes;
use peapod_api::error::ApiError;
use peapod_api::meta::parse_time;
use peapod_apiserver::logs::{LogFuture, LogOptions, LogSource};
use peapod_runtime::{ContainerState, Runtime};
use serde_json::Value;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

pub struct NodeLogs {
    pub runtime: Arc<Runtime>,
}

/// One log record: its timestamp and the text as the container wrote it (newline-terminated
/// unless it was a partial line).
#[derive(Debug, PartialEq, Eq)]
struct Record {
    time: String,
    text: String,
}

/// Parses CRI log content into records, joining `P` (partial) fragments with what follows.
fn parse(content: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut pending: Option<Record> = None;
    for line in content.lines() {
        let mut parts = line.splitn(4, ' ');
        let (Some(time), Some(_stream), Some(tag)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let text = parts.next().unwrap_or("");
        let rec = pending.get_or_insert_with(|| Record {
            time: time.to_string(),
            text: String::new(),
        });
        rec.text.push_str(text);
        if tag != "P" {
            rec.text.push('\n');
            if let Some(r) = pending.take() {
                out.push(r);
            }
        }
    }
    if let Some(r) = pending {
        out.push(r);
    }
    out
}

fn render(records: &[Record], opts: &LogOptions) -> String {
    let mut s = String::new();
    for r in records {
        if opts.timestamps {
            s.push_str(&r.time);
            s.push(' ');
        }
        s.push_str(&r.text);
    }
    s
}

/// Applies sinceSeconds/sinceTime and tailLines.
fn select<'a>(records: &'a [Record], opts: &LogOptions, now: i64) -> &'a [Record] {
    let since = opts
        .since_seconds
        .map(|s| now - s)
        .or_else(|| opts.since_time.as_deref().and_then(parse_time));
    let start = match since {
        Some(t) => records
            .iter()
            .position(|r| parse_time(&r.time).is_some_and(|rt| rt >= t))
            .unwrap_or(records.len()),
        None => 0,
    };
    let records = &records[start..];
    match opts.tail_lines {
        Some(n) if n >= 0 && (n as usize) < records.len() => &records[records.len() - n as usize..],
        _ => records,
    }
}

impl NodeLogs {
    /// The log file of the current (or previous) instance of a container, and its id.
    fn log_file(&self, uid: &str, container: &str, previous: bool) -> Option<(PathBuf, u32)> {
        let dir = self.runtime.pod_dir(uid).join("logs").join(container);
        let mut attempts: Vec<u32> = std::fs::read_dir(&dir)
            .ok()?
            .filter_map(|e| {
                e.ok()?
                    .file_name()
                    .to_str()?
                    .strip_suffix(".log")?
                    .parse()
                    .ok()
            })
            .collect();
        attempts.sort_unstable();
        let attempt = if previous {
            attempts.iter().rev().nth(1).copied()?
        } else {
            *attempts.last()?
        };
        Some((dir.join(format!("{attempt}.log")), attempt))
    }
}

impl LogSource for NodeLogs {
    fn stream(&self, pod: &Value, container: &str, opts: &LogOptions) -> LogFuture {
        let uid = peapod_api::meta::uid(pod).unwrap_or_default().to_string();
        let found = self.log_file(&uid, container, opts.previous);
        let runtime = self.runtime.clone();
        let opts = opts.clone();
        let container = container.to_string();
        let pod_name = peapod_api::meta::name(pod).to_string();
        Box::pin(async move {
            let Some((path, attempt)) = found else {
                return Err(ApiError::BadRequest(if opts.previous {
                    format!("previous terminated container \"{container}\" in pod \"{pod_name}\" not found")
                } else {
                    format!("container \"{container}\" in pod \"{pod_name}\" is waiting to start: ContainerCreating")
                }));
            };
            let inode = tokio::fs::metadata(&path).await.map(|m| m.ino()).ok();
            let content = tokio::fs::read_to_string(&path).await.unwrap_or_default();
            let now = peapod_apiserver::registry::now_secs();
            let records = parse(&content);
            let mut text = render(select(&records, &opts, now), &opts);
            let mut budget = opts.limit_bytes.map(|l| l.max(0) as usize);
            if let Some(b) = budget {
                text.truncate(b.min(text.len()));
                budget = Some(b - text.len());
            }
            let (tx, rx) = tokio::sync::mpsc::channel(64);
            let mut offset = content.len() as u64;
            tokio::spawn(async move {
                if !text.is_empty() && tx.send(Bytes::from(text)).await.is_err() {
                    return;
                }
                if !opts.follow || opts.previous || budget == Some(0) {
                    return;
                }
                let id = peapod_runtime::container::container_id(&uid, &container, attempt);
                let mut partial = String::new();
                let mut inode = inode;
                loop {
                    let exited = !matches!(
                        runtime.container_status(&uid, &id).await.map(|s| s.state),
                        Ok(ContainerState::Running { .. }) | Ok(ContainerState::Created)
                    );
                    let mut chunk = String::new();
                    if let Ok(mut f) = tokio::fs::File::open(&path).await {
                        // A rotated log is a new file: start it from its beginning.
                        let ino = f.metadata().await.map(|m| m.ino()).ok();
                        if ino != inode {
                            if inode.is_some() {
                                offset = 0;
                            }
                            inode = ino;
                        }
                        if f.seek(std::io::SeekFrom::Start(offset)).await.is_ok() {
                            let _ = f.read_to_string(&mut chunk).await;
                        }
                    }
                    // Only whole CRI lines are parsed; a line still being written waits.
                    partial.push_str(&chunk);
                    offset += chunk.len() as u64;
                    let cut = partial.rfind('\n').map(|i| i + 1).unwrap_or(0);
                    let complete: String = partial.drain(..cut).collect();
                    if !complete.is_empty() {
                        let mut out = render(
                            &parse(&complete),
                            &LogOptions {
                                timestamps: opts.timestamps,
                                ..Default::default()
                            },
                        );
                        if let Some(b) = budget.as_mut() {
                            out.truncate((*b).min(out.len()));
                            *b -= out.len();
                        }
                        if tx.send(Bytes::from(out)).await.is_err() || budget == Some(0) {
                            return;
                        }
                    }
                    if exited && chunk.is_empty() {
                        return;
                    }
                    tokio::select! {
                        _ = tx.closed() => return,
                        _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                    }
                }
            });
            Ok(rx)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "2026-11-22T08:00:00.000000001Z stdout F one\n2026-11-22T08:00:01.5Z stderr P par\n2026-11-22T08:00:01.6Z stderr F tial\n2026-11-22T08:00:05Z stdout F three\n";

    #[test]
    fn parses_and_joins_partial_lines() {
        let r = parse(LOG);
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].text, "partial\n");
        assert_eq!(render(&r, &LogOptions::default()), "one\npartial\nthree\n");
        let ts = render(
            &r[..1],
            &LogOptions {
                timestamps: true,
                ..Default::default()
            },
        );
        assert_eq!(ts, "2026-11-22T08:00:00.000000001Z one\n");
    }

    #[test]
    fn tail_and_since() {
        let r = parse(LOG);
        let tail = LogOptions {
            tail_lines: Some(1),
            ..Default::default()
        };
        assert_eq!(render(select(&r, &tail, 0), &tail), "three\n");
        let since = LogOptions {
            since_time: Some("2026-11-22T08:00:01Z".into()),
            ..Default::default()
        };
        assert_eq!(render(select(&r, &since, 0), &since), "partial\nthree\n");
    }
}
