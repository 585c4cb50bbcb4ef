//! Namespace lifecycle: every active namespace has a `default` ServiceAccount; a namespace being
//! deleted is emptied of all its objects, then its `kubernetes` finalizer is removed and it goes.

use crate::resource;
use peapod_api::error::ApiError;
use peapod_api::meta;
use peapod_api::resources::RESOURCES;
use peapod_apiserver::registry::{DeleteOptions, ListOptions, WatchOptions, WriteOptions};
use peapod_apiserver::Registry;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub struct NamespaceController {
    registry: Arc<Registry>,
}

/// Resync period: reconcile everything even without events.
const RESYNC: Duration = Duration::from_secs(30);

impl NamespaceController {
    pub fn new(registry: Arc<Registry>) -> Self {
        NamespaceController { registry }
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let Ok(nsr) = resource("", "namespaces") else {
                return;
            };
            let mut events = match self
                .registry
                .watch(nsr, None, WatchOptions::default())
                .await
            {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(error = %e, "namespace watch failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let mut tick = tokio::time::interval(RESYNC);
            loop {
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tick.tick() => {}
                    ev = events.recv() => if ev.is_none() { break },
                }
                // Drain whatever else queued up: one reconcile covers it all.
                while events.try_recv().is_ok() {}
                if let Err(e) = self.reconcile_all().await {
                    tracing::warn!(error = %e, "namespace reconcile failed");
                }
            }
        }
    }

    async fn reconcile_all(&self) -> Result<(), ApiError> {
        let nsr = resource("", "namespaces")?;
        let list = self
            .registry
            .list(nsr, None, &ListOptions::default())
            .await?;
        for ns in list.items {
            let name = meta::name(&ns).to_string();
            if meta::deletion_timestamp(&ns).is_some() {
                self.finalize(&name).await?;
            } else {
                self.ensure_default_service_account(&name).await?;
            }
        }
        Ok(())
    }

    async fn ensure_default_service_account(&self, ns: &str) -> Result<(), ApiError> {
        let sar = resource("", "serviceaccounts")?;
        let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": ns}});
        match self
            .registry
            .create(sar, Some(ns), sa, &WriteOptions::default())
            .await
        {
            Ok(_)
            | Err(ApiError::AlreadyExists { .. })
            | Err(ApiError::Forbidden(_))
            | Err(ApiError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Deletes every namespaced object; once none is left, drops the finalizer, which removes
    /// the namespace.
    async fn finalize(&self, ns: &str) -> Result<(), ApiError> {
        let mut remaining = 0;
        for r in RESOURCES.iter().filter(|r| r.namespaced) {
            let items = self
                .registry
                .list(r, Some(ns), &ListOptions::default())
                .await?
                .items;
            for item in &items {
                if meta::deletion_timestamp(item).is_none() {
                    match self
                        .registry
                        .delete(r, Some(ns), meta::name(item), &DeleteOptions::default())
                        .await
                    {
                        Ok(_) | Err(ApiError::NotFound { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            remaining += self
                .registry
                .list(r, Some(ns), &ListOptions::default())
                .await?
                .items
                .len();
        }
        if remaining > 0 {
            return Ok(());
        }
        // Emptied: the namespace's own finalizer is done and the object goes (the `finalize`
        // subresource's effect).
        let nsr = resource("", "namespaces")?;
        self.registry.finalize_deletion(nsr, None, ns).await
    }
}
