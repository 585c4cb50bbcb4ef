//! pods/exec over WebSocket with the Kubernetes remotecommand channel protocol (v5/v4
//! `channel.k8s.io`): every binary frame starts with a stream byte (0 stdin, 1 stdout, 2 stderr,
//! 3 error/status, 4 terminal resize; v5 adds 255 = close a stream). The node agent supplies the
//! process through `ExecSource`.

use axum::extract::ws::{Message, WebSocket};
use bytes::Bytes;
use peapod_api::error::ApiError;
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use tokio::sync::mpsc;

/// What kubectl asked for.
#[derive(Debug, Clone, Default)]
pub struct ExecRequest {
    pub container: String,
    pub command: Vec<String>,
    pub stdin: bool,
    pub tty: bool,
    /// pods/attach: join the container's own stdio instead of running a command.
    pub attach: bool,
}

/// A running exec process, as streams.
pub struct ExecSession {
    pub stdin: Option<mpsc::Sender<Option<Bytes>>>,
    pub stdout: mpsc::Receiver<Bytes>,
    pub stderr: mpsc::Receiver<Bytes>,
    /// (width, height) of the terminal.
    pub resize: Option<mpsc::Sender<(u16, u16)>>,
    /// Resolves to the exit code (or an error message).
    pub exit: tokio::sync::oneshot::Receiver<Result<i32, String>>,
}

pub type ExecFuture = Pin<Box<dyn Future<Output = Result<ExecSession, ApiError>> + Send>>;

pub trait ExecSource: Send + Sync {
    fn exec(&self, pod: &Value, req: ExecRequest) -> ExecFuture;
}

/// The Status sent on the error channel when the command ends.
pub fn exit_status(code: i32, command: &[String]) -> Value {
    if code == 0 {
        return json!({"metadata": {}, "status": "Success"});
    }
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!("command terminated with non-zero exit code: error executing command [{}], exit code {code}", command.join(" ")),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
    })
}

fn frame(stream: u8, data: &[u8]) -> Message {
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(stream);
    v.extend_from_slice(data);
    Message::Binary(Bytes::from(v))
}

/// Pumps a session over the socket until the process exits.
pub async fn bridge(mut socket: WebSocket, mut session: ExecSession, command: Vec<String>) {
    let mut stdout_open = true;
    let mut stderr_open = true;
    loop {
        tokio::select! {
            out = session.stdout.recv(), if stdout_open => match out {
                Some(b) => if socket.send(frame(1, &b)).await.is_err() { return },
                None => stdout_open = false,
            },
            err = session.stderr.recv(), if stderr_open => match err {
                Some(b) => if socket.send(frame(2, &b)).await.is_err() { return },
                None => stderr_open = false,
            },
            msg = socket.recv() => match msg {
                Some(Ok(Message::Binary(b))) if !b.is_empty() => match b[0] {
                    0 => if let Some(tx) = &session.stdin { let _ = tx.send(Some(b.slice(1..))).await; },
                    4 => {
                        if let (Some(tx), Ok(v)) = (&session.resize, serde_json::from_slice::<Value>(&b[1..])) {
                            let w = v.get("Width").and_then(Value::as_u64).unwrap_or(80) as u16;
                            let h = v.get("Height").and_then(Value::as_u64).unwrap_or(24) as u16;
                            let _ = tx.send((w, h)).await;
                        }
                    }
                    255 if b.get(1) == Some(&0) => if let Some(tx) = session.stdin.take() { let _ = tx.send(None).await; },
                    _ => {}
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    // The client went away: stop feeding stdin; the process ends on its own.
                    if let Some(tx) = session.stdin.take() { let _ = tx.send(None).await; }
                    return;
                }
                _ => {}
            },
            code = &mut session.exit, if !stdout_open && !stderr_open => {
                let status = match code {
                    Ok(Ok(c)) => exit_status(c, &command),
                    Ok(Err(m)) => json!({"metadata": {}, "status": "Failure", "message": m}),
                    Err(_) => json!({"metadata": {}, "status": "Failure", "message": "exec session ended"}),
                };
                let _ = socket.send(frame(3, &serde_json::to_vec(&status).unwrap_or_default())).await;
                let close = axum::extract::ws::CloseFrame { code: axum::extract::ws::close_code::NORMAL, reason: "".into() };
                let _ = socket.send(Message::Close(Some(close))).await;
                return;
            }
        }
    }
}
