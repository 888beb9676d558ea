//! A proxy between scamguard and a real Dovecot that makes the server say NO.
//!
//! Dovecot cannot be made to refuse a FETCH, a STORE or a SEARCH on demand, nor to leave
//! a message out of a FETCH answer the way Gmail does ("Some messages could not be
//! FETCHed"). The proxy passes everything through (plaintext on 127.0.0.1, so the test
//! config uses `tls = "none"`) except what a [`Rule`] says: answer a command itself with a
//! refusal, drop the FETCH responses of some UIDs (or every untagged response), cut the
//! connection, end an IDLE as soon as it begins, or run a step (such as delivering a
//! message through another connection) before the command reaches the server. It counts
//! every command it sees.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// A step run before a command is passed on.
pub type Hook = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// What the proxy does to a command.
#[derive(Clone)]
pub enum Fault {
    /// Answer it with this status and text ("NO [UNAVAILABLE] try later"), never
    /// passing it on.
    Answer(&'static str),
    /// Pass it on, but leave the FETCH responses of these UIDs out of the answer and
    /// replace the server's tagged OK with this status and text ("OK Some messages…",
    /// or "NO …" as Gmail also answers).
    LeaveOut { uids: Vec<u32>, text: &'static str },
    /// Run this first, then pass the command on.
    Before(Hook),
    /// Pass it on, let the server do it, and cut the connection instead of passing its
    /// answer back: the client never learns whether it was done.
    LoseAnswer,
    /// Send this untagged response ("* 1 FETCH (UID 1 FLAGS (\\Seen))") to the client
    /// first, as a server may at any time, then pass the command on.
    Unsolicited(&'static str),
    /// Never pass it on: close the connection at once, as a server that dies does. The
    /// client reads the end of the stream where the answer should be.
    Cut,
    /// Pass it on, but drop every untagged response of its answer (`* SEARCH 1 2`) and
    /// pass its tagged OK: data lost on the way, as a broken proxy loses it.
    DropUntagged,
    /// Never pass it on: answer with a continuation (`+ idling`), then at once with this
    /// status and text ("OK done"): an IDLE the server ends as soon as it begins.
    EndAtOnce(&'static str),
    /// As [`Fault::EndAtOnce`], with this untagged line ("* 1 RECENT") between the
    /// continuation and the end: an IDLE ended at once after something that looks like
    /// news. The client's DONE then reaches the server, which was not idling.
    EndAtOnceAfter(&'static str, &'static str),
}

/// Applies `fault` to commands that start with `command` ("UID FETCH", compared without
/// case), skipping the first `skip` of them and applying it `times` times (or always).
#[derive(Clone)]
pub struct Rule {
    pub command: &'static str,
    pub fault: Fault,
    pub skip: usize,
    pub times: Option<usize>,
}

impl Rule {
    /// `fault` on every matching command.
    pub fn always(command: &'static str, fault: Fault) -> Rule {
        Rule { command, fault, skip: 0, times: None }
    }

    /// `fault` on the first matching command only.
    pub fn once(command: &'static str, fault: Fault) -> Rule {
        Rule { command, fault, skip: 0, times: Some(1) }
    }
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    /// Matches seen per rule (by index), for `skip` and `times`.
    matched: Vec<usize>,
    /// Commands seen, by their first two words ("UID FETCH", "IDLE").
    seen: HashMap<String, usize>,
    /// The greeting sent in place of the server's, on every connection from now on.
    greeting: Option<&'static str>,
}

/// A running proxy; it lives as long as the test's runtime.
#[derive(Clone)]
pub struct Proxy {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstream_port` there.
    pub async fn start(upstream_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)).await else { continue };
                tokio::spawn(relay(client, server, Arc::clone(&shared)));
            }
        });
        Proxy { port, state }
    }

    pub fn add(&self, rule: Rule) {
        let mut state = self.state.lock().expect("proxy state");
        state.rules.push(rule);
        state.matched.push(0);
    }

    /// Greets every later connection with `line` ("* OK [ALERT] …", no CRLF) instead of
    /// the server's greeting.
    pub fn greet_with(&self, line: &'static str) {
        self.state.lock().expect("proxy state").greeting = Some(line);
    }

    /// Drops every rule: from now on the proxy only passes things on.
    pub fn clear(&self) {
        let mut state = self.state.lock().expect("proxy state");
        state.rules.clear();
        state.matched.clear();
    }

    /// How many commands starting with `command` ("IDLE", "UID MOVE") were seen.
    pub fn seen(&self, command: &str) -> usize {
        let state = self.state.lock().expect("proxy state");
        state.seen.iter().filter(|(k, _)| k.starts_with(&command.to_ascii_uppercase())).map(|(_, n)| n).sum()
    }

    /// A config file for scamguard that reaches `dovecot` through this proxy.
    pub fn write_config(
        &self,
        dovecot: &super::dovecot::Dovecot,
        extra_account_lines: &str,
    ) -> std::path::PathBuf {
        let path = dovecot.write_config(extra_account_lines);
        let text = std::fs::read_to_string(&path).expect("config");
        let text = text
            .replace(&format!("port = {}", dovecot.imaps_port), &format!("port = {}", self.port))
            .replace("tls = \"implicit\"", "tls = \"none\"");
        std::fs::write(&path, text).expect("config");
        path
    }
}

/// The first two words of a command line after its tag, upper-cased.
fn command_name(line: &str) -> (String, String) {
    let mut words = line.split_whitespace();
    let tag = words.next().unwrap_or_default().to_string();
    let name: Vec<String> = words.take(2).map(str::to_ascii_uppercase).collect();
    (tag, name.join(" "))
}

/// What the proxy decided for one command.
enum Decision {
    Pass,
    Answer(&'static str),
    LeaveOut(Vec<u32>, &'static str),
    LoseAnswer,
    Before(Hook),
    Unsolicited(&'static str),
    Cut,
    DropUntagged,
    EndAtOnce(&'static str),
    EndAtOnceAfter(&'static str, &'static str),
}

/// What the server-side reader does with the answer to one tagged command.
struct Answering {
    tag: String,
    treatment: Treatment,
}

enum Treatment {
    /// UIDs whose FETCH responses are dropped, and the tagged line sent instead.
    LeaveOut(Vec<u32>, &'static str),
    /// Every untagged response dropped, the tagged line passed.
    DropUntagged,
    /// The connection is cut when the tagged line comes.
    Lose,
}

fn decide(state: &Mutex<State>, line: &str) -> Decision {
    let mut state = state.lock().expect("proxy state");
    let (_, name) = command_name(line);
    *state.seen.entry(name).or_default() += 1;
    let rest = line.split_once(' ').map_or("", |(_, rest)| rest).to_ascii_uppercase();
    let State { rules, matched, .. } = &mut *state;
    for (rule, count) in rules.iter().zip(matched.iter_mut()) {
        if !rest.starts_with(&rule.command.to_ascii_uppercase()) {
            continue;
        }
        *count += 1;
        let nth = *count - 1;
        if nth < rule.skip || rule.times.is_some_and(|times| nth - rule.skip >= times) {
            continue;
        }
        return match &rule.fault {
            Fault::Answer(reply) => Decision::Answer(reply),
            Fault::LeaveOut { uids, text } => Decision::LeaveOut(uids.clone(), text),
            Fault::LoseAnswer => Decision::LoseAnswer,
            Fault::Before(hook) => Decision::Before(Arc::clone(hook)),
            Fault::Unsolicited(response) => Decision::Unsolicited(response),
            Fault::Cut => Decision::Cut,
            Fault::DropUntagged => Decision::DropUntagged,
            Fault::EndAtOnce(reply) => Decision::EndAtOnce(reply),
            Fault::EndAtOnceAfter(line, reply) => Decision::EndAtOnceAfter(line, reply),
        };
    }
    Decision::Pass
}

async fn relay(client: TcpStream, server: TcpStream, state: Arc<Mutex<State>>) {
    let (client_read, mut client_write) = client.into_split();
    let (server_read, mut server_write) = server.into_split();
    // Bytes for the client; an empty message closes the connection.
    let (to_client, mut outgoing) = mpsc::unbounded_channel::<Vec<u8>>();
    let (to_reader, mut answering) = mpsc::unbounded_channel::<Answering>();
    tokio::spawn(async move {
        while let Some(bytes) = outgoing.recv().await {
            if bytes.is_empty() || client_write.write_all(&bytes).await.is_err() {
                let _ = client_write.shutdown().await;
                return;
            }
        }
    });
    let server_to_client = to_client.clone();
    let greeting = state.lock().expect("proxy state").greeting;
    tokio::spawn(async move {
        let mut reader = BufReader::new(server_read);
        let mut pending: Vec<Answering> = Vec::new();
        if let Some(line) = greeting {
            // The server's own greeting is read and dropped.
            if read_response(&mut reader).await.is_none()
                || server_to_client.send(format!("{line}\r\n").into_bytes()).is_err()
            {
                return;
            }
        }
        while let Some(response) = read_response(&mut reader).await {
            while let Ok(rule) = answering.try_recv() {
                pending.push(rule);
            }
            let text = String::from_utf8_lossy(&response).to_string();
            let dropped = text.starts_with("* ")
                && pending.iter().any(|a| match &a.treatment {
                    Treatment::LeaveOut(uids, _) => {
                        uids.iter().any(|uid| text.contains(&format!("FETCH (UID {uid} ")))
                    }
                    Treatment::DropUntagged => true,
                    Treatment::Lose => false,
                });
            if dropped {
                continue;
            }
            let done = pending.iter().position(|a| text.starts_with(&format!("{} OK", a.tag)));
            let response = match done.map(|index| pending.remove(index)) {
                Some(Answering { tag, treatment: Treatment::LeaveOut(_, said) }) => {
                    format!("{tag} {said}\r\n").into_bytes()
                }
                Some(Answering { treatment: Treatment::Lose, .. }) => {
                    let _ = server_to_client.send(Vec::new());
                    return;
                }
                Some(Answering { treatment: Treatment::DropUntagged, .. }) | None => response,
            };
            if server_to_client.send(response).is_err() {
                return;
            }
        }
    });
    let mut reader = BufReader::new(client_read);
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        let literal = literal_length(&line);
        let tag = command_name(&text).0;
        match decide(&state, &text) {
            Decision::Answer(reply) => {
                let _ = to_client.send(format!("{tag} {reply}\r\n").into_bytes());
                continue;
            }
            Decision::LeaveOut(uids, said) => {
                let _ = to_reader.send(Answering { tag, treatment: Treatment::LeaveOut(uids, said) });
            }
            Decision::LoseAnswer => {
                let _ = to_reader.send(Answering { tag, treatment: Treatment::Lose });
            }
            Decision::DropUntagged => {
                let _ = to_reader.send(Answering { tag, treatment: Treatment::DropUntagged });
            }
            Decision::EndAtOnce(reply) => {
                let _ = to_client.send(format!("+ idling\r\n{tag} {reply}\r\n").into_bytes());
                continue;
            }
            Decision::EndAtOnceAfter(line, reply) => {
                let _ = to_client.send(format!("+ idling\r\n{line}\r\n{tag} {reply}\r\n").into_bytes());
                continue;
            }
            Decision::Before(hook) => hook().await,
            Decision::Unsolicited(response) => {
                let _ = to_client.send(format!("{response}\r\n").into_bytes());
            }
            Decision::Cut => {
                let _ = to_client.send(Vec::new());
                return;
            }
            Decision::Pass => {}
        }
        if server_write.write_all(&line).await.is_err() {
            return;
        }
        if let Some(length) = literal {
            // A literal from the client (APPEND): passed on as it is.
            let mut data = vec![0; length];
            if reader.read_exact(&mut data).await.is_err() || server_write.write_all(&data).await.is_err() {
                return;
            }
        }
    }
}

/// The length of the literal a line announces at its end (`{123}` or `{123+}`).
fn literal_length(line: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(line).ok()?.trim_end();
    let inside = text.strip_suffix('}')?.rsplit_once('{')?.1;
    inside.trim_end_matches('+').parse().ok()
}

/// One whole response from the server: its lines and the literals they announce.
async fn read_response<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> Option<Vec<u8>> {
    let mut response = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).await.ok()? == 0 {
            return None;
        }
        let literal = literal_length(&line);
        response.extend_from_slice(&line);
        let Some(length) = literal else { return Some(response) };
        let mut data = vec![0; length];
        reader.read_exact(&mut data).await.ok()?;
        response.extend_from_slice(&data);
    }
}
