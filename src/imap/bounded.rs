//! A byte stream that refuses endless lines from the server.
//!
//! async-imap buffers a response until its line ends, with no limit of its own, so a
//! hostile or broken server could make it buffer without end. This wrapper fails the
//! read once more than a set number of bytes arrive without a line break; the session
//! then errors and the worker reconnects, memory bounded. It also hands what it reads to
//! a [`Recording`] when it has one, for the alerts of the login (see `overheard`).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::overheard::Recording;

#[derive(Debug)]
pub struct Bounded<S> {
    inner: S,
    max_line: usize,
    since_newline: usize,
    overheard: Option<Recording>,
}

impl<S> Bounded<S> {
    /// Wraps `inner`; a line (message literals included) may be at most `max_line` bytes.
    pub fn new(inner: S, max_line: usize) -> Self {
        Bounded { inner, max_line, since_newline: 0, overheard: None }
    }

    /// As [`Bounded::new`], handing every read to `recording` too.
    pub fn overheard(inner: S, max_line: usize, recording: &Recording) -> Self {
        Bounded { overheard: Some(recording.clone()), ..Bounded::new(inner, max_line) }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Bounded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &polled {
            let new = buf.filled().get(before..).unwrap_or_default();
            match new.iter().rposition(|&b| b == b'\n') {
                Some(last) => self.since_newline = new.len() - last - 1,
                None => self.since_newline += new.len(),
            }
            if self.since_newline > self.max_line {
                // A read that fails must not hand over data (the AsyncRead contract).
                buf.set_filled(before);
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the server sent a line longer than {} bytes", self.max_line),
                )));
            }
            if let Some(recording) = &self.overheard {
                recording.keep(new);
            }
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Bounded<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn lines_within_the_bound_pass_and_an_endless_one_fails() {
        let ok: &[u8] = b"* OK fine\r\n* 1 EXISTS\r\n";
        let mut read = Vec::new();
        Bounded::new(ok, 16).read_to_end(&mut read).await.expect("short lines pass");
        assert_eq!(read, ok);

        let endless = vec![b'x'; 1000];
        let error =
            Bounded::new(endless.as_slice(), 100).read_to_end(&mut Vec::new()).await.expect_err("too long");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }
}
