//! The embedded backend: redb (pure Rust, ACID, MVCC readers) on one file, with group commit.
//!
//! Writes go to one writer thread that takes every request waiting in its queue, applies them in a
//! single transaction (each op still gets its own revision and its own precondition check) and
//! commits once with fsync, so a write is acknowledged only after it is durable, while many
//! concurrent writers share one fsync. Reads never wait for the writer: each uses a redb read
//! transaction (a snapshot). Committed events go to watchers through a broadcast channel; the
//! `log` table keeps recent history so a watch can resume from an older revision.

use crate::{
    BoxFuture, Event, EventKind, KeyValue, ListResult, Store, StoreError, StoreResult,
    WatchReceiver,
};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, oneshot};

/// key → [create_rev u64 LE][mod_rev u64 LE][value bytes]
const KV: TableDefinition<&str, &[u8]> = TableDefinition::new("kv");
/// revision → [kind u8][create_rev u64 LE][key len u32 LE][key][value]
const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");
/// "revision", "compacted"
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Most ops folded into one commit.
const MAX_BATCH: usize = 512;
/// Events a slow watcher may fall behind before its watch is ended.
const BROADCAST_CAPACITY: usize = 8192;
const WATCH_CHANNEL: usize = 1024;

#[derive(Debug, Clone)]
pub struct Options {
    /// Revisions of event history kept for watch resumption before automatic compaction.
    pub history_revisions: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            history_revisions: 100_000,
        }
    }
}

enum Op {
    Create {
        key: String,
        value: Vec<u8>,
    },
    Update {
        key: String,
        value: Vec<u8>,
        expected: Option<u64>,
    },
    Delete {
        key: String,
        expected: Option<u64>,
    },
    Compact {
        revision: u64,
    },
}

struct Request {
    op: Op,
    reply: oneshot::Sender<StoreResult<Option<KeyValue>>>,
}

pub struct EmbeddedStore {
    db: Arc<Database>,
    writer: mpsc::Sender<Request>,
    events: broadcast::Sender<Arc<Event>>,
    revision: Arc<AtomicU64>,
    compacted: Arc<AtomicU64>,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn encode_kv(create: u64, modr: u64, value: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(16 + value.len());
    b.extend_from_slice(&create.to_le_bytes());
    b.extend_from_slice(&modr.to_le_bytes());
    b.extend_from_slice(value);
    b
}

fn read_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

fn decode_kv(key: &str, b: &[u8]) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        create_revision: read_u64(b, 0),
        mod_revision: read_u64(b, 8),
        value: Arc::from(b.get(16..).unwrap_or_default()),
    }
}

fn encode_log(kind: EventKind, kv: &KeyValue) -> Vec<u8> {
    let k = match kind {
        EventKind::Created => 0u8,
        EventKind::Modified => 1,
        EventKind::Deleted => 2,
    };
    let mut b = Vec::with_capacity(13 + kv.key.len() + kv.value.len());
    b.push(k);
    b.extend_from_slice(&kv.create_revision.to_le_bytes());
    b.extend_from_slice(&(kv.key.len() as u32).to_le_bytes());
    b.extend_from_slice(kv.key.as_bytes());
    b.extend_from_slice(&kv.value);
    b
}

fn decode_log(revision: u64, b: &[u8]) -> Option<Event> {
    let kind = match *b.first()? {
        0 => EventKind::Created,
        1 => EventKind::Modified,
        _ => EventKind::Deleted,
    };
    let create_revision = read_u64(b, 1);
    let klen = u32::from_le_bytes(b.get(9..13)?.try_into().ok()?) as usize;
    let key = std::str::from_utf8(b.get(13..13 + klen)?).ok()?.to_string();
    let value = Arc::from(b.get(13 + klen..)?);
    Some(Event {
        kind,
        kv: KeyValue {
            key,
            value,
            create_revision,
            mod_revision: revision,
        },
        prev: None,
    })
}

