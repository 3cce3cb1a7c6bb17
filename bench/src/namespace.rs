//! A network namespace of the run's own, entered before anything starts (`million --own-netns`):
//! every process the run starts (Postgres, nats-server, the nodes, the client workers) inherits
//! it, and its TCP hash table is sized for the run.
//!
//! The kernel sizes the established-connections hash table at boot by memory: 262,144 buckets
//! here, so a million loopback connections (two million sockets) make chains of ~8 that every
//! arriving packet walks (`__inet_lookup_established` took 8% of both cores while a million
//! connected). A namespace gets a table of its own, of `tcp_child_ehash_entries` buckets as set
//! in its parent when it is made, so the run makes one with 2^21 and puts the setting back.

use std::io::{Read, Seek, SeekFrom, Write};
use std::process::Command;

use anyhow::{bail, Context};

/// Buckets of the namespace's TCP hash table (a power of two): one per socket of a million
/// connections, 16 MiB of kernel memory.
pub const EHASH_BUCKETS: u32 = 1 << 21;

const CHILD_EHASH: &str = "/proc/sys/net/ipv4/tcp_child_ehash_entries";

/// Moves this process into a new network namespace with `buckets` TCP hash buckets and its
/// loopback up. Must run before any thread starts (the runtime, the sampler): a thread that
/// exists already would stay behind. Needs root.
pub fn enter(buckets: u32) -> anyhow::Result<()> {
    // Opened here, the file stays the parent namespace's after the unshare: a net sysctl is bound
    // to its namespace when it is opened.
    let mut parent = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(CHILD_EHASH)
        .with_context(|| format!("opening {CHILD_EHASH} (kernel 6.1 or later, as root)"))?;
    let mut before = String::new();
    parent.read_to_string(&mut before).with_context(|| format!("reading {CHILD_EHASH}"))?;
    rewrite(&mut parent, &buckets.to_string())?;
    // SAFETY: unshare with a flag only changes this (still single-threaded) process's namespace.
    let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
    let unshared = if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) };
    rewrite(&mut parent, before.trim())?;
    unshared.context("unshare(CLONE_NEWNET) (needs root)")?;
    let status = Command::new("ip")
        .args(["link", "set", "lo", "up"])
        .status()
        .context("running `ip link set lo up` (iproute2)")?;
    if !status.success() {
        bail!("`ip link set lo up` in the new namespace failed: {status}");
    }
    let ours = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_ehash_entries").unwrap_or_default();
    tracing::info!(ehash = ours.trim(), "running in a network namespace of its own");
    Ok(())
}

fn rewrite(file: &mut std::fs::File, value: &str) -> anyhow::Result<()> {
    file.seek(SeekFrom::Start(0))?;
    file.write_all(value.as_bytes()).with_context(|| format!("writing {value} to {CHILD_EHASH}"))
}
