package org.pinsim.scenario;

/**
 * {@code --as 'KEY=VALUE ...'}: the process attributes a raw strace log does not carry (a log
 * says nothing of the uid, capabilities and memlock limit it ran with), written with the keys
 * of a {@code process} directive: {@code uid=0 caps=-sys_resource,-ipc_lock rlimit.memlock=64KiB}.
 * Without a pid they apply to the log's first process, on top of the file's own {@code process}
 * directive for it if any, and its children inherit them as the kernel's fork does
 * (kernel/fork.c copy_process: copy_creds, and the signal struct's rlimits in copy_signal).
 * {@code PID:} before the keys names the pid they are for: the first pid as above, or a child's
 * pid, which takes them when the fork-like call that made it returns, as if it had called
 * setresuid, capset and prlimit where the (filtered) log does not show it; its own children
 * inherit them. A child's address space is its parent's copy, so {@code layout} is for the
 * first process only.
 */
record As(Long pid, Directive.Process keys) {

    /** The name messages give the option's text: {@code --as:1:COLUMN: expected ...}. */
    static final String FILE = "--as";

    static As parse(String text) {
        return text == null ? null : Parser.parseAs(text);
    }

    /** Whether the keys are for the first process: no pid, or the log's first pid. */
    boolean forFirst(Long firstPid) {
        return pid == null || pid.equals(firstPid);
    }

    /** {@code --as 'PID: ...'} for a child: no layout (its address space is its parent's copy). */
    static void checkFirstPid(RunOptions options, long firstPid) {
        As as = parse(options.as());
        if (as != null && !as.forFirst(firstPid) && as.keys().layout() != null) {
            throw new InvalidInputException(FILE, as.keys().layoutPos().line(), as.keys().layoutPos().column(),
                    "expected uid, caps or rlimit.memlock for pid " + as.pid() + ", a child whose address space is"
                    + " its parent's copy (layout is for the first pid, " + firstPid + "), found layout="
                    + as.keys().layout());
        }
    }

    /** {@code --as 'PID: ...'}: the pid must be the log's, first or one a fork-like call returned. */
    static void checkPidSeen(RunOptions options, Long firstPid, java.util.Set<Long> pids) {
        As as = parse(options.as());
        if (as == null || as.pid() == null) {
            return;
        }
        if (firstPid == null) {
            throw new InvalidInputException(FILE, 1, 1, "expected a log with strace pids for '" + as.pid()
                    + ":', found a file that names no pid");
        }
        if (!pids.contains(as.pid())) {
            throw new InvalidInputException(FILE, 1, 1, "expected a pid of the log (the first, " + firstPid
                    + ", or one a fork, vfork, clone or clone3 returned), found pid " + as.pid());
        }
    }
}
