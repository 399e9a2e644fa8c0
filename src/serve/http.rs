//! The preview server's HTTP: hyper (HTTP/1.1, keep-alive) on a one-thread tokio runtime of
//! its own. Every connection is a task, so an idle, half-sent, slow or streaming connection
//! costs a socket and a little memory and never keeps another one waiting; a request for a
//! stale site-wide file waits without holding the thread, and an asset is read from disk on
//! tokio's blocking pool.
//!
//! hyper owns the protocol; this module only decides what a request gets: the `Host` check,
//! GET and HEAD only, the event stream, and conditional requests (`If-None-Match` -> 304).
//! (The server used to parse HTTP/1.1 by hand because tiny_http 0.12's thread pool could
//! leave a new connection unread while others stayed open; tasks have no such pool.)

use std::convert::Infallible;
use std::future::Future;
use std::io::{self, IoSlice};
use std::net::TcpListener as StdListener;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{Interval, MissedTickBehavior, Sleep};

use super::answer::{self, Reply, Stamp, LIVE_JS};
use super::{Hosts, Hub, EVENTS_PATH, SCRIPT_PATH};
use crate::load::Boundary;

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// A comment is sent this often on an idle event stream, so dead clients are noticed.
const KEEPALIVE: Duration = Duration::from_secs(10);

/// How long a client may take.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// From when the server waits for a request until its whole head has come: so both how
    /// long a kept-alive connection may stay idle and how long a request may take to be sent.
    /// A browser retries on a fresh connection a request it sent as its idle one closed.
    pub request_head: Duration,
    /// How long a write may find no room (a client that stopped reading) before the
    /// connection is dropped.
    pub stalled_write: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            request_head: Duration::from_secs(30),
            stalled_write: Duration::from_secs(60),
        }
    }
}

/// What every connection's task shares.
struct Shared {
    hub: Arc<Hub>,
    hosts: Hosts,
    limits: Limits,
}

/// Serves `listener` on a thread of its own until the process ends.
pub fn spawn_server(
    listener: StdListener,
    hub: Arc<Hub>,
    hosts: Hosts,
    limits: Limits,
) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(4)
        .build()?;
    listener.set_nonblocking(true)?;
    let listener = {
        let _inside = runtime.enter();
        TcpListener::from_std(listener)?
    };
    let shared = Arc::new(Shared { hub, hosts, limits });
    thread::Builder::new()
        .name("weft-serve".into())
        .spawn(move || runtime.block_on(accept(listener, shared)))?;
    Ok(())
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(connection(stream, shared.clone()));
            }
            // Out of file descriptors, say: wait for some to be closed instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Answers requests on one connection until it closes or idles out.
async fn connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let Limits {
        request_head,
        stalled_write,
    } = shared.limits;
    let stream = Stalling {
        stream,
        limit: stalled_write,
        stalled: None,
    };
    let service = service_fn(move |request| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(answer(request, &shared).await) }
    });
    // Errors are the client's (it went away, sent garbage, timed out): nothing to report.
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(request_head)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn answer(request: Request<Incoming>, shared: &Shared) -> Response<Body> {
    let authority = match request.uri().authority() {
        Some(authority) => Some(authority.as_str()),
        None => request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok()),
    };
    let Some(authority) = authority else {
        return respond(Reply::text(400, "bad request: no Host header\n"), None);
    };
    if !shared.hosts.allows(authority) {
        return respond(Reply::text(403, Hosts::refusal(authority)), None);
    }
    let method = request.method();
    if method != Method::GET && method != Method::HEAD {
        let mut response = respond(Reply::text(405, "method not allowed\n"), None);
        let allow = HeaderValue::from_static("GET, HEAD");
        response.headers_mut().insert(header::ALLOW, allow);
        return response;
    }
    let reply = match request.uri().path() {
        EVENTS_PATH if method == Method::GET => return event_stream(&shared.hub),
        EVENTS_PATH => Reply::new(200, "text/event-stream", Bytes::new()),
        SCRIPT_PATH => Reply::new(200, answer::content_type("live.js"), LIVE_JS),
        path => from_snapshot(path, &shared.hub).await,
    };
    respond(reply, Some(request.headers()))
}

