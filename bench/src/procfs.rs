//! What a local process costs, read from `/proc`: resident memory and CPU time; and the machine's
//! kernel readings a large run watches (TCP counters, socket memory, memory in use).

use std::collections::BTreeMap;
use std::io;

use anyhow::Context;

/// Resident set size (`VmRSS`) of `pid`, in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    parse_vm_rss(&status).with_context(|| format!("no VmRSS line in {path}"))
}

/// Resident set size of this process, in KiB.
pub fn own_rss_kib() -> anyhow::Result<u64> {
    rss_kib(std::process::id())
}

/// Anonymous resident memory (`RssAnon`: heap and stacks) of `pid`, in KiB. Unlike `VmRSS` it
/// leaves out file-backed pages (the executable's code), which the kernel drops and faults back in
/// as the machine's memory pressure changes: growth here is memory the process holds.
pub fn rss_anon_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    status_kib(&status, "RssAnon:").with_context(|| format!("no RssAnon line in {path}"))
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    status_kib(status, "VmRSS:")
}

fn status_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User plus system CPU time of `pid` (all its threads), in microseconds. The kernel counts in
/// clock ticks (usually 10 ms), so compare samples taken across a phase of at least a second.
pub fn cpu_us(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let ticks = parse_cpu_ticks(&stat).with_context(|| format!("unexpected format of {path}"))?;
    Ok(ticks * 1_000_000 / clock_ticks_per_second()?)
}

/// CPU time of `pid` in nanoseconds, summed over its threads' `schedstat` (exact, where the
/// per-tick counts of [`cpu_us`] are 10 ms coarse). Threads that already exited are not counted,
/// so use it across short windows of a process with long-lived threads.
pub fn cpu_ns_precise(pid: u32) -> anyhow::Result<u64> {
    let dir = format!("/proc/{pid}/task");
    let mut total = 0;
    for task in std::fs::read_dir(&dir).with_context(|| format!("listing {dir}"))? {
        let path = task?.path().join("schedstat");
        // A thread may end between the listing and the read.
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let ns: u64 = text
            .split_whitespace()
            .next()
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("unexpected format of {}", path.display()))?;
        total += ns;
    }
    Ok(total)
}

/// `read` of every process in `pids`, summed: a deployment of several nodes as one cost. `None`
/// when there is no pid or any reading fails.
pub fn sum_over(pids: &[u32], read: impl Fn(u32) -> anyhow::Result<u64>) -> Option<u64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|&pid| read(pid).ok()).sum()
}

/// utime + stime: fields 14 and 15, counted after the command name, which may hold spaces and
/// parentheses itself, so parsing starts after its last `)`.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11); // field 3 (state) is the first one here
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

fn clock_ticks_per_second() -> anyhow::Result<u64> {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks <= 0 {
        return Err(io::Error::last_os_error()).context("sysconf(_SC_CLK_TCK)");
    }
    Ok(ticks as u64)
}

/// Kernel TCP counters that explain slow or failed connects (accept queue overflows, SYN
/// retransmissions), machine-wide: anything else on the machine adds to them.
pub const TCP_COUNTERS: &[&str] = &[
    "ListenOverflows",
    "ListenDrops",
    "TCPSynRetrans",
    "TCPReqQFullDoCookies",
    "TCPReqQFullDrop",
    "TCPAbortOnMemory",
    // Memory pressure: when tcp_mem's middle value is passed, the kernel prunes receive queues and
    // collapses buffers; a fan-out that a million clients have not read yet can get there.
    "TCPMemoryPressures",
    "PruneCalled",
    "RcvPruned",
    "OfoPruned",
    // Segments lost and sent again: a retransmission timer that fired, or a tail-loss probe. On
    // loopback a segment is lost when a CPU's input backlog is full (`SoftnetDropped`, below).
    "TCPTimeouts",
    "TCPLossProbes",
];

/// The packets dropped because a CPU's input backlog (`net.core.netdev_max_backlog`) was full,
/// summed over CPUs from `/proc/net/softnet_stat`, under this name among the TCP counters.
pub const SOFTNET_DROPPED: &str = "SoftnetDropped";

/// The kernel's memory-pressure counters among [`TCP_COUNTERS`]: a run where any moved was
/// measured on a kernel that was dropping or collapsing buffers.
pub const PRESSURE_COUNTERS: &[&str] =
    &["TCPMemoryPressures", "PruneCalled", "RcvPruned", "OfoPruned"];

/// The TCP line of `/proc/net/sockstat`: sockets in use and the pages charged to `tcp_mem`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SockStat {
    pub inuse: u64,
    pub alloc: u64,
    pub mem_pages: u64,
}

pub fn sockstat() -> Option<SockStat> {
    parse_sockstat(&std::fs::read_to_string("/proc/net/sockstat").ok()?)
}

fn parse_sockstat(text: &str) -> Option<SockStat> {
    let line = text.lines().find(|l| l.starts_with("TCP:"))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let field = |name: &str| -> Option<u64> {
        let at = words.iter().position(|w| *w == name)?;
        words.get(at + 1)?.parse().ok()
    };
    Some(SockStat { inuse: field("inuse")?, alloc: field("alloc")?, mem_pages: field("mem")? })
}

