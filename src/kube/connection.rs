//! The cockpit's connections to the API server, made here rather than by
//! kube-client, for one reason: while a watch's list streams in, the
//! kernel holds the list's bytes until a good amount has come, so the
//! runtime wakes once for each [`GATHER_BYTES`] of it rather than for each
//! of the server's small writes.
//!
//! Why: the API server writes a list in pieces of about 1.3 KB, and each
//! piece woke the worker parked in `epoll_wait`. At 20,000 pods and their
//! 50,000 events that was about 6,000 context switches a second while the
//! lists ran, and half of the cockpit's CPU over them was the kernel's
//! (bench/README.md, "Where the CPU goes while the lists arrive"). Waiting
//! in the reader does not help: an arriving piece wakes `epoll_wait`
//! whether or not the last one was read. `SO_RCVLOWAT` does: the socket is
//! not readable until that many bytes are queued.
//!
//! A connection gathers only while its [`Gathering`] says a list is coming
//! (`proto_watch` finds it in the response's extensions, says so when it
//! asks for a streaming list and stops at the list's bookmark); every
//! other request reads as before. A list's last bytes may stop short of
//! the mark, which would wake nothing: a read that finds nothing while
//! gathering sets a timer, and when it fires the mark drops to one byte
//! for a turn (the kernel signals the socket at once if bytes wait).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

/// How many bytes the kernel gathers before it wakes a listing watch. A
/// 20,000-pod list is 66 MB, its events' 34 MB: pieces of 32 KB make
/// about 3,000 wake-ups of them, where 1.3 KB pieces made 77,000. Below
/// the socket's receive buffer (128 KB at first), so the window the
/// server may send into stays open while the bytes wait.
pub const GATHER_BYTES: i32 = 32 * 1024;

/// How long a listing read waits for the mark before it reads what has
/// come: the list's tail, or a server slowed down.
pub const TAIL_WAIT: Duration = Duration::from_millis(20);

/// Whether a connection's reader is listing. Put in every response's
/// extensions by the connection it came over; off until a watch says so.
#[derive(Debug, Clone, Default)]
pub struct Gathering(Arc<AtomicBool>);

impl Gathering {
    /// A list is coming: gather its bytes.
    pub fn start(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// The list is over (or the response is done with): read as it comes.
    pub fn stop(&self) {
        self.0.store(false, Ordering::Relaxed);
    }

    fn on(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// hyper-util's connector, its streams wrapped in [`GatheringStream`].
#[derive(Clone)]
pub struct Connector {
    inner: HttpConnector,
}

impl Connector {
    pub fn new(inner: HttpConnector) -> Self {
        Self { inner }
    }
}

impl tower::Service<http::Uri> for Connector {
    type Response = GatheringStream;
    type Error = <HttpConnector as tower::Service<http::Uri>>::Error;
    type Future = Pin<Box<dyn Future<Output = Result<GatheringStream, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let connecting = self.inner.call(uri);
        Box::pin(async move { connecting.await.map(GatheringStream::new) })
    }
}

/// A TCP connection whose reads gather while its [`Gathering`] is on.
pub struct GatheringStream {
    io: TokioIo<TcpStream>,
    gathering: Gathering,
    /// The `SO_RCVLOWAT` set on the socket (1 is the kernel's default).
    mark: i32,
    /// Armed when a gathering read found nothing: the list's tail.
    tail: Option<Pin<Box<Sleep>>>,
    /// [`TAIL_WAIT`], longer in a test that must not depend on the
    /// machine's pace.
    tail_wait: Duration,
}

impl GatheringStream {
    fn new(io: TokioIo<TcpStream>) -> Self {
        Self {
            io,
            gathering: Gathering::default(),
            mark: 1,
            tail: None,
            tail_wait: TAIL_WAIT,
        }
    }

    /// Sets the socket's low-water mark, if it changes. Setting it makes
    /// the kernel check at once whether the queued bytes now reach it, and
    /// signal the socket if they do.
    fn set_mark(&mut self, mark: i32) {
        if mark == self.mark {
            return;
        }
        if let Err(e) = set_receive_low_water(self.io.inner(), mark) {
            // The reads still work, one wake-up a piece: the old cost.
            tracing::debug!(error = %e, mark, "SO_RCVLOWAT refused");
            return;
        }
        self.mark = mark;
    }
}

#[cfg(target_os = "linux")]
fn set_receive_low_water(socket: &TcpStream, bytes: i32) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is the stream's own, open while it is
    // borrowed; the option's value is a c_int read during the call.
    let done = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVLOWAT,
            (&raw const bytes).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Elsewhere the mark is left alone and reads go as they come: how other
/// kernels signal a socket under `SO_RCVLOWAT` was not measured.
#[cfg(not(target_os = "linux"))]
fn set_receive_low_water(_: &TcpStream, _: i32) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

impl Read for GatheringStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let gathering = this.gathering.on();
        let tail_due = match &mut this.tail {
            Some(tail) if gathering => tail.as_mut().poll(cx).is_ready(),
            _ => false,
        };
        if tail_due || !gathering {
            this.tail = None;
        }
        // A read that is due its tail takes what has come: a mark of one
        // byte, which signals the socket now if anything waits. A read
        // returns what is queued whatever the mark; the mark only decides
        // when the socket counts as readable.
        this.set_mark(if gathering && !tail_due {
            GATHER_BYTES
        } else {
            1
        });
        let read = Pin::new(&mut this.io).poll_read(cx, buf);
        if read.is_pending() && this.mark > 1 {
            let due = Instant::now() + this.tail_wait;
            let tail = this
                .tail
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
            tail.as_mut().reset(due);
            // Registers the timer with this task's waker.
            let _ = tail.as_mut().poll(cx);
        }
        read
    }
}

