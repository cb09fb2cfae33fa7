//! Ctrl-C: the first stops a run cleanly, with its samples kept; a second
//! exits at once.

use tokio::sync::watch;

use crate::error::Error;

/// Stops the run at the first Ctrl-C; a second one exits at once.
pub fn interrupt_watch() -> watch::Receiver<bool> {
    let (sender, receiver) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = sender.send(true);
            eprintln!("\ninterrupted: stopping cleanly (Ctrl-C again exits at once)");
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    receiver
}

/// Awaits `work` unless the run is interrupted first.
pub async fn interruptible<T>(
    interrupt: &mut watch::Receiver<bool>,
    work: impl Future<Output = T>,
) -> Result<T, Error> {
    if *interrupt.borrow() {
        return Err(Error::Interrupted);
    }
    tokio::select! {
        value = work => Ok(value),
        Ok(_) = interrupt.wait_for(|stop| *stop) => Err(Error::Interrupted),
    }
}
