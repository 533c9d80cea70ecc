package org.pinsim.scenario;

/**
 * {@code --as 'KEY=VALUE ...'}: the process attributes a raw strace log does not carry (a log
 * says nothing of the uid, capabilities and memlock limit it ran with), written with the keys
 * of a {@code process} directive: {@code uid=0 caps=-sys_resource,-ipc_lock rlimit.memlock=64KiB}.
 * They apply to the log's first process, on top of the file's own {@code process} directive
 * for it if any, and its children inherit them as the kernel's fork does (kernel/fork.c
 * copy_process: copy_creds, and the signal struct's rlimits in copy_signal). {@code PID:}
 * before the keys names the pid they are for; pinsim takes it only for the log's first pid,
 * since a child's attributes are its parent's (a child that changed its own, with setuid,
 * capset or prlimit, does it by calls the log shows).
 */
record As(Long pid, Directive.Process keys) {

    /** The name messages give the option's text: {@code --as:1:COLUMN: expected ...}. */
    static final String FILE = "--as";

    static As parse(String text) {
        return text == null ? null : Parser.parseAs(text);
    }

    /** The log's first pid must be the one {@code --as} names. */
    static void checkFirstPid(RunOptions options, long firstPid) {
        As as = parse(options.as());
        if (as != null && as.pid() != null && as.pid() != firstPid) {
            throw new InvalidInputException(FILE, 1, 1, "expected the log's first pid (" + firstPid
                    + "), whose attributes its children inherit, found pid " + as.pid());
        }
    }

    /** {@code --as 'PID: ...'} on a file that names no pid. */
    static void checkPidSeen(RunOptions options, Long firstPid) {
        As as = parse(options.as());
        if (as != null && as.pid() != null && firstPid == null) {
            throw new InvalidInputException(FILE, 1, 1, "expected a log with strace pids for '" + as.pid()
                    + ":', found a file that names no pid");
        }
    }
}
