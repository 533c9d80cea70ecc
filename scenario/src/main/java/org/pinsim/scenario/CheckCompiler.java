package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.pinsim.scenario.Plan.CheckField;

/** Resolves a {@code check} line: which figure it reads, of which region, against which value. */
final class CheckCompiler {

    /** /proc/PID/status fields a check may name, in the file's order. */
    static final List<String> STATUS_FIELDS = List.of("VmPeak", "VmSize", "VmLck", "VmPin", "VmHWM", "VmRSS",
            "RssAnon", "RssFile", "RssShmem", "VmData", "VmStk", "VmExe", "VmLib", "VmPTE", "VmSwap");

    private static final Map<String, CheckField> OTHER_FIELDS = new TreeMap<>(Map.ofEntries(
            Map.entry("smaps.Locked", CheckField.SMAPS_LOCKED), Map.entry("maps", CheckField.MAPS),
            Map.entry("vmas", CheckField.VMAS), Map.entry("locked_vmas", CheckField.LOCKED_VMAS),
            Map.entry("lck", CheckField.LCK), Map.entry("rss", CheckField.RSS),
            Map.entry("smaps_locked", CheckField.SMAPS_LOCKED_REGION),
            Map.entry("smaps_shared", CheckField.SMAPS_SHARED_REGION), Map.entry("thp", CheckField.THP_REGION),
            Map.entry("lazyfree", CheckField.LAZYFREE_REGION),
            Map.entry("user.locked_vm", CheckField.USER_LOCKED), Map.entry("exempt", CheckField.EXEMPT)));

    static {
        OTHER_FIELDS.put("migration_waits", CheckField.MIGRATION_WAITS);
        OTHER_FIELDS.put("moved", CheckField.MOVED);
    }

    /** {@code node0}, {@code node1}, ...: the region check of pages on one node. */
    static boolean isNodeField(String name) {
        return name.length() > 4 && name.startsWith("node") && name.substring(4).chars().allMatch(Character::isDigit)
                && name.length() <= 8;
    }

    private CheckCompiler() {
    }

    static Plan.CheckStep compile(Statement.Check st, Validator v) {
        String proc = st.proc() == null ? null : v.process(st.proc());
        CheckField field;
        String name = st.field();
        if (proc == null) {
            field = systemField(name);
            if (field != CheckField.PHYSMEM) {
                name = name.substring(name.indexOf('.') + 1);
            }
        } else {
            field = processField(st, v);
        }
        Val start = null;
        Val length = null;
        Val mark = null;
        if (field == CheckField.MOVED) {
            mark = mark(st, v);
            Val[] region = region(st, v, st.region().subList(0, st.region().size() - 1));
            start = region[0];
            length = region[1];
        } else if (isRegion(field)) {
            Val[] region = region(st, v, st.region());
            start = region[0];
            length = region[1];
        } else if (!st.region().isEmpty()) {
            throw v.resolver().error(st.region().get(0).pos(), "expected a comparison after " + st.field()
                    + " (only vmas, locked_vmas, lck, rss, smaps_locked, smaps_shared, thp, lazyfree, nodeN and moved take a region),"
                    + " found '('");
        }
        return new Plan.CheckStep(st, proc, field, name, start, length, value(st, field, v), mark);
    }

    /** The last argument of {@code moved(R, M)}: a name bound by {@code mark()}. */
    private static Val mark(Statement.Check st, Validator v) {
        List<Expr> args = st.region();
        Expr e = args.get(args.size() - 1);
        Scope.Binding b = e instanceof Expr.Name n ? v.scope().get(n.name()) : null;
        if (args.size() < 2 || b == null || !"mark".equals(b.call())) {
            throw v.resolver().error(e.pos(), "expected a region and a name bound by mark() (moved(R, M) or moved(ADDR, LEN, M)),"
                    + " found " + Resolver.describe(e));
        }
        return new Val.Ref(((Expr.Name) e).name());
    }