/// What the current snapshot has for `path` (made fresh first if it was stale).
async fn from_snapshot(path: &str, hub: &Hub) -> Reply {
    let key = match answer::resolve(path) {
        Ok(key) => key,
        Err(status) => return Reply::text(status, "bad request\n"),
    };
    let (generation, snapshot) = hub.fresh(&key).await;
    // The site's own file wins over one weft makes (static/robots.txt), a theme's loses.
    let listed = match snapshot.assets.get(&key) {
        Some(a) if !a.from_theme || !snapshot.outputs.contains_key(&key) => Some(a.source.clone()),
        _ => None,
    };
    let asset = match listed {
        Some(source) => {
            let boundary = Boundary::with(&hub.root, snapshot.allow_links_outside);
            let read = tokio::task::spawn_blocking(move || answer::read_asset(&source, &boundary));
            read.await.ok().flatten()
        }
        None => None,
    };
    let stamp = Stamp {
        server_id: &hub.server_id,
        generation,
    };
    answer::lookup(&snapshot, &stamp, &key, path, asset)
}

/// `reply` as a response: a 304 without a body when the request's `If-None-Match` names it.
fn respond(reply: Reply, request: Option<&HeaderMap>) -> Response<Body> {
    let etag = reply.etag();
    let unchanged = match (&etag, request) {
        (Some(etag), Some(headers)) => headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| answer::none_match(v, etag)),
        _ => false,
    };
    let status = if unchanged { 304 } else { reply.status };
    let mut response = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CACHE_CONTROL, reply.cache_control());
    if !unchanged {
        response = response
            .header(header::CONTENT_TYPE, reply.content_type)
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    }
    if let Some(etag) = &etag {
        response = response.header(header::ETAG, etag);
    }
    if let Some(location) = &reply.location {
        response = response.header(header::LOCATION, location);
    }
    let body = if unchanged { Bytes::new() } else { reply.body };
    response
        .body(Full::new(body).boxed_unsync())
        .unwrap_or_else(|_| internal_error())
}

/// A header value built from a URL path could not be sent.
fn internal_error() -> Response<Body> {
    let mut response =
        Response::new(Full::new(Bytes::from_static(b"internal error\n")).boxed_unsync());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

/// The live-reload event stream: open until the client goes away.
fn event_stream(hub: &Hub) -> Response<Body> {
    let (events, first) = hub.subscribe();
    let mut keepalive =
        tokio::time::interval_at(tokio::time::Instant::now() + KEEPALIVE, KEEPALIVE);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let body = EventStream {
        first: Some(Bytes::from(first)),
        events,
        keepalive,
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-store")
        .header("X-Accel-Buffering", "no")
        .body(body.boxed_unsync())
        .unwrap_or_else(|_| internal_error())
}

/// A body that never ends by itself: the hello, then each event broadcast to this client, and
/// a comment when nothing was sent for a while (so a client that went away is noticed).
struct EventStream {
    first: Option<Bytes>,
    events: UnboundedReceiver<Arc<str>>,
    keepalive: Interval,
}

impl hyper::body::Body for EventStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let data = |bytes: Bytes| Poll::Ready(Some(Ok(Frame::data(bytes))));
        if let Some(first) = self.first.take() {
            return data(first);
        }
        match self.events.poll_recv(cx) {
            Poll::Ready(Some(event)) => {
                self.keepalive.reset();
                return data(Bytes::copy_from_slice(event.as_bytes()));
            }
            // The hub dropped this client: the server is going away.
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        match self.keepalive.poll_tick(cx) {
            Poll::Ready(_) => data(Bytes::from_static(b": keep-alive\n\n")),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A connection whose writes may not find the client's window full for longer than `limit`:
/// a client that stopped reading is dropped instead of holding its answer (and an event
/// stream's queue) forever. Reads are left to hyper's request-head timeout.
struct Stalling {
    stream: TcpStream,
    limit: Duration,
    /// Started by the first write that found no room; cleared by the next that did.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl Stalling {
    /// A write found no room: `Ready` with an error once that has lasted `limit`.
    fn poll_stall(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let limit = self.limit;
        let timer = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading",
            )),
            Poll::Pending => Poll::Pending,
        }
    }

    fn wrote(
        &mut self,
        result: Poll<io::Result<usize>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<usize>> {
        match result {
            Poll::Pending => self.poll_stall(cx).map(Err),
            done => {
                self.stalled = None;
                done
            }
        }
    }
}

impl AsyncRead for Stalling {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stalling {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.wrote(result, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.wrote(result, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
