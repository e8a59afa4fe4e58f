//! Local stand-ins for vendor APIs, served on loopback with axum.
//!
//! They behave like the real services where it matters to a sync: paging, rate limits with
//! `Retry-After`, transient 503s, and 422s for bad data.

pub mod crm;
pub mod shop;

use std::net::SocketAddr;

/// A sandbox server running on a loopback port until dropped.
#[derive(Debug)]
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://127.0.0.1:port`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serve `router` on an ephemeral loopback port.
pub async fn serve(router: axum::Router) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(Running { addr, task })
}
