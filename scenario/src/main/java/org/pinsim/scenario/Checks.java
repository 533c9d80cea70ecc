package org.pinsim.scenario;

import java.util.Map;
import org.pinsim.core.Task;
import org.pinsim.core.proc.ProcFs;
import org.pinsim.core.proc.RegionStats;
import org.pinsim.scenario.Plan.CheckField;

/** Reads the figure a check names, in bytes for sizes, and compares it. */
final class Checks {

    private Checks() {
    }

    /**
     * The figure now. A vmstat event counter is its change since the scenario began
     * ({@code vmstatAtStart}); a {@code nr_*} state counter is absolute.
     */
    static long read(Plan.CheckStep step, Task task, ProcFs proc, Map<String, Long> vmstatAtStart, Val.Env env) {
        String name = step.procField();
        return switch (step.field()) {
            case STATUS -> proc.statusField(task, name) * 1024;
            case SMAPS_LOCKED -> proc.smapsLockedTotal(task);
            case MAPS -> proc.mapCount(task);
            case VMSTAT -> name.startsWith("nr_") ? proc.vmstatField(name)
                    : proc.vmstatField(name) - vmstatAtStart.getOrDefault(name, 0L);
            case MEMINFO -> proc.meminfoField(name) * 1024;
            case MEMINFO_COUNT -> proc.meminfoField(name);
            case PHYSMEM -> proc.physmemField(name);
            case USER_LOCKED -> task.kernel().user(task.uid()).lockedVm() << 12;
            case EXEMPT -> org.pinsim.core.account.Exempt.pages(task.kernel(), task) << 12;
            case MIGRATION_WAITS -> task.migrationWaits();
            case MOVED -> task.kernel().frameMarks().moved(task, (int) step.mark().eval(env), step.regionStart().eval(env),
                    step.regionLength().eval(env));
            case NODE_PAGES -> nodePages(task, Integer.parseInt(name.substring(4)), step.regionStart().eval(env),
                    step.regionLength().eval(env));
            default -> region(step, task, proc, env);
        };
    }

    private static long region(Plan.CheckStep step, Task task, ProcFs proc, Val.Env env) {
        RegionStats rs = proc.region(task, step.regionStart().eval(env), step.regionLength().eval(env));
        return switch (step.field()) {
            case VMAS -> rs.vmas();
            case LOCKED_VMAS -> rs.lockedVmas();
            case LCK -> rs.lckBytes();
            case RSS -> rs.rssBytes();
            case SMAPS_SHARED_REGION -> rs.smapsSharedBytes();
            case THP_REGION -> rs.smapsAnonHugeBytes();
            case LAZYFREE_REGION -> rs.smapsLazyFreeBytes();
            default -> rs.smapsLockedBytes();
        };
    }

    /** Pages of [start, start+len) mapped by a present PTE to a frame of node {@code nid}, the zero page excepted. */
    private static long nodePages(Task task, int nid, long start, long len) {
        org.pinsim.core.mem.PhysMem mem = task.kernel().mem();
        long lo = start & ~4095L;
        long hi = (start + len + 4095) & ~4095L;
        long[] n = new long[1];
        task.mm().pageTable().walk(lo, hi, (addr, e) -> {
            if (org.pinsim.core.mm.Pte.present(e) && org.pinsim.core.mm.Pte.pfn(e) != mem.zeroPfn()
                    && mem.nidOf(org.pinsim.core.mm.Pte.pfn(e)) == nid) {
                n[0]++;
            }
        });
        return n[0];
    }

    static boolean compare(String op, long got, long want) {
        return switch (op) {
            case "==" -> got == want;
            case "!=" -> got != want;
            case "<" -> got < want;
            case "<=" -> got <= want;
            case ">" -> got > want;
            default -> got >= want;
        };
    }

    /** A size as /proc prints it ({@code 64 kB}), a count as a number. */
    static String format(CheckField field, long v) {
        return field.bytes() ? Sizes.kB(v) : Long.toString(v);
    }
}
