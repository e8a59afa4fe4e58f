//! Starting a fake on an ephemeral loopback port.

use std::net::SocketAddr;

use axum::Router;

/// An axum server on `127.0.0.1:<ephemeral port>`; stops when dropped.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Binds a loopback port chosen by the OS and serves `router` on it in a background task.
    pub async fn start(router: Router) -> std::io::Result<Self> {
        Self::start_on(router, 0).await
    }

    /// Like [`Running::start`] on a fixed port (`0` = ephemeral), for the binary's `--port`.
    pub async fn start_on(router: Router, port: u16) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { addr, task })
    }

    /// The socket address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}