impl EmbeddedStore {
    /// Opens (or creates) the store file. Must be called inside a tokio runtime.
    pub fn open(path: &Path, options: Options) -> StoreResult<Self> {
        let db = Database::builder()
            .set_cache_size(64 << 20)
            .create(path)
            .map_err(unavailable)?;
        let (revision, compacted) = {
            let txn = db.begin_write().map_err(unavailable)?;
            let rev;
            let comp;
            {
                txn.open_table(KV).map_err(unavailable)?;
                txn.open_table(LOG).map_err(unavailable)?;
                let meta = txn.open_table(META).map_err(unavailable)?;
                rev = meta
                    .get("revision")
                    .map_err(unavailable)?
                    .map(|g| g.value())
                    .unwrap_or(0);
                comp = meta
                    .get("compacted")
                    .map_err(unavailable)?
                    .map(|g| g.value())
                    .unwrap_or(0);
            }
            txn.commit().map_err(unavailable)?;
            (rev, comp)
        };
        let db = Arc::new(db);
        let (writer, rx) = mpsc::channel(4096);
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        let revision = Arc::new(AtomicU64::new(revision));
        let compacted = Arc::new(AtomicU64::new(compacted));
        let w = Writer {
            db: db.clone(),
            events: events.clone(),
            revision: revision.clone(),
            compacted: compacted.clone(),
            history: options.history_revisions.max(1),
        };
        // The writer thread ends when every sender (the store) is dropped.
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || w.run(rx))
            .map_err(unavailable)?;
        Ok(EmbeddedStore {
            db,
            writer,
            events,
            revision,
            compacted,
        })
    }

    async fn submit(&self, op: Op) -> StoreResult<Option<KeyValue>> {
        let (reply, rx) = oneshot::channel();
        self.writer
            .send(Request { op, reply })
            .await
            .map_err(|_| StoreError::Unavailable("store writer stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("store writer stopped".into()))?
    }

    fn read_get(&self, key: &str) -> StoreResult<Option<KeyValue>> {
        let txn = self.db.begin_read().map_err(unavailable)?;
        let t = txn.open_table(KV).map_err(unavailable)?;
        Ok(t.get(key)
            .map_err(unavailable)?
            .map(|g| decode_kv(key, g.value())))
    }

    fn read_list(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        limit: usize,
    ) -> StoreResult<ListResult> {
        let txn = self.db.begin_read().map_err(unavailable)?;
        let meta = txn.open_table(META).map_err(unavailable)?;
        let revision = meta
            .get("revision")
            .map_err(unavailable)?
            .map(|g| g.value())
            .unwrap_or(0);
        let t = txn.open_table(KV).map_err(unavailable)?;
        let mut items = Vec::new();
        let start = match start_after {
            Some(s) if s >= prefix => s,
            _ => prefix,
        };
        for entry in t.range(start..).map_err(unavailable)? {
            let (k, v) = entry.map_err(unavailable)?;
            let key = k.value();
            if !key.starts_with(prefix) {
                break;
            }
            if Some(key) == start_after {
                continue;
            }
            items.push(decode_kv(key, v.value()));
            if limit > 0 && items.len() >= limit {
                break;
            }
        }
        Ok(ListResult { items, revision })
    }

    fn read_history(&self, prefix: &str, after: u64) -> StoreResult<Vec<Event>> {
        let txn = self.db.begin_read().map_err(unavailable)?;
        let t = txn.open_table(LOG).map_err(unavailable)?;
        let mut out = Vec::new();
        for entry in t.range(after + 1..).map_err(unavailable)? {
            let (k, v) = entry.map_err(unavailable)?;
            if let Some(ev) = decode_log(k.value(), v.value()) {
                if ev.kv.key.starts_with(prefix) {
                    out.push(ev);
                }
            }
        }
        Ok(out)
    }
}

impl Store for EmbeddedStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<Option<KeyValue>>> {
        Box::pin(async move { self.read_get(key) })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        start_after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, StoreResult<ListResult>> {
        Box::pin(async move { self.read_list(prefix, start_after, limit) })
    }

    fn create<'a>(&'a self, key: &'a str, value: Vec<u8>) -> BoxFuture<'a, StoreResult<KeyValue>> {
        Box::pin(async move {
            self.submit(Op::Create {
                key: key.to_string(),
                value,
            })
            .await?
            .ok_or_else(|| StoreError::Unavailable("no result".into()))
        })
    }

    fn update<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        expected: Option<u64>,
    ) -> BoxFuture<'a, StoreResult<KeyValue>> {
        Box::pin(async move {
            self.submit(Op::Update {
                key: key.to_string(),
                value,
                expected,
            })
            .await?
            .ok_or_else(|| StoreError::Unavailable("no result".into()))
        })
    }

    fn delete<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
    ) -> BoxFuture<'a, StoreResult<KeyValue>> {
        Box::pin(async move {
            self.submit(Op::Delete {
                key: key.to_string(),
                expected,
            })
            .await?
            .ok_or_else(|| StoreError::Unavailable("no result".into()))
        })
    }

    fn watch<'a>(
        &'a self,
        prefix: &'a str,
        after: u64,
    ) -> BoxFuture<'a, StoreResult<WatchReceiver>> {
        Box::pin(async move {
            // Subscribe before reading history so nothing committed in between is missed;
            // duplicates are dropped by revision below.
            let mut live = self.events.subscribe();
            let compacted = self.compacted.load(Ordering::Acquire);
            if after < compacted {
                return Err(StoreError::Compacted {
                    requested: after,
                    compacted,
                });
            }
            let history = if after < self.revision.load(Ordering::Acquire) {
                self.read_history(prefix, after)?
            } else {
                Vec::new()
            };
            let (tx, rx) = mpsc::channel(WATCH_CHANNEL);
            let prefix = prefix.to_string();
            tokio::spawn(async move {
                let mut last = after;
                for ev in history {
                    last = ev.revision();
                    if tx.send(Ok(Arc::new(ev))).await.is_err() {
                        return;
                    }
                }
                loop {
                    tokio::select! {
                        _ = tx.closed() => return,
                        ev = live.recv() => match ev {
                            Ok(ev) => {
                                if ev.revision() <= last || !ev.kv.key.starts_with(&prefix) {
                                    continue;
                                }
                                last = ev.revision();
                                if tx.send(Ok(ev)).await.is_err() {
                                    return;
                                }
                            }
                            Err(broadcast::error::RecvError::Lagged(_)) => {
                                let _ = tx.send(Err(StoreError::Unavailable("watcher fell too far behind".into()))).await;
                                return;
                            }
                            Err(broadcast::error::RecvError::Closed) => return,
                        },
                    }
                }
            });
            Ok(rx)
        })
    }

    fn current_revision(&self) -> u64 {
        self.revision.load(Ordering::Acquire)
    }

    fn compact<'a>(&'a self, revision: u64) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move { self.submit(Op::Compact { revision }).await.map(|_| ()) })
    }
}

