package org.pinsim.scenario.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.pinsim.core.Profile;
import org.pinsim.core.Sysctl;

/**
 * E9 as a table: for each RLIMIT_MEMLOCK asked and each profile, the most pages one
 * unprivileged process exempts from paging and the mix that does it ({@link ExemptLimit}).
 */
final class ExemptLimitExperiment implements Experiment {
    static final List<Long> DEFAULT_LIMITS = List.of(64L << 10, 8L << 20);

    @Override
    public String name() {
        return "exempt-limit";
    }

    @Override
    public String summary() {
        return "E9: how much one unprivileged process can exempt from paging under RLIMIT_MEMLOCK L, per profile";
    }

    @Override
    public org.pinsim.core.MachineConfig machine() {
        // a 512 MiB, 2-CPU machine under each profile it compares
        return new org.pinsim.core.MachineConfig(512L << 20, 1, ExemptLimit.CPUS, 0, 1, Profile.LINUX_6_18);
    }

    @Override
    public Result run(Options options) {
        List<Long> limits = options.limits() == null || options.limits().isEmpty() ? DEFAULT_LIMITS : options.limits();
        StringBuilder text = new StringBuilder();
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("experiment", name());
        json.put("pinsim", "0.1.0");
        json.put("cpus", ExemptLimit.CPUS);
        json.put("perf_event_mlock_kb", new Sysctl().get(Sysctl.PERF_EVENT_MLOCK_KB));
        ArrayNode rows = json.putArray("results");
        for (long limit : limits) {
            text.append(String.format(Locale.ROOT, "RLIMIT_MEMLOCK %s (%d page%s), uid 1000 without capabilities, %d CPUs%n",
                    size(limit), limit >>> 12, (limit >>> 12) == 1 ? "" : "s", ExemptLimit.CPUS));
            text.append(String.format(Locale.ROOT, "  %-16s %8s %8s  %s%n", "profile", "pages", "x limit", "mix (pages each)"));
            for (Profile p : Profile.values()) {
                ExemptLimit.Answer a = ExemptLimit.search(p, limit);
                String mix = a.mix().stream().map(ExemptLimit.Move::toString).collect(Collectors.joining(" + "));
                double ratio = (double) a.exemptPages() / Math.max(1, a.limitPages());
                text.append(String.format(Locale.ROOT, "  %-16s %8d %8.2f  %s%n", p.id(), a.exemptPages(), ratio, mix));
                ObjectNode r = rows.addObject();
                r.put("limit_bytes", limit);
                r.put("profile", p.id());
                r.put("exempt_pages", a.exemptPages());
                r.put("limit_pages", a.limitPages());
                ArrayNode m = r.putArray("mix");
                for (ExemptLimit.Move mv : a.mix()) {
                    ObjectNode o = m.addObject();
                    o.put("mechanism", mv.mech().label);
                    o.put("pages", mv.pages());
                }
                r.put("runs", a.runs());
                r.put("scenario", ExemptLimit.scenario(a));
            }
            text.append('\n');
        }
        text.append("perf's per-user allowance (kernel.perf_event_mlock_kb 516 KiB x CPUs) is not bounded by RLIMIT_MEMLOCK;\n"
                + "io_uring's user->locked_vm, RDMA's pinned_vm and mlock's locked_vm are each checked alone against it.\n");
        return new Result(text.toString(), json);
    }

    private static String size(long bytes) {
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MiB" : bytes % 1024 == 0 ? (bytes >> 10) + " KiB" : bytes + " B";
    }
}
