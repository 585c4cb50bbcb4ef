//! Container exits wake their pod's worker at once: one inotify instance for the node, watching
//! every pod's exit directory, where each container's supervisor puts its exit file (the shim
//! renames it into place, conmon writes it). Without it an exit would be noticed only at the
//! next periodic sync. One blocking thread reads the events for all pods.

use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

pub struct ExitWatcher {
    ino: Option<Arc<Inotify>>,
    wakes: Arc<Mutex<HashMap<WatchDescriptor, Arc<Notify>>>>,
}

impl ExitWatcher {
    /// Starts the reader thread; without inotify, watching does nothing (periodic syncs remain).
    pub fn start() -> ExitWatcher {
        let wakes: Arc<Mutex<HashMap<WatchDescriptor, Arc<Notify>>>> = Arc::default();
        let ino = Inotify::init(InitFlags::IN_CLOEXEC).ok().map(Arc::new);
        if let Some(i) = &ino {
            let (i, w) = (i.clone(), wakes.clone());
            let started = std::thread::Builder::new()
                .name("exit-watch".into())
                .spawn(move || loop {
                    let Ok(events) = i.read_events() else {
                        return;
                    };
                    let Ok(mut map) = w.lock() else { return };
                    for e in events {
                        if e.mask.contains(AddWatchFlags::IN_IGNORED) {
                            // The directory is gone (sandbox removed).
                            map.remove(&e.wd);
                        } else if e
                            .name
                            .as_ref()
                            .is_some_and(|n| !n.to_string_lossy().ends_with(".tmp"))
                        {
                            if let Some(n) = map.get(&e.wd) {
                                n.notify_one();
                            }
                        }
                    }
                });
            if started.is_err() {
                return ExitWatcher { ino: None, wakes };
            }
        }
        ExitWatcher { ino, wakes }
    }

    /// Wakes `wake` whenever an exit file appears in `dir` (idempotent per directory).
    pub fn watch(&self, dir: &Path, wake: &Arc<Notify>) {
        let Some(ino) = &self.ino else { return };
        if let Ok(wd) = ino.add_watch(
            dir,
            AddWatchFlags::IN_MOVED_TO | AddWatchFlags::IN_CLOSE_WRITE,
        ) {
            if let Ok(mut map) = self.wakes.lock() {
                map.insert(wd, wake.clone());
            }
        }
    }
}
