//! Asking the service to stop, and hearing it: one [`Stopper`] (held by whoever handles
//! SIGTERM, or a test) and any number of [`Shutdown`] listeners (one per task).
//!
//! A listener answers two questions: has a stop been asked for (checked between batches,
//! so the batch in flight finishes), and wait until one is (raced against IDLE, polling
//! sleeps and backoff). A stop cannot be taken back.

use tokio::sync::watch;

/// Asks every [`Shutdown`] made with it to stop; dropping it asks nothing.
#[derive(Debug)]
pub struct Stopper(watch::Sender<bool>);

/// Hears whether a stop was asked for.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

/// A stopper and the first listener.
pub fn channel() -> (Stopper, Shutdown) {
    let (sender, receiver) = watch::channel(false);
    (Stopper(sender), Shutdown(receiver))
}

impl Stopper {
    pub fn stop(&self) {
        // No listener left means there is nothing to stop.
        let _ = self.0.send(true);
    }
}

impl Shutdown {
    /// A listener no stopper will ever reach (`run --once` from a library caller).
    pub fn never() -> Shutdown {
        channel().1
    }

    /// Whether a stop has been asked for.
    pub fn is_requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once a stop is asked for; never, if its stopper is gone without asking.
    pub async fn requested(&mut self) {
        if self.0.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn every_listener_hears_the_stop_and_a_dropped_stopper_asks_nothing() {
        let (stopper, mut first) = channel();
        let mut second = first.clone();
        assert!(!first.is_requested());
        stopper.stop();
        first.requested().await;
        second.requested().await;
        assert!(first.is_requested() && second.is_requested());

        let (stopper, mut listener) = channel();
        drop(stopper);
        let waited = tokio::time::timeout(Duration::from_millis(50), listener.requested()).await;
        assert!(waited.is_err(), "a stopper that is gone never asked for a stop");
        assert!(!listener.is_requested());
        assert!(!Shutdown::never().is_requested());
    }
}