impl Write for GatheringStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
}

impl Connection for GatheringStream {
    fn connected(&self) -> Connected {
        self.io.connected().extra(self.gathering.clone())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A gathering stream on a loopback connection, its tail wait long
    /// enough that a slow machine cannot pass it between two steps, and
    /// the server's end.
    async fn connected(tail_wait: Duration) -> (TokioIo<GatheringStream>, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, server) = tokio::join!(client, listener.accept());
        let mut stream = GatheringStream::new(TokioIo::new(client.unwrap()));
        stream.tail_wait = tail_wait;
        (TokioIo::new(stream), server.unwrap().0)
    }

    /// One read, which must end well within three tail waits.
    async fn read(client: &mut TokioIo<GatheringStream>, buf: &mut [u8], wait: Duration) -> usize {
        tokio::time::timeout(wait * 3, client.read(buf))
            .await
            .expect("a read never ended")
            .unwrap()
    }

    #[tokio::test]
    async fn a_listing_read_waits_for_the_mark_then_takes_the_tail() {
        let wait = Duration::from_millis(600);
        let (mut client, mut server) = connected(wait).await;
        let gathering = client.inner().gathering.clone();
        gathering.start();
        let mut buf = vec![0u8; 64 * 1024];
        // Nothing has come: the read parks with the mark set.
        let parked = tokio::time::timeout(Duration::from_millis(20), client.read(&mut buf)).await;
        assert!(parked.is_err(), "read with nothing sent");
        // A piece below the mark does not wake it...
        server.write_all(&[7u8; 10_000]).await.unwrap();
        let early = tokio::time::timeout(Duration::from_millis(100), client.read(&mut buf)).await;
        assert!(early.is_err(), "10,000 bytes woke a read gathering 32 KB");
        // ...but it is read when the tail's wait is over.
        let started = Instant::now();
        let mut got = 0;
        while got < 10_000 {
            got += read(&mut client, &mut buf, wait).await;
        }
        assert_eq!(got, 10_000);
        assert!(started.elapsed() >= wait / 2, "read before the tail's wait");
        // Enough to reach the mark is read without the wait.
        let started = Instant::now();
        server.write_all(&[8u8; 40_000]).await.unwrap();
        let n = read(&mut client, &mut buf, wait).await;
        assert!(n > 0);
        assert!(
            started.elapsed() < wait / 2,
            "a full mark waited for the tail"
        );
        let mut rest = 40_000 - n;
        while rest > 0 {
            rest -= read(&mut client, &mut buf, wait).await;
        }
    }

    #[tokio::test]
    async fn a_read_not_listing_takes_each_piece_as_it_comes() {
        let wait = Duration::from_millis(600);
        let (mut client, mut server) = connected(wait).await;
        let gathering = client.inner().gathering.clone();
        gathering.start();
        let mut buf = vec![0u8; 1024];
        let parked = tokio::time::timeout(Duration::from_millis(20), client.read(&mut buf)).await;
        assert!(parked.is_err());
        // The list is over while the read waits: the next piece comes at
        // once, not after a tail's wait.
        gathering.stop();
        let started = Instant::now();
        server.write_all(b"one event").await.unwrap();
        let mut got = Vec::new();
        while got.len() < 9 {
            let n = read(&mut client, &mut buf, wait).await;
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"one event");
        // The parked read's timer may still wake it once, after which the
        // mark is one byte; what matters is that the piece came at once
        // or at that wake, never later than the wait.
        assert!(started.elapsed() <= wait + wait / 2);
        assert_eq!(client.inner().mark, 1);
        // And from then on each piece at once.
        let started = Instant::now();
        server.write_all(b"two").await.unwrap();
        let n = read(&mut client, &mut buf, wait).await;
        assert_eq!(&buf[..n], b"two");
        assert!(
            started.elapsed() < wait / 2,
            "a piece waited after the list"
        );
    }
}
