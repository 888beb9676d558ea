//! Test infrastructure: real servers the tests start themselves.

pub mod dovecot;
