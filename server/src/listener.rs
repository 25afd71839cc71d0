//! The listener: accepting TCP connections and serving HTTP/1.1 on them, within limits
//! that keep slow, idle or numerous connections from starving everyone else.
//!
//! A connection costs an open file until it closes, and a request that never completes
//! never reaches the rate limiter. So, below the routes and their layers:
//!
//! - **Header-read timeout** (`--header-read-timeout-ms`, hyper's own): a request's head
//!   must arrive within it, counted from when the server starts waiting for it (the
//!   connection opened, or the previous response was sent). A client that drips one
//!   header byte at a time is closed; so is a kept-alive connection that sits idle that
//!   long, which makes it the keep-alive timeout too.
//! - **Idle timeout** (`--idle-timeout-ms`): a connection on which no byte moves, either
//!   way, for that long is closed, whatever it is doing: a client that stops sending its
//!   body or stops reading its response. It is longer than the request timeout, so a
//!   slow answer is never cut by it.
//! - **Connection caps**: at most `--max-connections` at once, so the server never runs
//!   out of open files (the cap must fit under the process's limit: [`ConnectionLimits::
//!   from_config`] raises the soft limit to the hard one and checks); while it is
//!   reached, new connections wait in the kernel's queue and are taken in order as
//!   others close. At most `--max-connections-per-ip` of them from one client (one IPv4
//!   address, one IPv6 /64): a client's further connections are closed at once, so one
//!   client cannot fill the server.
//!
//! Every request carries its peer's address (`ConnectInfo<SocketAddr>`, which the rate
//! limiter keys on) and the server's own ([`LocalAddr`], the default base of links).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tower::ServiceExt;

use crate::config::Config;

/// Open files kept back from the connection cap: the database and its journal files,
/// the listener, the runtime's own descriptors, logs and a seed file.
pub const RESERVED_FILES: u64 = 64;
/// The connection cap when `--max-connections` is not given (lowered to fit the
/// open-file limit, with a warning).
pub const DEFAULT_MAX_CONNECTIONS: u64 = 1024;
/// How long the accept loop pauses after a failure that is not one connection's (e.g.
/// out of open files), so it does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The limits the listener enforces; see the module's documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a request's head may take to arrive.
    pub header_read_timeout: Duration,
    /// How long a connection may go without a byte moving either way.
    pub idle_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
    /// Connections open at once from one client (IPv4 address or IPv6 /64).
    pub max_connections_per_ip: usize,
}

impl ConnectionLimits {
    /// The limits of `config`, fitted to the process's open-file limit: the soft limit
    /// is raised to the hard one if the cap needs it; a default cap that still does not
    /// fit is lowered (with a warning), an explicit one is refused.
    ///
    /// # Errors
    ///
    /// A message naming the flag, when `--max-connections` cannot fit under the
    /// open-file limit or the limit cannot be read.
    pub fn from_config(config: &Config) -> Result<ConnectionLimits, String> {
        let wanted = config.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS);
        let needed = wanted + RESERVED_FILES;
        let files = rlimit::increase_nofile_limit(needed)
            .map_err(|e| format!("cannot read the open-file limit: {e}"))?;
        let fits = files.saturating_sub(RESERVED_FILES);
        let max_connections = if wanted <= fits {
            wanted
        } else if config.max_connections.is_some() {
            return Err(format!(
                "--max-connections {wanted} needs {needed} open files, but this process may \
                 open only {files} (ulimit -n): lower it to at most {fits}, or raise the limit"
            ));
        } else if fits == 0 {
            return Err(format!(
                "this process may open only {files} files (ulimit -n), fewer than the \
                 {RESERVED_FILES} the server keeps for itself: raise the limit"
            ));
        } else {
            tracing::warn!(
                open_file_limit = files,
                max_connections = fits,
                "the open-file limit lowers the connection cap (set --max-connections, or \
                 raise ulimit -n)"
            );
            fits
        };
        // Both flags are at most 2^24, so they fit a usize.
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Ok(ConnectionLimits {
            header_read_timeout: Duration::from_millis(config.header_read_timeout_ms),
            idle_timeout: Duration::from_millis(config.idle_timeout_ms),
            max_connections: count(max_connections),
            max_connections_per_ip: count(config.max_connections_per_ip.min(max_connections)),
        })
    }
}

