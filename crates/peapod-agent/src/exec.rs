//! Interactive exec for the API's pods/exec: the command runs through the OCI runtime with
//! pipes, or with a pseudo-terminal when kubectl asks for a TTY (`-t`).

use bytes::Bytes;
use peapod_api::error::ApiError;
use peapod_apiserver::exec::{ExecFuture, ExecRequest, ExecSession, ExecSource};
use peapod_runtime::{ContainerState, Runtime};
use serde_json::Value;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::process::Stdio;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

pub struct NodeExec {
    pub runtime: Arc<Runtime>,
}

/// The running instance of a container of a pod.
async fn running_id(rt: &Runtime, uid: &str, container: &str) -> Option<String> {
    let mut best: Option<(u32, String)> = None;
    for id in rt.list_containers(uid) {
        if let Ok(st) = rt.container_status(uid, &id).await {
            if st.name == container
                && matches!(st.state, ContainerState::Running { .. })
                && best.as_ref().is_none_or(|b| st.attempt > b.0)
            {
                best = Some((st.attempt, id));
            }
        }
    }
    best.map(|b| b.1)
}

impl ExecSource for NodeExec {
    fn exec(&self, pod: &Value, req: ExecRequest) -> ExecFuture {
        let rt = self.runtime.clone();
        let uid = peapod_api::meta::uid(pod).unwrap_or_default().to_string();
        Box::pin(async move {
            let Some(id) = running_id(&rt, &uid, &req.container).await else {
                return Err(ApiError::BadRequest(format!(
                    "container {} is not running",
                    req.container
                )));
            };
            if req.attach {
                attach_session(&rt, &uid, &id, &req).await
            } else if req.tty {
                tty_session(&rt, &id, &req).await
            } else {
                pipe_session(&rt, &id, &req)
            }
        })
    }
}

/// Copies a process's output into a channel until EOF or until the reader goes away.
async fn pump(mut from: impl tokio::io::AsyncRead + Unpin, to: mpsc::Sender<Bytes>) {
    let mut buf = vec![0u8; 32 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 || to.send(Bytes::copy_from_slice(&buf[..n])).await.is_err() {
            break;
        }
    }
}

fn pipe_session(rt: &Runtime, id: &str, req: &ExecRequest) -> Result<ExecSession, ApiError> {
    let mut child = rt
        .exec_command(id, &req.command, None)
        .stdin(if req.stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(false)
        .spawn()
        .map_err(|e| ApiError::Internal(format!("exec: {e}")))?;
    let (out_tx, out_rx) = mpsc::channel(64);
    let (err_tx, err_rx) = mpsc::channel(64);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(pump(out, out_tx));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(pump(err, err_tx));
    }
    let stdin = child.stdin.take().map(|mut w| {
        let (tx, mut rx) = mpsc::channel::<Option<Bytes>>(64);
        tokio::spawn(async move {
            while let Some(Some(b)) = rx.recv().await {
                if w.write_all(&b).await.is_err() {
                    break;
                }
            }
            // Dropping `w` closes the process's stdin (EOF).
        });
        tx
    });
    let (exit_tx, exit_rx) = oneshot::channel();
    tokio::spawn(async move {
        let res = child
            .wait()
            .await
            .map(|s| s.code().unwrap_or(137))
            .map_err(|e| e.to_string());
        let _ = exit_tx.send(res);
    });
    Ok(ExecSession {
        stdin,
        stdout: out_rx,
        stderr: err_rx,
        resize: None,
        exit: exit_rx,
    })
}