/// The single writer: owns the write side of the database.
struct Writer {
    db: Arc<Database>,
    events: broadcast::Sender<Arc<Event>>,
    revision: Arc<AtomicU64>,
    compacted: Arc<AtomicU64>,
    history: u64,
}

type Outcome = (
    oneshot::Sender<StoreResult<Option<KeyValue>>>,
    StoreResult<Option<KeyValue>>,
    Option<Event>,
);

impl Writer {
    fn run(self, mut rx: mpsc::Receiver<Request>) {
        while let Some(first) = rx.blocking_recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(r) => batch.push(r),
                    Err(_) => break,
                }
            }
            self.commit_batch(batch);
        }
    }

    fn commit_batch(&self, batch: Vec<Request>) {
        let start_rev = self.revision.load(Ordering::Acquire);
        let mut compact_to = None;
        let result = (|| -> Result<(Vec<Outcome>, u64), redb::Error> {
            let txn = self.db.begin_write()?;
            let mut outcomes = Vec::with_capacity(batch.len());
            let mut rev = start_rev;
            {
                let mut kv = txn.open_table(KV)?;
                let mut log = txn.open_table(LOG)?;
                for req in batch {
                    let (res, ev) = match req.op {
                        Op::Compact { revision } => {
                            compact_to = Some(revision.min(rev));
                            (Ok(None), None)
                        }
                        op => {
                            let (res, ev) = apply(&mut kv, op, rev + 1)?;
                            if let Some(ev) = &ev {
                                rev += 1;
                                log.insert(rev, encode_log(ev.kind, &ev.kv).as_slice())?;
                            }
                            (res, ev)
                        }
                    };
                    outcomes.push((req.reply, res, ev));
                }
                let compacted = self.compacted.load(Ordering::Acquire);
                let auto = rev.saturating_sub(self.history);
                let target = compact_to
                    .unwrap_or(0)
                    .max(if auto > compacted + self.history / 10 {
                        auto
                    } else {
                        0
                    });
                if target > compacted {
                    log.retain_in(..=target, |_, _| false)?;
                    compact_to = Some(target);
                } else {
                    compact_to = None;
                }
                let mut meta = txn.open_table(META)?;
                meta.insert("revision", rev)?;
                if let Some(c) = compact_to {
                    meta.insert("compacted", c)?;
                }
            }
            txn.commit()?;
            Ok((outcomes, rev))
        })();
        match result {
            Ok((outcomes, rev)) => {
                self.revision.store(rev, Ordering::Release);
                if let Some(c) = compact_to {
                    self.compacted.store(c, Ordering::Release);
                }
                for (reply, res, ev) in outcomes {
                    if let Some(ev) = ev {
                        // No receivers is fine: nobody is watching.
                        let _ = self.events.send(Arc::new(ev));
                    }
                    let _ = reply.send(res);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "store commit failed");
                // Nothing was committed: every op in the batch fails. (The replies were moved into
                // the closure's outcomes, which are dropped with it; receivers see a closed channel.)
            }
        }
    }
}

