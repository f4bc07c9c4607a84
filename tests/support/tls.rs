//! An HTTPS server on 127.0.0.1 with a self-signed certificate made for the test, so TLS
//! options (`--insecure`, `--cacert`) are tested against a real handshake, not plain HTTP.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

pub struct TlsServer {
    pub addr: SocketAddr,
    /// The server's own certificate, PEM: a CA bundle that trusts exactly this server.
    pub cert_pem: String,
}

impl TlsServer {
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
}

struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else { continue };
            // A client that refuses the certificate ends the handshake: wait for the next one.
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

/// Serves `router` over TLS with a fresh self-signed certificate for 127.0.0.1.
pub fn serve_tls(router: axum::Router) -> TlsServer {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("self-signed certificate");
    let cert_pem = made.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(made.key_pair.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key)
        .expect("server certificate");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async move {
            let tcp = TcpListener::bind("127.0.0.1:0").await.expect("listen on 127.0.0.1");
            tx.send(tcp.local_addr().expect("bound address")).expect("test waits");
            let _ = axum::serve(TlsListener { tcp, acceptor }, router).await;
        });
    });
    let addr = rx.recv_timeout(std::time::Duration::from_secs(10)).expect("TLS server started");
    TlsServer { addr, cert_pem }
}
