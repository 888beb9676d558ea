//! Real servers for scamguard's tests and benchmarks, started on 127.0.0.1 in a temporary
//! folder and stopped when dropped: [`dovecot`] (IMAP over TLS) and [`postgres`], with the
//! free ports and self-signed certificates they need ([`net`]).
//!
//! A crate of its own, a dev-dependency only, so that the library's unit tests (the
//! store's suite on both backends), the integration tests and the benchmarks share one
//! copy without including files by path. It uses the standard library, `tempfile` and `rand`, and runs the
//! system's `dovecot`, `initdb`/`pg_ctl` and `openssl`.

pub mod dovecot;
pub mod net;
pub mod postgres;
