//! What the benchmarks measure about their own process, read from `/proc/self`.

/// CPU time (user + system) this process has used, in seconds.
pub fn cpu_seconds() -> f64 {
    // utime and stime, fields 14 and 15 of /proc/self/stat, in clock ticks (100 Hz).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// A `/proc/self/status` memory figure (`VmRSS`, `VmHWM`) in KiB.
pub fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// A benchmark's configuration for the test Dovecot: the given account lines, and a
/// command timeout long enough for Dovecot to index a freshly written large maildir.
pub fn bench_config(
    server: &scamguard_testkit::dovecot::Dovecot,
    account_lines: &str,
) -> anyhow::Result<std::path::PathBuf> {
    let path = server.write_config(account_lines);
    let text = std::fs::read_to_string(&path)?.replace("command_timeout = 10", "command_timeout = 300");
    std::fs::write(&path, text)?;
    Ok(path)
}
