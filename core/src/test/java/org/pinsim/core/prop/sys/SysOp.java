package org.pinsim.core.prop.sys;

import java.util.List;
import org.pinsim.core.SysResult;
import org.pinsim.core.Task;

/**
 * One step of a random syscall sequence: which process, which call, symbolic arguments.
 * An op runs itself on a task and renders itself as the call of one .pin line; its
 * arguments resolve through the {@link SysRun} (regions, fds and processes named by the ops
 * that made them). {@link SysOps} has the ops, {@link SysGen} the weights they are drawn with.
 */
public interface SysOp {

    /** How the result is written in a .pin: as an expectation, or in a comment. */
    enum Style {
        /** {@code = 0}, {@code = 3}: compared when the scenario runs. */
        VALUE,
        /** An address: a comment, since a literal address expectation makes a scenario translate addresses (a trace's). */
        ADDRESS,
        /** A pid: a comment, since a number after fork is a trace's pid alias. */
        PROCESS
    }

    /** Stable identity: the op's index in the generated sequence; shrinking keeps it. */
    int id();

    Proc proc();

    SysResult run(SysRun c, Task t);

    /** The call as a .pin writes it, for example {@code mlock(m3 + 4KiB, 8KiB)}. */
    String render(SysRun c, Task t);

    /**
     * The prefix of the name the result is bound to ({@code m} gives {@code m12 = mmap(...)}),
     * or null when no later op refers to it. Prefixes differ between kinds of results.
     */
    default String bindPrefix() {
        return null;
    }

    /** The length of the region a successful call maps (mmap, mremap), else 0. */
    default long regionLength() {
        return 0;
    }

    default Style style() {
        return Style.VALUE;
    }

    /** Simpler forms for shrinking, the simplest first. */
    default List<SysOp> simpler() {
        return List.of();
    }
}
