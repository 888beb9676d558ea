//! Free ports of 127.0.0.1 for the servers the tests start.

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
