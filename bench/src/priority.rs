//! CPU priorities of the processes a benchmark starts: on this one machine, clients, the nodes that
//! fan out, the node the operator posts to and its database share two cores, where in production
//! each would have its own. Raising a process's priority (lowering its nice value; root may go
//! below 0) is how a run gives one of them the head start its own machine would.

use anyhow::Context;

/// Sets every thread of process `pid` `levels` nice levels above this process (`levels` 0: the
/// same). Threads it starts later inherit the value of the thread that starts them, so all of
/// them keep it.
pub fn raise(pid: u32, levels: i32) -> anyhow::Result<()> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .with_context(|| format!("reading the threads of process {pid}"))?;
    for task in tasks {
        let Some(tid) = task?.file_name().to_str().and_then(|t| t.parse::<u32>().ok()) else {
            continue;
        };
        match raise_thread(tid, levels) {
            // A thread that ended since the listing has nothing left to raise.
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {}
            raised => raised.with_context(|| {
                format!("raising thread {tid} of {pid} by {levels} nice levels (needs root)")
            })?,
        }
    }
    Ok(())
}

/// This process's nice value.
fn own_nice() -> i32 {
    // SAFETY: getpriority reads this process's own scheduling value.
    unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
}

/// Highest priority a process can have (the lowest nice value).
const HIGHEST: i32 = -20;

/// Fails unless processes can be raised `levels` nice levels above this one: below nice -20 the
/// kernel silently clamps, so a bench started at nice -15 would run a process raised 10 levels and
/// one raised 5 at the same -20, and the head start between them would be lost.
pub fn ensure_room(levels: i32) -> anyhow::Result<()> {
    let ours = own_nice();
    if ours - levels < HIGHEST {
        anyhow::bail!(
            "this process runs at nice {ours}: raising a process {levels} levels above it would \
             need nice {}, below {HIGHEST}, and the kernel would clamp it; start the bench at nice \
             {} or higher",
            ours - levels,
            HIGHEST + levels
        );
    }
    Ok(())
}

/// Sets thread `tid` `levels` nice levels above this process's main thread.
pub fn raise_thread(tid: u32, levels: i32) -> std::io::Result<()> {
    let ours = own_nice();
    // SAFETY: setpriority sets the scheduling value of one thread, by its id.
    if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, ours - levels) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// [`raise`] for process `pid` and the processes it has started so far (Postgres's postmaster
/// and its background processes; the backends it forks later inherit the postmaster's value).
pub fn raise_with_children(pid: u32, levels: i32) -> anyhow::Result<()> {
    raise(pid, levels)?;
    for child in crate::procfs::children_of(pid) {
        raise(child, levels)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_room_for_no_raise_and_none_beyond_forty_levels() {
        ensure_room(0).expect("no raise always fits");
        let err = ensure_room(40).expect_err("no nice value is 40 levels above -20");
        assert!(err.to_string().contains("clamp"), "{err}");
    }

    /// The nice value of process `pid`'s main thread.
    fn nice_of(pid: u32) -> anyhow::Result<i32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        let after_name = stat.rfind(')').context("no command name in stat")?;
        // Field 19 of stat; fields 3 on follow the command name.
        let nice = stat[after_name + 1..].split_whitespace().nth(16).context("stat too short")?;
        Ok(nice.parse()?)
    }

    #[test]
    fn a_raised_child_and_all_its_threads_run_at_the_asked_level() {
        // Lowering a nice value needs root; raising it (a negative level) does not.
        let mut child = std::process::Command::new("sleep").arg("5").spawn().expect("sleep");
        let ours = nice_of(std::process::id()).expect("our nice");
        raise(child.id(), -3).expect("raise");
        assert_eq!(nice_of(child.id()).expect("its nice"), (ours + 3).min(19));
        child.kill().ok();
        child.wait().ok();
    }
}
