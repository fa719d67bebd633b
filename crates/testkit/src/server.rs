//! The loopback HTTP/1.1 server: hyper serving connections we own, so a fault can reset or close
//! the socket itself.

use crate::Shared;
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming};
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// How a fault ends a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Abort {
    /// TCP RST (SO_LINGER 0).
    Reset,
    /// FIN.
    Close,
}

/// Per-connection control: a handler asks the connection task to drop the socket.
#[derive(Default)]
pub(crate) struct ConnCtl {
    abort: Mutex<Option<Abort>>,
    notify: tokio::sync::Notify,
}

impl ConnCtl {
    pub(crate) fn abort(&self, how: Abort) {
        *self.abort.lock().unwrap_or_else(|e| e.into_inner()) = Some(how);
        self.notify.notify_one();
    }
}

/// The socket, reset on drop when a fault asked for it.
struct FaultIo {
    inner: TcpStream,
    ctl: Arc<ConnCtl>,
}

impl Drop for FaultIo {
    fn drop(&mut self) {
        if *self.ctl.abort.lock().unwrap_or_else(|e| e.into_inner()) == Some(Abort::Reset) {
            let _ = socket2::SockRef::from(&self.inner).set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for FaultIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for FaultIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Accepts until the mock is dropped.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        tokio::spawn(connection(stream, shared.clone()));
    }
}

async fn connection(stream: TcpStream, shared: Arc<Shared>) {
    let ctl = Arc::new(ConnCtl::default());
    let io = hyper_util::rt::TokioIo::new(FaultIo { inner: stream, ctl: ctl.clone() });
    let mut shutdown = shared.shutdown.subscribe();
    let handler_ctl = ctl.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let shared = shared.clone();
        let ctl = handler_ctl.clone();
        async move { Ok::<_, std::convert::Infallible>(crate::handler::handle(shared, ctl, request).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    tokio::select! {
        _ = conn => {}
        _ = ctl.notify.notified() => {}
        _ = shutdown.changed() => {}
    }
}

/// A response body, possibly faulty.
pub(crate) enum MockBody {
    Full(Option<Bytes>),
    /// Sends `Bytes`, then fails (hyper closes the connection mid-body).
    Truncated(Option<Bytes>),
    Slow {
        rest: Bytes,
        chunk: usize,
        delay: Duration,
        sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    },
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match &mut *self {
            MockBody::Full(data) => {
                Poll::Ready(data.take().filter(|d| !d.is_empty()).map(|d| Ok(Frame::data(d))))
            }
            MockBody::Truncated(data) => match data.take() {
                Some(d) if !d.is_empty() => Poll::Ready(Some(Ok(Frame::data(d)))),
                _ => Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "testkit: truncated body",
                )))),
            },
            MockBody::Slow { rest, chunk, delay, sleep } => {
                if rest.is_empty() {
                    return Poll::Ready(None);
                }
                let timer = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(*delay)));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                *sleep = None;
                let n = (*chunk).min(rest.len());
                Poll::Ready(Some(Ok(Frame::data(rest.split_to(n)))))
            }
        }
    }
}

use std::future::Future as _;
