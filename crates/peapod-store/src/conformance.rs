//! The behaviour every `Store` backend must show (kine's idea: one suite, every backend).
//! Call `run_all` on a fresh, empty store.

use crate::{EventKind, Store, StoreError};
use std::time::Duration;

async fn next_event(rx: &mut crate::WatchReceiver) -> std::sync::Arc<crate::Event> {
    match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
        Ok(Some(Ok(ev))) => ev,
        other => panic!("expected a watch event, got {other:?}"),
    }
}

/// Runs every conformance check; panics with a description on the first failure.
pub async fn run_all<S: Store>(store: &S) {
    revisions_increase(store).await;
    preconditions(store).await;
    list_and_paging(store).await;
    watch_from_revision(store).await;
    concurrent_writes(store).await;
}

async fn revisions_increase<S: Store>(s: &S) {
    let r0 = s.current_revision();
    let a = s.create("/t/rev/a", b"1".to_vec()).await.unwrap();
    assert_eq!(a.create_revision, r0 + 1);
    assert_eq!(a.mod_revision, r0 + 1);
    let a2 = s.update("/t/rev/a", b"2".to_vec(), None).await.unwrap();
    assert_eq!(a2.create_revision, a.create_revision);
    assert_eq!(a2.mod_revision, r0 + 2);
    let got = s.get("/t/rev/a").await.unwrap().unwrap();
    assert_eq!(got, a2);
    let d = s.delete("/t/rev/a", None).await.unwrap();
    assert_eq!(d.mod_revision, r0 + 3);
    assert_eq!(&*d.value, b"2");
    assert_eq!(s.get("/t/rev/a").await.unwrap(), None);
    assert_eq!(s.current_revision(), r0 + 3);
}

async fn preconditions<S: Store>(s: &S) {
    let a = s.create("/t/pre/a", b"1".to_vec()).await.unwrap();
    assert_eq!(
        s.create("/t/pre/a", b"x".to_vec()).await,
        Err(StoreError::AlreadyExists("/t/pre/a".into()))
    );
    let stale = a.mod_revision;
    s.update("/t/pre/a", b"2".to_vec(), Some(stale))
        .await
        .unwrap();
    assert!(matches!(
        s.update("/t/pre/a", b"3".to_vec(), Some(stale)).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        s.delete("/t/pre/a", Some(stale)).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(&*s.get("/t/pre/a").await.unwrap().unwrap().value, b"2");
    assert!(matches!(
        s.update("/t/pre/none", vec![], None).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.delete("/t/pre/none", None).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn list_and_paging<S: Store>(s: &S) {
    for n in ["b", "a", "c"] {
        s.create(&format!("/t/list/{n}"), n.as_bytes().to_vec())
            .await
            .unwrap();
    }
    s.create("/t/listx", vec![]).await.unwrap();
    let all = s.list("/t/list/", None, 0).await.unwrap();
    let keys: Vec<_> = all.items.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(keys, ["/t/list/a", "/t/list/b", "/t/list/c"]);
    assert_eq!(all.revision, s.current_revision());
    let page = s.list("/t/list/", None, 2).await.unwrap();
    assert_eq!(page.items.len(), 2);
    let rest = s.list("/t/list/", Some("/t/list/b"), 2).await.unwrap();
    let keys: Vec<_> = rest.items.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(keys, ["/t/list/c"]);
}

async fn watch_from_revision<S: Store>(s: &S) {
    let start = s.current_revision();
    s.create("/t/w/a", b"1".to_vec()).await.unwrap();
    s.create("/t/other", b"x".to_vec()).await.unwrap();
    // Resume from history: the create above is replayed.
    let mut rx = s.watch("/t/w/", start).await.unwrap();
    let ev = next_event(&mut rx).await;
    assert_eq!(
        (ev.kind, ev.kv.key.as_str()),
        (EventKind::Created, "/t/w/a")
    );
    // Live events follow, in order, filtered by prefix.
    s.update("/t/w/a", b"2".to_vec(), None).await.unwrap();
    s.create("/t/other2", vec![]).await.unwrap();
    s.delete("/t/w/a", None).await.unwrap();
    let ev = next_event(&mut rx).await;
    assert_eq!((ev.kind, &*ev.kv.value), (EventKind::Modified, &b"2"[..]));
    assert_eq!(ev.prev.as_ref().map(|p| &*p.value), Some(&b"1"[..]));
    let ev = next_event(&mut rx).await;
    assert_eq!(ev.kind, EventKind::Deleted);
    assert_eq!(ev.revision(), s.current_revision());
}

async fn concurrent_writes<S: Store>(s: &S) {
    let before = s.current_revision();
    let writes = (0..64).map(|i| s.create_owned(format!("/t/c/{i:03}")));
    let results = futures::future::join_all(writes).await;
    let mut revs: Vec<u64> = results
        .into_iter()
        .map(|r| r.unwrap().mod_revision)
        .collect();
    revs.sort_unstable();
    revs.dedup();
    assert_eq!(revs.len(), 64, "every write gets its own revision");
    assert_eq!(s.current_revision(), before + 64);
}

trait CreateOwned {
    fn create_owned(
        &self,
        key: String,
    ) -> crate::BoxFuture<'_, crate::StoreResult<crate::KeyValue>>;
}

impl<S: Store> CreateOwned for S {
    fn create_owned(
        &self,
        key: String,
    ) -> crate::BoxFuture<'_, crate::StoreResult<crate::KeyValue>> {
        Box::pin(async move { self.create(&key, vec![]).await })
    }
}