/// The server's own address on the connection a request came in on (not the `Host`
/// header, which the client writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalAddr(pub SocketAddr);

/// Serves `app` on `listener` within `limits` until `shutdown` completes; then stops
/// accepting, lets the requests in flight finish, and returns when every connection
/// has closed (idle ones close at once).
///
/// # Errors
///
/// Fails only if the listener's own address cannot be read.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let local = listener.local_addr()?;
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let clients = Clients::new(limits.max_connections_per_ip);
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        // While every slot is taken, new connections wait in the kernel's queue.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed; pausing");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(client_slot) = clients.claim(peer.ip()) else {
            tracing::debug!(%peer, "too many connections from this client; closed");
            continue;
        };
        // Small JSON answers: send them now, not after Nagle's delay.
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Watched {
            stream,
            activity: Arc::clone(&activity),
        });
        let service = TowerToHyperService::new(app.clone().map_request(
            move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.extensions_mut().insert(LocalAddr(local));
                request
            },
        ));
        let connection = graceful.watch(http.serve_connection(io, service));
        let idle_timeout = limits.idle_timeout;
        tokio::spawn(async move {
            tokio::select! {
                result = connection => {
                    if let Err(error) = result {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                }
                () = activity.idle_for(idle_timeout) => {
                    tracing::debug!(%peer, "connection idle too long; closed");
                }
            }
            drop((slot, client_slot));
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Errors of one connection that came and went before it was accepted: nothing to wait
/// for.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// The connections open per client, for the per-client cap.
#[derive(Debug, Clone)]
struct Clients {
    limit: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Clients {
    fn new(limit: usize) -> Clients {
        Clients {
            limit,
            open: Arc::default(),
        }
    }

    /// A slot for one more connection of the client at `ip`, unless it has `limit`.
    fn claim(&self, ip: IpAddr) -> Option<ClientSlot> {
        let client = client_of(ip);
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let count = open.entry(client).or_default();
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            client,
            open: Arc::clone(&self.open),
        })
    }
}

/// One open connection of a client; gives its slot back when dropped.
#[derive(Debug)]
struct ClientSlot {
    client: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// Who a client is, for the per-client cap: an IPv4 address (also when mapped into
/// IPv6), or an IPv6 /64, the smallest network a host is usually given.
fn client_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
    }
}

/// When a byte last moved on a connection.
#[derive(Debug)]
struct Activity {
    opened: Instant,
    /// Milliseconds from `opened` to the last byte read or written.
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            opened: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Completes once no byte has moved for `timeout`.
    async fn idle_for(&self, timeout: Duration) {
        loop {
            let last = self.opened + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let deadline = last + timeout;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// A connection's stream, noting in its [`Activity`] each time bytes move.
#[derive(Debug)]
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Pins who counts as one client: an IPv4 address, mapped or not, and an IPv6 /64.
    #[test]
    fn clients_are_ipv4_addresses_and_ipv6_networks() {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        assert_eq!(client_of(ip("192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(client_of(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(
            client_of(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            ip("2001:db8:1:2::")
        );
    }

    // Pins the per-client cap: a client's slots run out, come back when dropped, and
    // another client is not affected.
    #[test]
    fn a_client_gets_its_limit_of_slots_and_no_more() {
        let clients = Clients::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = clients.claim(a).unwrap();
        let _second = clients.claim(a).unwrap();
        assert!(clients.claim(a).is_none());
        assert!(clients.claim(b).is_some());
        drop(first);
        assert!(clients.claim(a).is_some());
    }
}
