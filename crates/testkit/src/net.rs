//! What the servers the tests start need of the network: free ports of 127.0.0.1, and a
//! self-signed certificate for them.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// A port nothing listens on now, and that this process has not handed out before: tests
/// run in parallel, and the OS may offer a just-released port again before the Dovecot
/// it was meant for has bound it.
pub fn free_port() -> u16 {
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    loop {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        if !handed_out.contains(&port) {
            handed_out.push(port);
            return port;
        }
    }
}

/// `cert.pem` and `key.pem` in `dir`: a self-signed certificate for `names`
/// (`DNS:localhost,IP:127.0.0.1`), valid for two days; the key readable by all (the
/// server's user reads it; it protects nothing beyond the test).
pub fn make_certificate(dir: &Path, names: &str) {
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
        ])
        .args(["-subj", "/CN=scamguard-test"])
        .args(["-addext", &format!("subjectAltName={names}")])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl made the test certificate");
    std::fs::set_permissions(dir.join("key.pem"), std::fs::Permissions::from_mode(0o644)).expect("chmod key");
}
