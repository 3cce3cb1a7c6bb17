//! What a local process costs, read from `/proc`: resident memory and CPU time.

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

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
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
    }

    #[test]
    fn this_process_can_be_measured() {
        assert!(own_rss_kib().unwrap() > 0);
        cpu_us(std::process::id()).unwrap();
    }
}
