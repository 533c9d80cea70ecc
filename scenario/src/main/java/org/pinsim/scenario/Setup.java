package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pinsim.core.Kernel;
import org.pinsim.core.Task;
import org.pinsim.core.proc.ProcFs;

/**
 * Boots the kernel of a plan, applies its sysctls and creates its processes, then checks
 * what only a booted kernel can tell (sysctl names, vmstat and meminfo field names), and
 * takes the vmstat snapshot event counters are measured from. Any problem here is the
 * input's, and nothing has run yet.
 */
record Setup(Kernel kernel, Map<String, Integer> processes, Map<String, Long> vmstat) {

    static Setup boot(Plan plan) {
        String file = plan.scenario().file();
        // the sysctls are set before the machine ages (Kernel.boot) and again after boot, in order
        Map<String, Long> early = new LinkedHashMap<>();
        org.pinsim.core.Sysctl names = new org.pinsim.core.Sysctl();
        for (Plan.SysctlSetting s : plan.sysctls()) {
            if (!names.all().containsKey(s.name())) {
                List<String> known = new ArrayList<>(names.all().keySet());
                throw new InvalidInputException(file, s.pos(), "expected a sysctl the model knows (" + String.join(", ", known)
                        + "), found '" + s.name() + "'" + Suggest.didYouMean(s.name(), known));
            }
            if (s.name().equals(org.pinsim.core.Sysctl.DEFRAG_MODE) && (s.value() < 0 || s.value() > 1)) {
                throw new InvalidInputException(file, s.pos(), "expected 0 or 1 for vm.defrag_mode, found " + s.value());
            }
            early.put(s.name(), s.value());
        }
        Kernel kernel;
        try {
            kernel = Kernel.boot(plan.machine(), early);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(file, 1, 1, "expected a machine this JVM can hold and the model can boot, found: " + e.getMessage());
        }
        for (Plan.SysctlSetting s : plan.sysctls()) {
            kernel.setSysctl(s.name(), s.value());
        }
        Map<String, Integer> pids = new LinkedHashMap<>();
        for (Plan.ProcessDecl p : plan.processes()) {
            try {
                Task t = kernel.spawn(p.spec());
                pids.put(p.name(), t.pid());
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(file, p.pos(), "expected a process the model can create, found: " + e.getMessage());
            }
        }
        ProcFs proc = kernel.proc();
        Map<String, Long> vmstat = parseVmstat(proc.vmstat());
        checkSystemFields(plan, vmstat, meminfoNames(proc.meminfo()));
        checkPhysmemFields(plan, kernel);
        return new Setup(kernel, pids, vmstat);
    }

    /** {@code name value} per line, as /proc/vmstat prints it. */
    static Map<String, Long> parseVmstat(String text) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                out.put(f[0], Long.parseLong(f[1]));
            }
        }
        return out;
    }

    /** {@code Name:   value kB} per line, as /proc/meminfo prints it. */
    static List<String> meminfoNames(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.add(line.substring(0, colon).trim());
            }
        }
        return out;
    }

    /** buddyinfo.NODE.ZONE.ORDER and the like name a node and a populated zone of this machine. */
    private static void checkPhysmemFields(Plan plan, Kernel kernel) {
        for (Plan.Step step : plan.steps()) {
            if (step instanceof Plan.CheckStep c && c.field() == Plan.CheckField.PHYSMEM) {
                String bad = org.pinsim.core.mem.PhysMemFields.validate(kernel.mem(), c.procField());
                if (bad != null) {
                    throw new InvalidInputException(plan.scenario().file(), c.statement().fieldPos(),
                            "expected " + bad + ", found '" + c.procField() + "'");
                }
            }
        }
    }

    private static void checkSystemFields(Plan plan, Map<String, Long> vmstat, List<String> meminfo) {
        for (Plan.Step step : plan.steps()) {
            if (step instanceof Plan.CheckStep c && c.proc() == null && c.field() != Plan.CheckField.PHYSMEM) {
                boolean isVmstat = c.field() == Plan.CheckField.VMSTAT;
                List<String> names = isVmstat ? new ArrayList<>(vmstat.keySet()) : meminfo;
                if (!names.contains(c.procField())) {
                    if (isVmstat && ProcFs.isLinuxVmstatField(c.procField())) {
                        throw new InvalidInputException(plan.scenario().file(), c.statement().fieldPos(),
                                "expected a field of /proc/vmstat that pinsim models, found '" + c.procField()
                                        + "' (Linux prints it; pinsim does not model that counter yet)");
                    }
                    String kind = isVmstat ? "vmstat" : "meminfo";
                    throw new InvalidInputException(plan.scenario().file(), c.statement().fieldPos(),
                            "expected a field of /proc/" + kind + ", found '" + c.procField() + "'"
                                    + Suggest.didYouMean(c.procField(), names));
                }
            }
        }
    }
}
