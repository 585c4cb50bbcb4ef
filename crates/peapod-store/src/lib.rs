//! The revisioned object store, in etcd's model: every write gets the next value of one global
//! revision counter, which the API server exposes as `resourceVersion`; objects can be listed at
//! the current revision and watched from any revision still in the event history.
//!
//! `Store` is the seam for backends: the embedded, durable `EmbeddedStore` (redb) is the default;
//! an etcd backend can implement the same trait. `conformance` is the suite every backend passes.

pub mod conformance;
mod embedded;

pub use embedded::{EmbeddedStore, Options};

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// One stored object with its revisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub value: Arc<[u8]>,
    /// Revision of the write that created the key.
    pub create_revision: u64,
    /// Revision of the last write to the key (for a delete event: the delete's revision).
    pub mod_revision: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Created,
    Modified,
    Deleted,
}

/// A change, as delivered to watchers in revision order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    /// The new value; for `Deleted`, the last value, with `mod_revision` = the delete's revision.
    pub kv: KeyValue,
    /// The value before this change (live events only; history replays carry None).
    pub prev: Option<KeyValue>,
}

impl Event {
    pub fn revision(&self) -> u64 {
        self.kv.mod_revision
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("key {0:?} not found")]
    NotFound(String),
    #[error("key {0:?} already exists")]
    AlreadyExists(String),
    #[error("key {key:?} was modified at revision {actual}, not {expected}")]
    Conflict {
        key: String,
        expected: u64,
        actual: u64,
    },
    #[error("revision {requested} has been compacted (oldest available {compacted})")]
    Compacted { requested: u64, compacted: u64 },
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A list result: the objects under a prefix and the revision they were read at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListResult {
    pub items: Vec<KeyValue>,
    pub revision: u64,
}

/// The receiving end of a watch: events in revision order. `Err` ends the watch (the watcher fell
/// too far behind, or history was compacted); the client then lists and watches again.
pub type WatchReceiver = tokio::sync::mpsc::Receiver<StoreResult<Arc<Event>>>;

/// A revisioned key-value store. Keys are resource paths like `/registry/core/pods/ns/name`.
pub trait Store: Send + Sync + 'static {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<Option<KeyValue>>>;

    /// Every key starting with `prefix` whose key is greater than `start_after` (for paging), in
    /// key order, at most `limit` items (0 = no limit), read at one consistent revision.
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        start_after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, StoreResult<ListResult>>;

    /// Creates a key; fails with AlreadyExists.
    fn create<'a>(&'a self, key: &'a str, value: Vec<u8>) -> BoxFuture<'a, StoreResult<KeyValue>>;

    /// Replaces a key's value. With `expected_revision`, fails with Conflict unless the key's
    /// mod_revision equals it. Fails with NotFound if the key does not exist.
    fn update<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        expected_revision: Option<u64>,
    ) -> BoxFuture<'a, StoreResult<KeyValue>>;

    /// Deletes a key, returning its last value with `mod_revision` = the delete's revision.
    fn delete<'a>(
        &'a self,
        key: &'a str,
        expected_revision: Option<u64>,
    ) -> BoxFuture<'a, StoreResult<KeyValue>>;

    /// Events for keys under `prefix` with revision > `after_revision`.
    fn watch<'a>(
        &'a self,
        prefix: &'a str,
        after_revision: u64,
    ) -> BoxFuture<'a, StoreResult<WatchReceiver>>;

    /// The revision of the latest committed write.
    fn current_revision(&self) -> u64;

    /// Drops event history up to and including `revision`.
    fn compact<'a>(&'a self, revision: u64) -> BoxFuture<'a, StoreResult<()>>;
}