    private static CheckField systemField(String name) {
        if (org.pinsim.core.mem.PhysMemFields.isPath(name)) {
            return CheckField.PHYSMEM;
        }
        if (name.startsWith("vmstat.")) {
            return CheckField.VMSTAT;
        }
        return name.startsWith("meminfo.HugePages_") ? CheckField.MEMINFO_COUNT : CheckField.MEMINFO;
    }

    private static CheckField processField(Statement.Check st, Validator v) {
        if (STATUS_FIELDS.contains(st.field())) {
            return CheckField.STATUS;
        }
        CheckField f = isNodeField(st.field()) ? CheckField.NODE_PAGES : OTHER_FIELDS.get(st.field());
        if (f == null) {
            List<String> known = new ArrayList<>(STATUS_FIELDS);
            known.addAll(OTHER_FIELDS.keySet());
            known.add("nodeN");
            throw v.resolver().error(st.fieldPos(), "expected a process field (" + String.join(", ", known) + "), found '"
                    + st.field() + "'" + Suggest.didYouMean(st.field(), known));
        }
        if (isRegion(f) && st.region().isEmpty()) {
            throw v.resolver().error(st.opPos(), "expected '(' and a region after " + st.field() + " (NAME or ADDR, LEN), found '"
                    + st.op() + "'");
        }
        return f;
    }

    static boolean isRegion(CheckField f) {
        return switch (f) {
            case VMAS, LOCKED_VMAS, LCK, RSS, SMAPS_LOCKED_REGION, SMAPS_SHARED_REGION, NODE_PAGES, THP_REGION, LAZYFREE_REGION, MOVED -> true;
            default -> false;
        };
    }

    /** {@code NAME} bound by mmap/mremap (its address and remembered length), or {@code ADDR, LEN}. */
    private static Val[] region(Statement.Check st, Validator v, List<Expr> args) {
        Resolver r = v.resolver();
        if (args.size() == 2) {
            Val start = r.num(args.get(0), null, "the region address", v.scope(), false);
            if (start instanceof Val.Const c && c.value() != 0) {
                start = new Val.Addr(c.value()); // a trace's address, translated like a call's
            }
            return new Val[] {start, r.num(args.get(1), null, "the region length", v.scope(), false)};
        }
        if (args.size() != 1) {
            throw r.error(args.get(2).pos(), "expected a region (NAME or ADDR, LEN), found a third argument");
        }
        Expr e = args.get(0);
        Scope.Binding b = e instanceof Expr.Name n ? v.scope().get(n.name()) : null;
        if (b == null || b.kind() != Scope.Kind.REGION) {
            String why = b == null ? "" : " (bound by " + b.call() + ", which gives no length; write ADDR, LEN)";
            throw r.error(e.pos(), "expected a name bound by mmap or mremap, or ADDR, LEN, found " + Resolver.describe(e) + why);
        }
        String name = ((Expr.Name) e).name();
        return new Val[] {new Val.Ref(name), new Val.LengthOf(name)};
    }

    private static Val value(Statement.Check st, CheckField field, Validator v) {
        Resolver r = v.resolver();
        Expr e = st.value();
        boolean unit = st.kB() || Resolver.hasUnit(e);
        if (!field.bytes() && unit) {
            throw r.error(e.pos(), "expected a count for " + st.field() + ", found a size");
        }
        if (field.bytes() && !unit && e instanceof Expr.Num n && n.value() != 0) {
            throw r.error(e.pos(), "expected a size with a unit for " + st.field() + " (" + n.text() + " kB, "
                    + n.text() + "KiB), found '" + n.text() + "'");
        }
        Val val = r.num(e, null, "the value of the check", v.scope(), true);
        if (st.kB()) {
            val = val instanceof Val.Const c ? new Val.Const(c.value() * 1024) : new Val.Bin('*', val, new Val.Const(1024));
        }
        return val;
    }
}