/// Memory in use machine-wide (`MemTotal - MemAvailable`), in KiB.
pub fn memory_used_kib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some(field("MemTotal:")?.saturating_sub(field("MemAvailable:")?))
}

/// The kernel's slab memory (`Slab` in `/proc/meminfo`), in KiB: where socket structures live.
pub fn slab_kib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("Slab:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Children of this process whose command line contains `needle` (e.g. the client workers).
pub fn own_children_with(needle: &str) -> Vec<u32> {
    children_of(std::process::id())
        .into_iter()
        .filter(|&pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle))
        })
        .collect()
}

/// The processes whose parent is `parent`.
pub fn children_of(parent: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| parent_of(pid) == Some(parent))
        .collect()
}

/// Field 4 of `/proc/<pid>/stat`, after the command name.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..].split_whitespace().nth(1)?.parse().ok()
}

/// The current values of [`TCP_COUNTERS`] from `/proc/net/netstat`, and [`SOFTNET_DROPPED`].
pub fn tcp_counters() -> BTreeMap<String, i64> {
    let text = std::fs::read_to_string("/proc/net/netstat").unwrap_or_default();
    let mut counters = parse_tcp_counters(&text);
    let softnet = std::fs::read_to_string("/proc/net/softnet_stat").unwrap_or_default();
    if let Some(dropped) = parse_softnet_dropped(&softnet) {
        counters.insert(SOFTNET_DROPPED.to_owned(), dropped);
    }
    counters
}

/// The second column of every CPU's line (hexadecimal), summed.
fn parse_softnet_dropped(text: &str) -> Option<i64> {
    text.lines().map(|line| i64::from_str_radix(line.split_whitespace().nth(1)?, 16).ok()).sum()
}

fn parse_tcp_counters(text: &str) -> BTreeMap<String, i64> {
    let mut lines = text.lines().filter(|l| l.starts_with("TcpExt:"));
    let (Some(names), Some(values)) = (lines.next(), lines.next()) else {
        return BTreeMap::new();
    };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .skip(1)
        .filter(|(name, _)| TCP_COUNTERS.contains(name))
        .filter_map(|(name, value)| Some((name.to_owned(), value.parse().ok()?)))
        .collect()
}

/// `after - before`, per counter.
pub fn counter_deltas(
    before: &BTreeMap<String, i64>,
    after: &BTreeMap<String, i64>,
) -> BTreeMap<String, i64> {
    after.iter().map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0))).collect()
}

/// Whether a process with this id exists (and is visible to us).
pub fn exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_found_after_a_command_name_with_spaces_and_parentheses() {
        let stat = "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0";
        assert_eq!(parse_cpu_ticks(stat), Some(325));
    }

    #[test]
    fn vm_rss_is_read_in_kib() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t    5120 kB\nThreads:\t2\n";
        assert_eq!(parse_vm_rss(status), Some(5120));
        assert_eq!(status_kib("RssAnon:\t  4096 kB\n", "RssAnon:"), Some(4096));
    }

    #[test]
    fn sockstat_gives_tcp_sockets_and_pages() {
        let text =
            "sockets: used 19\nTCP: inuse 5 orphan 0 tw 0 alloc 7 mem 292\nUDP: inuse 0 mem 0\n";
        assert_eq!(parse_sockstat(text), Some(SockStat { inuse: 5, alloc: 7, mem_pages: 292 }));
        assert!(sockstat().is_some());
        assert!(memory_used_kib().is_some_and(|kib| kib > 0));
    }

    #[test]
    fn own_children_are_found_by_their_command_line() {
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let found = own_children_with("sleep");
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(found, vec![child.id()]);
    }

    #[test]
    fn softnet_drops_are_summed_over_cpus_from_hexadecimal() {
        let text = "17b64ffd 00003dae 00000021 00000000\n176c2fb8 0000200b 00000016 00000000\n";
        assert_eq!(parse_softnet_dropped(text), Some(0x3dae + 0x200b));
        assert_eq!(parse_softnet_dropped(""), Some(0));
        assert_eq!(parse_softnet_dropped("17b64ffd zz\n"), None);
    }

    #[test]
    fn tcp_counters_are_read_from_the_tcpext_lines() {
        let text = "TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 1 7 9\nIpExt: A\nIpExt: 1\n";
        let counters = parse_tcp_counters(text);
        assert_eq!(counters.get("ListenOverflows"), Some(&7));
        assert_eq!(counters.get("ListenDrops"), Some(&9));
        assert_eq!(counters.len(), 2);
    }

    #[test]
    fn this_process_can_be_measured() {
        assert!(own_rss_kib().unwrap() > 0);
        // (Other test threads come and go, so only sanity can be checked here.)
        assert!(cpu_ns_precise(std::process::id()).unwrap() > 0);
        cpu_us(std::process::id()).unwrap();
        let me = std::process::id();
        assert!(sum_over(&[me, me], rss_kib).unwrap() > 0);
        assert_eq!(sum_over(&[], rss_kib), None);
        assert_eq!(sum_over(&[me, u32::MAX], rss_kib), None, "a missing process fails the sum");
    }
}
