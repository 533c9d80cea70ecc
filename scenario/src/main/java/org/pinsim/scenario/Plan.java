package org.pinsim.scenario;

import java.util.List;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;

/**
 * A scenario resolved for one profile: the machine, the sysctls, the processes to create
 * and the steps to run, every name and flag already checked. Running a plan cannot fail for
 * the input's sake, except where only the booted kernel can tell (an unknown sysctl or
 * vmstat field), which the runner reports before it runs anything.
 */
record Plan(Scenario scenario, Profile profile, MachineConfig machine, List<SysctlSetting> sysctls,
            List<ProcessDecl> processes, List<Step> steps, RunOptions options) {

    Plan(Scenario scenario, Profile profile, MachineConfig machine, List<SysctlSetting> sysctls,
         List<ProcessDecl> processes, List<Step> steps) {
        this(scenario, profile, machine, sysctls, processes, steps, null);
    }

    record SysctlSetting(String name, long value, Pos pos) {
    }

    record ProcessDecl(String name, ProcessSpec spec, Pos pos) {
    }

    /** What to do for one statement that applies under the plan's profile. */
    sealed interface Step {
        int line();
    }

    /**
     * Run {@code spec} in process {@code proc}. {@code bind} (may be null) receives the result;
     * {@code aliasPid}, when not null, is a strace pid that names the child a fork-like call
     * creates.
     */
    record CallStep(Statement.Call statement, String proc, CallSpec spec, List<Arg> args, Expect expect,
                    String bind, Long aliasPid) implements Step {
        @Override
        public int line() {
            return statement.line();
        }
    }

    /** A call that is not run: unknown, or known but not modelled yet. */
    record SkipStep(Statement.Call statement, String proc, String reason) implements Step {
        @Override
        public int line() {
            return statement.line();
        }
    }

    /**
     * A line strace writes about a task ({@code +++ exited with 0 +++}, {@code +++ killed by
     * SIGKILL +++}, {@code --- SIGSEGV {...} ---}): an exit or a kill the run carries out on
     * the task when the log did not show the call that did it.
     */
    record EventStep(Statement.Event statement, String proc) implements Step {
        @Override
        public int line() {
            return statement.line();
        }
    }

    record CheckStep(Statement.Check statement, String proc, CheckField field, String procField, Val regionStart,
                     Val regionLength, Val value, Val mark) implements Step {
        CheckStep(Statement.Check statement, String proc, CheckField field, String procField, Val regionStart,
                  Val regionLength, Val value) {
            this(statement, proc, field, procField, regionStart, regionLength, value, null);
        }

        @Override
        public int line() {
            return statement.line();
        }
    }

    /**
     * The expectation of a call: a value, an errno, or none; and for getrlimit/prlimit64 the
     * limit the kernel should write back (null if not written); for move_pages the status array
     * (null if not compared).
     */
    record Expect(Kind kind, Val value, int errno, Val outCur, Val outMax, List<Val> outArray) {

        Expect(Kind kind, Val value, int errno, Val outCur, Val outMax) {
            this(kind, value, errno, outCur, outMax, null);
        }

        /**
         * SUCCESS: a fork-like call whose expected value is the child's pid in a strace log, or
         * a call returning a handle the model numbers (rdma_reg_mr), whose expected value is
         * the handle the author saw elsewhere.
         */
        enum Kind { NONE, VALUE, SUCCESS, ANY_ERROR, ERRNO }

        static final Expect NONE = new Expect(Kind.NONE, null, 0, null, null);
    }

    /** What a check reads. */
    enum CheckField {
        STATUS(true), SMAPS_LOCKED(true), MAPS(false),
        VMAS(false), LOCKED_VMAS(false), LCK(true), RSS(true), SMAPS_LOCKED_REGION(true), SMAPS_SHARED_REGION(true), THP_REGION(true), LAZYFREE_REGION(true),
        VMSTAT(false), MEMINFO(true), MEMINFO_COUNT(false),
        /** A figure of buddyinfo, pagetypeinfo, zoneinfo, extfrag, ... ({@link org.pinsim.core.mem.PhysMemFields}). */
        PHYSMEM(false),
        /** The process's uid's user->locked_vm (io_uring and perf charges), which /proc does not show. */
        USER_LOCKED(true),
        /** The memory the process exempts from paging ({@link org.pinsim.core.account.Exempt}). */
        EXEMPT(true),
        /** {@code nodeN(R)}: pages of the region present on node N (not the zero page), as pagemap and move_pages show. */
        NODE_PAGES(false),
        /** Faults of the task that waited on a page's migration (mm/migrate.c migration_entry_wait). */
        MIGRATION_WAITS(false),
        /** {@code moved(R, M)}: pages of the region present at mark M and now, on another frame (pagemap's PFN). */
        MOVED(false);

        private final boolean bytes;

        CheckField(boolean bytes) {
            this.bytes = bytes;
        }

        /** True when the field is a size (compared in bytes, printed in kB), false for a count. */
        boolean bytes() {
            return bytes;
        }
    }
}
