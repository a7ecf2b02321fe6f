//! TLS in the image: every client trusts the system CA store (what `ca-certificates` provides in
//! the runtime image, and what `SSL_CERT_FILE` points at), so GitHub Enterprise behind a private
//! CA works and a missing store fails loudly. A local HTTPS server with a throwaway CA stands in
//! for GitHub and Slack.

use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

struct Https {
    port: u16,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

/// Serves `status` + `body` to every request over TLS for `localhost`.
async fn https(status: &'static str, body: &'static str) -> Https {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, cert.cert.pem()).unwrap();
    let chain = vec![CertificateDer::from(cert.cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 16384];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Https {
        port,
        ca_file,
        _dir: dir,
    }
}

fn gate_against(server: &Https, ca_file: Option<&PathBuf>) -> String {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_shipgate"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", server._dir.path())
        .args(["gate", "--repo", "octo/shop", "--pull-request", "1"])
        .args(["--api-url", &format!("https://localhost:{}", server.port)])
        .args(["--github-token", "ghs_tls_test"]);
    match ca_file {
        Some(f) => cmd.env("SSL_CERT_FILE", f),
        // An empty directory: no CA at all, as in an image without ca-certificates.
        None => {
            let empty = tempfile::tempdir().unwrap();
            let out = cmd
                .env("SSL_CERT_FILE", empty.path().join("missing.pem"))
                .env("SSL_CERT_DIR", empty.path())
                .output()
                .unwrap();
            return String::from_utf8_lossy(&out.stderr).into_owned();
        }
    };
    let out = cmd.output().unwrap();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn github_client_trusts_the_system_ca_store() {
    let server = https("404 Not Found", r#"{"message":"Not Found"}"#).await;
    let trusted = tokio::task::block_in_place(|| gate_against(&server, Some(&server.ca_file)));
    assert!(
        trusted.contains("GitHub answered 404"),
        "the TLS handshake should succeed with the CA in SSL_CERT_FILE: {trusted}"
    );
    let untrusted = tokio::task::block_in_place(|| gate_against(&server, None));
    assert!(
        !untrusted.contains("GitHub answered 404"),
        "without the CA the connection must fail: {untrusted}"
    );
    assert!(
        untrusted.contains("system CA store") || untrusted.contains("reading PR #1"),
        "{untrusted}"
    );
    assert!(!untrusted.contains("ghs_tls_test"));
}
