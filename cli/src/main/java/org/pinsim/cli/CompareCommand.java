package org.pinsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.pinsim.core.Profile;
import org.pinsim.scenario.Comparison;
import org.pinsim.scenario.ComparisonJson;
import org.pinsim.scenario.ComparisonTable;
import org.pinsim.scenario.RunOptions;
import org.pinsim.scenario.ScenarioRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pinsim compare FILE [--kernels P1,P2,...] [--json] [--seed N] [--strict]}. */
@Command(name = "compare", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "Runs a scenario under several kernel profiles and prints one table, a column per profile: "
                + "the statements whose outcome differs (and those that mismatch or are skipped), the final "
                + "counters of each process, a summary line per profile. Exit 0 when every expectation and "
                + "check held under every profile, 1 when one did not under some profile.")
final class CompareCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "the scenario (.pin) to run")
    Path file;

    @Option(names = "--kernels", paramLabel = "P1,P2,...",
            description = "the profiles to compare, in this order, overriding the file's kernel directive "
                    + "(default: all of ${COMPLETION-CANDIDATES}); --kernel is a synonym",
            completionCandidates = RunCommand.Profiles.class)
    String kernels;

    /** {@code --kernel}, as {@code run} spells it: a synonym of {@code --kernels}. */
    @Option(names = "--kernel", paramLabel = "P1,P2,...", hidden = true)
    String kernel;

    @Option(names = "--json", description = "print one JSON document instead of the table")
    boolean json;

    @Option(names = "--seed", paramLabel = "N", description = "the machine seed, overriding the file's")
    Long seed;

    @Option(names = "--strict", description = "an unknown call is invalid input instead of a skipped call")
    boolean strict;

    @Option(names = "--as", paramLabel = "'[PID:] KEY=VALUE ...'",
            description = "what a strace log does not say: the keys of a process directive (uid=0 "
                    + "caps=-sys_resource,-ipc_lock rlimit.memlock=64KiB) for the first process, which its children inherit, "
                    + "or for the child PID: names, from the fork that made it")
    String as;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        final List<Profile> profiles;
        if (kernels != null && kernel != null) {
            err.println("pinsim: --kernels: given twice (--kernel is its synonym)");
            return Main.EXIT_INVALID;
        }
        try {
            profiles = profiles(kernels != null ? kernels : kernel);
        } catch (IllegalArgumentException e) {
            err.println("pinsim: --kernels: " + e.getMessage());
            return Main.EXIT_INVALID;
        }
        return Main.onFile(file, err, () -> {
            Comparison c = Comparison.run(ScenarioRunner.parse(file), profiles,
                    RunOptions.defaults().withSeed(seed).withStrict(strict).withAs(as));
            if (json) {
                ComparisonJson.write(c, out);
            } else {
                ComparisonTable.write(c, out);
            }
            return c.exitCode();
        });
    }

    /**
     * The profiles of a {@code --kernels} list (blanks around names are ignored), or every
     * profile in registry order when there is none.
     *
     * @throws IllegalArgumentException an empty list or name, an unknown or repeated name
     */
    static List<Profile> profiles(String list) {
        if (list == null) {
            return Arrays.asList(Profile.values());
        }
        if (list.isBlank()) {
            throw new IllegalArgumentException("expected a comma-separated list of kernel profiles (known: "
                    + Profile.known() + "), found none");
        }
        List<Profile> out = new ArrayList<>();
        for (String name : list.split(",", -1)) {
            String id = name.strip();
            if (id.isEmpty()) {
                throw new IllegalArgumentException("expected a kernel profile between commas in '" + list + "', found none");
            }
            Profile p = Profile.byId(id);
            if (out.contains(p)) {
                throw new IllegalArgumentException("kernel profile '" + id + "' is named twice");
            }
            out.add(p);
        }
        return List.copyOf(out);
    }
}
