//! `scamguard serve`, the review page, as a user meets it: the URL it prints, 401 to
//! anyone without the token or a session, the history in a real (headless) Chromium with
//! hostile subjects shown as text, Japanese, and a restore clicked in the browser that
//! brings a scam back from Junk on a real Dovecot, while a POST without the CSRF token is
//! refused.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use scamguard::store::{Action, Category, NewDetection, Signal, Signals, Store, Verdict};

use super::service::{THREATS, contents, fixture, history, load, mailbox, message_id, run_once};
use super::support::chromium::{self, Browser};
use super::support::dovecot::{Dovecot, Options};
use super::support::scamguard;

/// A subject that would run a script, if it were ever written as HTML.
const HOSTILE: &str = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>";

/// A running `scamguard serve`, killed when dropped.
pub(super) struct Serve {
    child: Child,
    /// `http://127.0.0.1:PORT`
    base: String,
    token: String,
    stderr: PathBuf,
}

impl Serve {
    pub(super) fn start(config: &Path) -> Serve {
        let stderr = config.with_file_name("serve.stderr");
        let mut child = scamguard()
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            // Everything is logged, so a token in any log line would show.
            .env("RUST_LOG", "trace")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = send.send(line);
        });
        let line = receive.recv_timeout(Duration::from_secs(30)).expect("serve prints the URL to open");
        let url = line.trim().strip_prefix("Open ").unwrap_or_else(|| panic!("not a URL line: {line:?}"));
        let (base, token) = url.split_once("/?token=").unwrap_or_else(|| panic!("no token in {url:?}"));
        Serve { child, base: base.to_string(), token: token.to_string(), stderr }
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// The URL `serve` printed, with `extra` query pairs (`&lang=ja`).
    fn token_url(&self, extra: &str) -> String {
        format!("{}/?token={}{extra}", self.base, self.token)
    }

    /// Sends one HTTP request; returns the status, the headers (lower-cased names) and the body.
    pub(super) fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Response {
        let address = self.base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        stream.write_all(request.as_bytes()).expect("send");
        let mut raw = String::new();
        stream.read_to_string(&mut raw).expect("read");
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let mut lines = head.lines();
        let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Response { status, headers, body: body.to_string() }
    }

    /// A session cookie (`name=value`), from opening the token URL.
    pub(super) fn session(&self) -> String {
        let response = self.request("GET", &format!("/?token={}", self.token), &[], "");
        assert_eq!(response.status, 303);
        let cookie = response.header("set-cookie").expect("a session cookie");
        cookie.split(';').next().expect("name=value").to_string()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) struct Response {
    pub(super) status: u16,
    headers: Vec<(String, String)>,
    pub(super) body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A configuration with no account and a database holding `rows`.
async fn seeded(dir: &Path, rows: &[NewDetection]) -> PathBuf {
    let config = dir.join("scamguard.toml");
    std::fs::write(&config, "[database]\npath = \"scamguard.db\"\n\n[report]\nschedule = \"off\"\n")
        .expect("config");
    let store = Store::open(&dir.join("scamguard.db")).await.expect("store");
    // An hour apart, the last one an hour ago.
    let now = scamguard::clock::now_unix();
    for (i, row) in rows.iter().enumerate() {
        let at = now - 3600 * (rows.len() - i) as i64;
        store.record_batch(&row.account, std::slice::from_ref(row), 1, "2026-11-20", at).await.expect("seed");
    }
    store.close().await;
    config
}

fn detection(
    uid: u32,
    subject: &str,
    from: &str,
    verdict: Verdict,
    category: Category,
    action: Action,
) -> NewDetection {
    NewDetection {
        account: "home".into(),
        folder: "INBOX".into(),
        uid,
        message_key: format!("<{uid}@seed.example>"),
        subject: subject.into(),
        from: from.into(),
        verdict,
        category,
        score: 0.97,
        action,
        destination: if action == Action::Moved { "Junk".into() } else { String::new() },
        signals: Signals(vec![Signal {
            evidence: "your device".into(),
            rule: "claims_device_compromise".into(),
            weight: 0.56,
        }]),
        ..NewDetection::default()
    }
}

fn seed_rows() -> Vec<NewDetection> {
    vec![
        detection(
            1,
            "Your device is hacked",
            "x@evil.example",
            Verdict::Threat,
            Category::Extortion,
            Action::Moved,
        ),
        detection(
            2,
            "Account locked: verify now",
            "support@bank-login.example",
            Verdict::Threat,
            Category::Phishing,
            Action::Moved,
        ),
        detection(
            3,
            HOSTILE,
            "<b>bold</b>@evil.example",
            Verdict::Suspicious,
            Category::Other,
            Action::Nothing,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_token_or_a_session_every_request_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = seeded(dir.path(), &seed_rows()).await;
    let serve = Serve::start(&config);
    let token_file = dir.path().join("scamguard.db.web-token");
    let mode = std::fs::metadata(&token_file).expect("token file beside the database").permissions();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
    assert_eq!(std::fs::read_to_string(&token_file).expect("read").trim(), serve.token);
    assert_eq!(serve.token.len(), 64);

    let forged = "scamguard_session=0000000000000000000000000000000000000000000000000000000000000000";
    for (method, path, cookie) in [
        ("GET", "/".to_string(), ""),
        ("GET", "/detection/1".to_string(), ""),
        ("GET", "/report".to_string(), ""),
        ("GET", "/static/review.css".to_string(), ""),
        ("POST", "/detection/1/restore".to_string(), ""),
        ("GET", "/".to_string(), forged),
        ("GET", format!("/?token={}", &serve.token[..63]), ""),
        ("GET", format!("/?token={}x", serve.token), ""),
    ] {
        let headers: Vec<(&str, &str)> = if cookie.is_empty() { vec![] } else { vec![("Cookie", cookie)] };
        let response = serve.request(method, &path, &headers, "");
        assert_eq!(response.status, 401, "{method} {path} {cookie}");
        assert!(!response.body.contains("Your device"), "{}", response.body);
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    }

    // The token starts a session and leaves the URL; the session opens every page.
    let response = serve.request("GET", &format!("/detection/1?token={}&lang=ja", serve.token), &[], "");
    assert_eq!(response.status, 303);
    assert_eq!(
        response.header("location"),
        Some("/detection/1?lang=ja"),
        "the token is dropped, the rest kept"
    );
    let set_cookie = response.header("set-cookie").expect("cookie");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().expect("name=value");
    for path in ["/", "/detection/1", "/report", "/static/review.css"] {
        let response = serve.request("GET", path, &[("Cookie", cookie)], "");
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        let csp = response.header("content-security-policy").expect("a policy");
        assert!(csp.starts_with("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(response.header("referrer-policy"), Some("no-referrer"));
    }
    let log = std::fs::read_to_string(&serve.stderr).expect("stderr");
    assert!(log.contains("serving the review page"), "{log}");
    assert!(!log.contains(&serve.token), "the token is never logged, even at trace level: {log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_redirect_never_leaves_this_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = seeded(dir.path(), &seed_rows()).await;
    let serve = Serve::start(&config);
    // `//host/` and `/\host/` are addresses of another site to a browser: a link to the
    // token URL with such a path must not send the freshly signed-in user there.
    for path in ["//evil.example/", "/\\evil.example/", "///evil.example/x"] {
        let response = serve.request("GET", &format!("{path}?token={}", serve.token), &[], "");
        assert_eq!(response.status, 303, "{path}");
        let location = response.header("location").expect("a redirect");
        assert!(
            location.starts_with('/') && !location.starts_with("//") && !location.starts_with("/\\"),
            "{path} redirects to {location}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_history_in_chromium_lists_detections_and_shows_hostile_subjects_as_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = seeded(dir.path(), &seed_rows()).await;
    let serve = Serve::start(&config);
    let dom = chromium::dump_dom(&serve.token_url("&lang=en"));
    assert!(dom.contains("<title>scamguard — Detection history</title>"), "the script never ran: {dom}");
    for subject in ["Your device is hacked", "Account locked: verify now"] {
        assert!(dom.contains(subject), "{subject} listed: {dom}");
    }
    assert!(
        dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "the hostile subject is text: {dom}"
    );
    assert!(!dom.contains("<script") && !dom.contains("<img"), "no element came from a subject: {dom}");
    assert!(dom.contains("&lt;b&gt;bold&lt;/b&gt;@evil.example"), "{dom}");

    // Filters and search narrow the list.
    let cookie = serve.session();
    let only =
        |query: &str| serve.request("GET", &format!("/?{query}"), &[("Cookie", cookie.as_str())], "").body;
    let phishing = only("category=phishing");
    assert!(phishing.contains("Account locked") && !phishing.contains("Your device is hacked"), "{phishing}");
    let searched = only("q=EVIL.example&verdict=threat");
    assert!(searched.contains("Your device is hacked") && !searched.contains("Account locked"), "{searched}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_japanese_page_shows_japanese_labels() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = seeded(dir.path(), &seed_rows()).await;
    let serve = Serve::start(&config);
    let dom = chromium::dump_dom(&serve.token_url("&lang=ja"));
    assert!(dom.contains("<html lang=\"ja\">"), "{dom}");
    for label in [
        "検出履歴",
        "件名",
        "差出人",
        "判定",
        "絞り込む",
        "<td>脅威</td>",
        "<td>フィッシング</td>",
        "<td>移動済み</td>",
    ] {
        assert!(dom.contains(label), "{label}: {dom}");
    }
    for english in ["Detection history", ">threat<", ">phishing<", ">moved<"] {
        assert!(!dom.contains(english), "{english}: {dom}");
    }
    // The browser's language is heard too.
    let cookie = serve.session();
    let page = serve.request(
        "GET",
        "/detection/1",
        &[("Cookie", &cookie), ("Accept-Language", "ja-JP,en;q=0.5")],
        "",
    );
    assert!(page.body.contains("判定の理由") && page.body.contains("週次レポート"), "{}", page.body);
    // Its signals are named in Japanese too, not by the engine's English titles.
    assert!(
        page.body.contains("端末をハッキングしたと主張") && !page.body.contains("Claims a hacked device"),
        "{}",
        page.body
    );
}

/// A Dovecot with one scam that `run --once` moved to Junk, and its detection's id.
struct Moved {
    dovecot: Dovecot,
    config_path: PathBuf,
    scam: Vec<u8>,
    session: scamguard::imap::ImapSession,
    id: i64,
}

async fn a_moved_scam() -> Moved {
    a_moved_scam_on(Options::default()).await
}

/// [`a_moved_scam`] on a server started with `options`.
async fn a_moved_scam_on(options: Options) -> Moved {
    let dovecot = Dovecot::start(options);
    let config_path = dovecot.write_config("");
    let config = load(&config_path);
    let scam = fixture(THREATS[0]);
    let mut session = mailbox(&config).await;
    session.append("INBOX", None, &scam).await.expect("append");
    assert!(run_once(&config).await.failures.is_empty());
    assert!(contents(&mut session, "Junk").await.contains_key(&message_id(&scam)), "moved to Junk");
    let id = history(&config).await.first().expect("a detection").id;
    Moved { dovecot, config_path, scam, session, id }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restore_clicked_in_chromium_brings_the_scam_back_and_a_post_without_csrf_is_refused() {
    let Moved { dovecot: _dovecot, config_path, scam, mut session, id } = a_moved_scam().await;

    let serve = Serve::start(&config_path);
    // Without the CSRF token (or with another), a session's POST is refused.
    let cookie = serve.session();
    for body in ["", "csrf=", "csrf=0123456789abcdef"] {
        let response = serve.request(
            "POST",
            &format!("/detection/{id}/restore"),
            &[("Cookie", &cookie), ("Content-Type", "application/x-www-form-urlencoded")],
            body,
        );
        assert_eq!(response.status, 403, "{body:?}: {}", response.body);
    }
    assert!(contents(&mut session, "Junk").await.contains_key(&message_id(&scam)), "still in Junk");

    let mut browser = Browser::start();
    browser.open(&serve.token_url("&lang=en"), "/");
    browser.open(&serve.url(&format!("/detection/{id}")), &format!("/detection/{id}"));
    assert_eq!(
        browser.eval("document.cookie.includes('scamguard_session')"),
        serde_json::json!(false),
        "the session cookie is HttpOnly"
    );
    browser.eval("document.getElementById('restore').click()");
    browser.wait_for("document.getElementById('outcome') !== null");
    let outcome = browser.eval("document.getElementById('outcome').textContent");
    assert_eq!(outcome, serde_json::json!("Restored to INBOX"), "{outcome}");
    let action = browser.eval("document.getElementById('action').textContent");
    assert_eq!(action, serde_json::json!("restored → INBOX"));
    drop(browser);

    assert!(contents(&mut session, "INBOX").await.contains_key(&message_id(&scam)), "back in INBOX");
    assert!(contents(&mut session, "Junk").await.is_empty());
}

/// A detection's mail text is read back from the server on request, shown as text with
/// the evidence marked, and reading it marks nothing read; a message no longer there is
/// said to be gone, with the folders looked in.
#[tokio::test(flavor = "multi_thread")]
async fn the_mail_text_is_read_back_with_its_evidence_marked_and_left_unread() {
    // Junk made by our move, not by the server, so the test can delete it.
    let no_junk = Options { no_junk: true, ..Options::default() };
    let Moved { dovecot: _dovecot, config_path, scam, mut session, id } = a_moved_scam_on(no_junk).await;

    let serve = Serve::start(&config_path);
    let mut browser = Browser::start();
    browser.open(&serve.token_url("&lang=en"), "/");
    browser.open(&serve.url(&format!("/detection/{id}")), &format!("/detection/{id}"));
    browser.eval("document.getElementById('mail-text-link').click()");
    let path = format!("/detection/{id}/message");
    browser.wait_for(&format!("location.pathname === '{path}' && document.readyState === 'complete'"));
    let text = browser.eval("document.getElementById('mail-text').textContent");
    assert!(text.as_str().is_some_and(|t| t.contains("48 hours") && t.contains('\n')), "{text}");
    let marks = browser
        .eval("[...document.querySelectorAll('#mail-text mark')].map(m => m.textContent.toLowerCase())");
    let marks: Vec<String> = serde_json::from_value(marks).expect("a list");
    assert!(marks.iter().any(|m| m == "48 hours") && marks.iter().any(|m| m == "your webcam"), "{marks:?}");
    let folder = browser.eval("document.getElementById('mail-folder').textContent");
    assert_eq!(folder, serde_json::json!("Junk"));
    let junk = contents(&mut session, "Junk").await;
    let flags = junk.get(&message_id(&scam)).expect("still in Junk");
    assert!(!flags.iter().any(|f| f == "\\Seen"), "showing the text marks nothing read: {flags:?}");

    // Taken out of both folders by another client: the page says where it looked.
    session.create("Archive").await.expect("create");
    session.select("Junk").await.expect("select");
    let uids = session.search("ALL").await.expect("search");
    session.move_to(&uids, "Archive").await.expect("move");
    browser.open(&serve.url(&path), &path);
    let problem = browser.eval("document.getElementById('mail-problem').textContent");
    assert!(problem.as_str().is_some_and(|p| p.ends_with("any more: Junk, INBOX")), "{problem}");

    // Junk itself deleted: a folder the server refuses to open holds nothing to show.
    session.select("INBOX").await.expect("select");
    session.delete("Junk").await.expect("delete");
    browser.open(&serve.url(&path), &path);
    let problem = browser.eval("document.getElementById('mail-problem').textContent");
    assert!(problem.as_str().is_some_and(|p| p.ends_with("any more: Junk, INBOX")), "{problem}");
}

/// The trust and block buttons put the detection's sender on its account's list, only
/// with the session's CSRF token, and only a sender that is an address.
#[tokio::test(flavor = "multi_thread")]
async fn trust_and_block_buttons_list_the_sender_only_with_the_csrf_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = seeded(dir.path(), &seed_rows()).await;
    // The account the rows belong to, so the lists page shows it.
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("\n[[accounts]]\nname = \"home\"\nhost = \"127.0.0.1\"\ntls = \"implicit\"\nusername = \"u\"\npassword_env = \"X\"\n");
    std::fs::write(&config, text).expect("config");
    let serve = Serve::start(&config);
    let cookie = serve.session();
    let page = serve.request("GET", "/detection/1", &[("Cookie", &cookie)], "");
    assert!(page.body.contains("id=\"trust\"") && page.body.contains("id=\"block\""), "{}", page.body);
    let csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form carries the CSRF token")
        .to_string();
    let post = |path: &str, body: &str| {
        serve.request(
            "POST",
            path,
            &[("Cookie", &cookie), ("Content-Type", "application/x-www-form-urlencoded")],
            body,
        )
    };
    let entries = || async {
        let store = Store::open_unlocked(&dir.path().join("scamguard.db")).await.expect("store");
        let entries: Vec<(String, String)> = store
            .sender_entries("home")
            .await
            .expect("entries")
            .into_iter()
            .map(|e| (e.entry, format!("{:?}", e.kind)))
            .collect();
        store.close().await;
        entries
    };
    assert_eq!(post("/detection/2/trust", "csrf=").status, 403);
    assert_eq!(post("/detection/1/block", "").status, 403);
    assert!(entries().await.is_empty(), "nothing listed without the token");

    let blocked = post("/detection/1/block", &format!("csrf={csrf}"));
    assert_eq!(blocked.status, 200);
    assert!(blocked.body.contains("Now blocked: x@evil.example"), "{}", blocked.body);
    let trusted = post("/detection/2/trust", &format!("csrf={csrf}"));
    assert!(trusted.body.contains("Now trusted: support@bank-login.example"), "{}", trusted.body);
    let hostile = post("/detection/3/trust", &format!("csrf={csrf}"));
    assert!(hostile.body.contains("not an address"), "{}", hostile.body);
    let mut listed = entries().await;
    listed.sort();
    assert_eq!(
        listed,
        [
            ("support@bank-login.example".to_string(), "Trust".to_string()),
            ("x@evil.example".into(), "Block".into())
        ]
    );

    // The lists page shows both, and takes one off only with the token.
    let lists = serve.request("GET", "/senders", &[("Cookie", &cookie)], "");
    assert!(lists.body.contains("x@evil.example") && lists.body.contains("blocked"), "{}", lists.body);
    let remove = format!("account=home&entry=x%40evil.example&csrf={csrf}");
    assert_eq!(post("/senders/remove", "account=home&entry=x%40evil.example").status, 403);
    assert_eq!(
        post("/senders/remove", &remove.replace("home", "other")).status,
        403,
        "only configured accounts"
    );
    let removed = post("/senders/remove", &remove);
    assert!(removed.body.contains("Removed: x@evil.example"), "{}", removed.body);
    assert_eq!(entries().await, [("support@bank-login.example".to_string(), "Trust".to_string())]);
}

/// Writes docs/review.png, the README's picture of the history page:
/// `cargo test --test tests web::screenshot -- --ignored`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "writes docs/review.png"]
async fn screenshot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rows = vec![
        detection(
            11,
            "Invoice #4471 overdue: pay within 24 hours",
            "billing@invoices-dept.example",
            Verdict::Suspicious,
            Category::Phishing,
            Action::Nothing,
        ),
        detection(
            12,
            "Your parcel could not be delivered",
            "no-reply@parcel-track.example",
            Verdict::Threat,
            Category::Phishing,
            Action::Moved,
        ),
        detection(
            13,
            "【重要】アカウントの確認",
            "security@bank-verify.example",
            Verdict::Threat,
            Category::Phishing,
            Action::Moved,
        ),
        detection(
            14,
            "I recorded you. Pay 1500 USD in Bitcoin",
            "you@home.example",
            Verdict::Threat,
            Category::Extortion,
            Action::Restored,
        ),
    ];
    rows.extend(seed_rows());
    let config = seeded(dir.path(), &rows).await;
    let serve = Serve::start(&config);
    let out = chromium::docs_dir().join("review.png");
    std::fs::create_dir_all(chromium::docs_dir()).expect("docs dir");
    chromium::screenshot(&serve.token_url("&lang=en"), &out);
    assert!(std::fs::metadata(&out).map(|m| m.len() > 1000).unwrap_or(false), "a screenshot was written");
}

/// The report page shows the report of the account and the week asked for, read from the
/// history by the service (`app::serve`): a week's counts, and none from another week.
#[tokio::test(flavor = "multi_thread")]
async fn the_report_page_shows_the_report_of_the_account_and_week_asked_for() {
    use scamguard::report::weekly::Period;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = seeded(dir.path(), &[]).await;
    let store = Store::open(&dir.path().join("scamguard.db")).await.expect("store");
    // Wednesday of W47, noon UTC: two threats and a suspicious mail among 5 scanned.
    let wednesday = Period::iso_week("2026-W47").expect("week").start + 2 * 86_400 + 43_200;
    let day = scamguard::clock::day_string(wednesday);
    store.record_batch("home", &seed_rows(), 5, &day, wednesday).await.expect("seed");
    store.close().await;
    let serve = Serve::start(&config);
    let cookie = serve.session();
    let row = |label: &str, n: i64| format!("<tr><td>{label}</td><td class=\"n\">{n}</td></tr>");
    let page = |week: &str| {
        let page =
            serve.request("GET", &format!("/report?account=home&week={week}"), &[("Cookie", &cookie)], "");
        assert_eq!(page.status, 200, "{week}: {}", page.body);
        page.body
    };
    let w47 = page("2026-W47");
    for expected in [row("Messages scanned", 5), row("Threats moved to Junk", 2), row("Suspicious, kept", 1)]
    {
        assert!(w47.contains(&expected), "{expected} missing in\n{w47}");
    }
    assert!(w47.contains("<h1>scamguard weekly report — home — "), "{w47}");
    let w48 = page("2026-W48");
    assert!(w48.contains(&row("Threats moved to Junk", 0)), "another week counts none:\n{w48}");
}
