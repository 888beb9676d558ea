//! The database under stress, against a real SQLite file and a real Dovecot: a full disk
//! with a reader open, the file deleted while running, review commands on a missing or
//! read-only database, the process lock through a symlink.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use scamguard::config::Config;
use sqlx::Connection;

use super::service::{THREATS, append_all, contents, load, mailbox};
use super::support::dovecot::{Dovecot, Options};
use super::support::scamguard;

/// A tmpfs of `size` mounted on a fresh folder, unmounted when dropped: a disk that can
/// really be filled. Needs root (the tests run as root for Dovecot anyway).
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(parent: &Path, size: &str) -> SmallDisk {
        let dir = parent.join("small-disk");
        std::fs::create_dir_all(&dir).expect("mount point");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0755"), "tmpfs"])
            .arg(&dir)
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a tmpfs (needs root)");
        SmallDisk { dir }
    }

    /// Writes a file until the disk is full; returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.dir.join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let chunk = vec![0u8; 4096];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// Points a test configuration's database at `database`.
fn with_database(config_path: &Path, database: &Path) -> Config {
    let text = std::fs::read_to_string(config_path).expect("config");
    let text = text.replace("path = \"scamguard.db\"", &format!("path = \"{}\"", database.display()));
    std::fs::write(config_path, text).expect("config");
    load(config_path)
}

/// `scamguard run` as a background process, its log in `log`.
fn start_service(config_path: &Path, log: &Path) -> Child {
    scamguard()
        .args(["run", "--config"])
        .arg(config_path)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"))
        .spawn()
        .expect("starts")
}

/// SIGTERM, then the exit status (within 15 s).
fn stop_service(mut child: Child) -> std::process::ExitStatus {
    let _ = std::process::Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the service did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Detections as a separate reader sees them: (Message-ID, action).
async fn recorded(database: &Path) -> Vec<(String, String)> {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(database).read_only(true);
    let Ok(pool) = sqlx::SqlitePool::connect_with(options).await else { return Vec::new() };
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT message_id, action FROM detections ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap_or_default();
    pool.close().await;
    rows
}

/// Waits up to `within` for `check` to hold.
async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_with_a_reader_open_moves_nothing_unrecorded_and_resumes() {
    let dovecot = Dovecot::start(Options::default());
    let disk = SmallDisk::mount(dovecot.dir(), "3m");
    let database = disk.dir.join("scamguard.db");
    let config_path = dovecot.write_config("");
    let config = with_database(&config_path, &database);
    let log = dovecot.dir().join("service.log");
    let service = start_service(&config_path, &log);
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    assert!(
        eventually(Duration::from_secs(20), || async { contents(&mut mailbox(&config).await, "Junk").await.len() == 1 })
            .await,
        "the first threat is moved while the disk has room"
    );

    // Another process reads the database and keeps its read transaction open.
    let reader_options = sqlx::sqlite::SqliteConnectOptions::new().filename(&database);
    let mut reader = sqlx::SqliteConnection::connect_with(&reader_options).await.expect("reader");
    sqlx::query("BEGIN").execute(&mut reader).await.expect("begin");
    let seen: i64 =
        sqlx::query_scalar("SELECT count(*) FROM detections").fetch_one(&mut reader).await.expect("read");
    assert_eq!(seen, 1);

    let filler = disk.fill();
    append_all(&mut session, "INBOX", &THREATS[1..]).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(contents(&mut session, "INBOX").await.len(), 2, "nothing moves while nothing can be recorded");
    assert_eq!(contents(&mut session, "Junk").await.len(), 1);

    std::fs::remove_file(&filler).expect("space returns");
    sqlx::query("COMMIT").execute(&mut reader).await.expect("the reader finishes its read");
    let resumed = eventually(Duration::from_secs(60), || async {
        contents(&mut mailbox(&config).await, "Junk").await.len() == 3
            && recorded(&database).await.iter().all(|(_, action)| action == "moved")
    })
    .await;
    let status = stop_service(service);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(resumed, "the service resumed once writes worked again: {text}");
    assert!(status.success(), "{text}");
    assert!(text.contains("database or disk is full"), "the log says why it stopped moving: {text}");
    let rows = recorded(&database).await;
    assert_eq!(rows.len(), 3, "one record per move: {rows:?}");
    let junk: Vec<String> = contents(&mut session, "Junk").await.into_keys().collect();
    let mut moved: Vec<String> = rows.into_iter().map(|(id, _)| id).collect();
    moved.sort();
    assert_eq!(moved, junk, "every message in Junk has its record");
    drop(reader);
}
