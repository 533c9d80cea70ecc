package org.pinsim.scenario;

import java.util.List;
import org.pinsim.core.Profile;

/**
 * What a run did, in file order: one entry per statement or check that applied, the final
 * /proc figures of each live process, the calls skipped, and the counts, and what the run
 * was ({@link Manifest}: version, profile, machine, sysctls, seed, the input's SHA-256). Text
 * and JSON output are both written from this.
 */
public record Report(String file, Profile profile, long seed, List<Entry> entries, List<ProcessFigures> processes,
                     List<SkippedCall> skipped, Summary summary, List<String> notes, Manifest manifest) {

    public Report(String file, Profile profile, long seed, List<Entry> entries, List<ProcessFigures> processes,
                  List<SkippedCall> skipped, Summary summary, List<String> notes) {
        this(file, profile, seed, entries, processes, skipped, summary, notes, null);
    }

    public Report(String file, Profile profile, long seed, List<Entry> entries, List<ProcessFigures> processes,
                  List<SkippedCall> skipped, Summary summary) {
        this(file, profile, seed, entries, processes, skipped, summary, List.of());
    }

    /** 0 when every expectation and check held, 1 when one did not. */
    public int exitCode() {
        return summary.mismatched() + summary.failed() > 0 ? 1 : 0;
    }

    public sealed interface Entry {
        int line();
    }

    /**
     * A call that ran (or could not, because its process is gone: then {@code result} says so
     * and {@code value} is null). {@code result} is printed as strace prints it, {@code value}
     * is what userspace sees (-1 on failure); {@code match} is null without an expectation;
     * {@code detail} says what differed.
     */
    public record CallEntry(int line, String proc, String text, String call, String args, String result, Long value,
                            String errno, String reason, String expected, Boolean match, String detail,
                            Refusal refusal, String time, String duration, List<String> notes)
            implements Entry {

        public CallEntry(int line, String proc, String text, String call, String args, String result, Long value,
                         String errno, String reason, String expected, Boolean match, String detail) {
            this(line, proc, text, call, args, result, value, errno, reason, expected, match, detail,
                    errno == null ? null : new Refusal(call, errno, reason), null, null, List.of());
        }
    }

    /**
     * Why a call was refused, as the model said it: the call, the errno name and the rule's own
     * words ({@code mlock: 32 pages - 0 already locked + locked_vm 0 > RLIMIT_MEMLOCK 16 pages},
     * null when the model named none). The seam an explanation of the refusal builds on.
     */
    public record Refusal(String call, String errno, String reason, org.pinsim.core.LimitCheck limit,
                          List<Sharer> sharers) {

        public Refusal(String call, String errno, String reason) {
            this(call, errno, reason, null, List.of());
        }

        /** The full explanation ({@link Explain}): the rule, its numbers, what bypasses it, what makes it pass. */
        public List<String> explanation() {
            return Explain.lines(this);
        }

        /** The one line the transcript prints under a refused call. */
        public String line() {
            return reason != null ? reason : call + ": " + errno + " (the model names no rule for it)";
        }
    }

    /**
     * A live process of the uid whose user->locked_vm refused a call (io_uring, perf), at the
     * time of the refusal: the processes that share that counter.
     */
    public record Sharer(int pid, String name) {
    }

    /** A call not run: an unknown name, or a call not modelled yet. */
    public record SkipEntry(int line, String proc, String text, String call, String args, String reason,
                            String time, String duration)
            implements Entry {

        public SkipEntry(int line, String proc, String text, String call, String args, String reason) {
            this(line, proc, text, call, args, reason, null, null);
        }
    }

    /**
     * A strace task line ({@code +++ exited with 0 +++}, {@code +++ killed by SIGKILL +++},
     * {@code --- SIGSEGV {...} ---}) and what the run did with it ({@code outcome}).
     */
    public record EventEntry(int line, String proc, String text, String outcome) implements Entry {
    }

    /** A check: {@code expected} and {@code actual} as printed ({@code 64 kB}, {@code 3}). */
    public record CheckEntry(int line, String text, String proc, String field, String op, String expected,
                             String actual, boolean match) implements Entry {
    }

    /**
     * Final figures: kB as /proc/PID/status prints them, and the VMA count; then what /proc
     * does not show: the process's uid and that uid's user->locked_vm (io_uring and perf
     * charges, shared by the uid's processes), and the memory the process exempts from
     * paging ({@link org.pinsim.core.account.Exempt}). {@code exited}, for a process of a
     * replayed log that had exited by the end, says when: the figures are those just before it
     * did ({@code exit_group at line 3021}); null for a process alive at the end.
     */
    public record ProcessFigures(String name, int pid, long vmSizeKb, long vmLckKb, long vmPinKb, long vmRssKb,
                                 int maps, int uid, long userLockedKb, long exemptKb, String exited) {

        public ProcessFigures(String name, int pid, long vmSizeKb, long vmLckKb, long vmPinKb, long vmRssKb,
                              int maps, int uid, long userLockedKb, long exemptKb) {
            this(name, pid, vmSizeKb, vmLckKb, vmPinKb, vmRssKb, maps, uid, userLockedKb, exemptKb, null);
        }
    }

    /** One skipped call name: how often, on which lines, and why. */
    public record SkippedCall(String call, List<Integer> lines, String reason) {
    }

    public record Summary(int calls, int matched, int mismatched, int skipped, int checks, int failed) {
        /** Calls that ran without an expectation (nothing after {@code =}, or {@code ?}): neither matched nor mismatched. */
        public int unjudged() {
            return calls - matched - mismatched;
        }
    }
}