async fn tty_session(rt: &Runtime, id: &str, req: &ExecRequest) -> Result<ExecSession, ApiError> {
    let (mut child, master) = rt
        .exec_tty(id, &req.command)
        .await
        .map_err(|e| ApiError::Internal(format!("exec: {e}")))?;
    let master = std::fs::File::from(master);
    let master_fd = master.as_raw_fd();
    let mut reader = master
        .try_clone()
        .map_err(|e| ApiError::Internal(format!("pty: {e}")))?;
    let mut writer = master;
    let (out_tx, out_rx) = mpsc::channel(64);
    let (_err_tx, err_rx) = mpsc::channel(1);
    // The pty master is a blocking fd: dedicated threads read and write it.
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if out_tx
                        .blocking_send(Bytes::copy_from_slice(&buf[..n]))
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
    });
    let (in_tx, mut in_rx) = mpsc::channel::<Option<Bytes>>(64);
    let (resize_tx, mut resize_rx) = mpsc::channel::<(u16, u16)>(8);
    std::thread::spawn(move || {
        while let Some(Some(b)) = in_rx.blocking_recv() {
            if writer.write_all(&b).is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        while let Some((w, h)) = resize_rx.recv().await {
            let _ = peapod_runtime::sys::set_winsize(master_fd, w, h);
        }
    });
    let (exit_tx, exit_rx) = oneshot::channel();
    tokio::spawn(async move {
        let res = child
            .wait()
            .await
            .map(|s| s.code().unwrap_or(137))
            .map_err(|e| e.to_string());
        let _ = exit_tx.send(res);
    });
    Ok(ExecSession {
        stdin: req.stdin.then_some(in_tx),
        stdout: out_rx,
        stderr: err_rx,
        resize: Some(resize_tx),
        exit: exit_rx,
    })
}

/// pods/attach: the container's own stdio through its supervisor's attach socket (frames of
/// `peapod_runtime::shim`). The session ends when the container does.
async fn attach_session(
    rt: &Runtime,
    uid: &str,
    id: &str,
    req: &ExecRequest,
) -> Result<ExecSession, ApiError> {
    use peapod_runtime::shim::{
        frame, take_frames, FRAME_CLOSE_STDIN, FRAME_RESIZE, FRAME_STDERR, FRAME_STDIN,
        FRAME_STDOUT,
    };
    let path = rt.attach_socket(uid, id);
    let sock = tokio::net::UnixStream::connect(&path).await.map_err(|e| {
        ApiError::BadRequest(format!(
            "container {} cannot be attached to: {e} (attach needs the peapod-shim supervisor)",
            req.container
        ))
    })?;
    let (mut rd, mut wr) = sock.into_split();
    let (out_tx, out_rx) = mpsc::channel(64);
    let (err_tx, err_rx) = mpsc::channel(64);
    let (exit_tx, exit_rx) = oneshot::channel();
    tokio::spawn(async move {
        let mut buf = Vec::new();
        let mut chunk = vec![0u8; 32 * 1024];
        'read: loop {
            match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    for (kind, payload) in take_frames(&mut buf) {
                        let to = match kind {
                            FRAME_STDOUT => &out_tx,
                            FRAME_STDERR => &err_tx,
                            _ => continue,
                        };
                        if to.send(Bytes::from(payload)).await.is_err() {
                            break 'read;
                        }
                    }
                }
            }
        }
        drop((out_tx, err_tx));
        let _ = exit_tx.send(Ok(0));
    });
    let (in_tx, mut in_rx) = mpsc::channel::<Option<Bytes>>(64);
    let (resize_tx, mut resize_rx) = mpsc::channel::<(u16, u16)>(8);
    tokio::spawn(async move {
        let (mut stdin_open, mut resize_open) = (true, true);
        while stdin_open || resize_open {
            let f = tokio::select! {
                m = in_rx.recv(), if stdin_open => match m {
                    Some(Some(b)) => frame(FRAME_STDIN, &b),
                    Some(None) => frame(FRAME_CLOSE_STDIN, &[]),
                    None => { stdin_open = false; continue; }
                },
                r = resize_rx.recv(), if resize_open => match r {
                    Some((w, h)) => frame(FRAME_RESIZE, &[w.to_be_bytes(), h.to_be_bytes()].concat()),
                    None => { resize_open = false; continue; }
                },
            };
            if wr.write_all(&f).await.is_err() {
                break;
            }
        }
        // Our input is over; the output keeps coming until the container ends.
        let _ = wr.shutdown().await;
    });
    Ok(ExecSession {
        stdin: req.stdin.then_some(in_tx),
        stdout: out_rx,
        stderr: err_rx,
        resize: req.tty.then_some(resize_tx),
        exit: exit_rx,
    })
}