type KvTable<'t> = redb::Table<'t, &'static str, &'static [u8]>;

/// Applies one op at revision `rev` to the kv table, returning the caller's result and the event
/// (None when the op failed its precondition and changed nothing).
fn apply(
    kv: &mut KvTable<'_>,
    op: Op,
    rev: u64,
) -> Result<(StoreResult<Option<KeyValue>>, Option<Event>), redb::Error> {
    let (key, current) = match &op {
        Op::Create { key, .. } | Op::Update { key, .. } | Op::Delete { key, .. } => {
            let cur = kv.get(key.as_str())?.map(|g| decode_kv(key, g.value()));
            (key.clone(), cur)
        }
        Op::Compact { .. } => return Ok((Ok(None), None)),
    };
    let check = |expected: Option<u64>, cur: &KeyValue| match expected {
        Some(e) if e != cur.mod_revision => Err(StoreError::Conflict {
            key: key.clone(),
            expected: e,
            actual: cur.mod_revision,
        }),
        _ => Ok(()),
    };
    match op {
        Op::Create { value, .. } => {
            if current.is_some() {
                return Ok((Err(StoreError::AlreadyExists(key)), None));
            }
            kv.insert(key.as_str(), encode_kv(rev, rev, &value).as_slice())?;
            let new = KeyValue {
                key,
                value: Arc::from(value),
                create_revision: rev,
                mod_revision: rev,
            };
            Ok((
                Ok(Some(new.clone())),
                Some(Event {
                    kind: EventKind::Created,
                    kv: new,
                    prev: None,
                }),
            ))
        }
        Op::Update {
            value, expected, ..
        } => {
            let Some(cur) = current else {
                return Ok((Err(StoreError::NotFound(key)), None));
            };
            if let Err(e) = check(expected, &cur) {
                return Ok((Err(e), None));
            }
            kv.insert(
                key.as_str(),
                encode_kv(cur.create_revision, rev, &value).as_slice(),
            )?;
            let new = KeyValue {
                key,
                value: Arc::from(value),
                create_revision: cur.create_revision,
                mod_revision: rev,
            };
            Ok((
                Ok(Some(new.clone())),
                Some(Event {
                    kind: EventKind::Modified,
                    kv: new,
                    prev: Some(cur),
                }),
            ))
        }
        Op::Delete { expected, .. } => {
            let Some(cur) = current else {
                return Ok((Err(StoreError::NotFound(key)), None));
            };
            if let Err(e) = check(expected, &cur) {
                return Ok((Err(e), None));
            }
            kv.remove(key.as_str())?;
            let gone = KeyValue {
                mod_revision: rev,
                ..cur.clone()
            };
            Ok((
                Ok(Some(gone.clone())),
                Some(Event {
                    kind: EventKind::Deleted,
                    kv: gone,
                    prev: Some(cur),
                }),
            ))
        }
        Op::Compact { .. } => Ok((Ok(None), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn embedded_store_passes_conformance() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(
            &dir.path().join("db"),
            Options {
                history_revisions: 1000,
            },
        )
        .unwrap();
        crate::conformance::run_all(&store).await;
    }

    #[tokio::test]
    async fn data_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let store = EmbeddedStore::open(&path, Options::default()).unwrap();
            store.create("/a", b"1".to_vec()).await.unwrap();
            store.update("/a", b"2".to_vec(), None).await.unwrap();
        }
        // The writer thread exits once the store is dropped; give it a moment to release the file.
        let mut reopened = None;
        for _ in 0..50 {
            match EmbeddedStore::open(&path, Options::default()) {
                Ok(s) => {
                    reopened = Some(s);
                    break;
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
        let store = reopened.expect("reopen");
        let kv = store.get("/a").await.unwrap().unwrap();
        assert_eq!(&*kv.value, b"2");
        assert_eq!(store.current_revision(), 2);
    }

    #[tokio::test]
    async fn history_is_compacted_automatically() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(
            &dir.path().join("db"),
            Options {
                history_revisions: 10,
            },
        )
        .unwrap();
        for i in 0..40 {
            store.create(&format!("/k/{i}"), vec![]).await.unwrap();
        }
        assert!(matches!(
            store.watch("/k/", 1).await,
            Err(StoreError::Compacted { .. })
        ));
        assert!(store.watch("/k/", 35).await.is_ok());
    }
}
