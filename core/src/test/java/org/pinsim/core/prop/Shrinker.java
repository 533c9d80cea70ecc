package org.pinsim.core.prop;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a failing sequence down to one that fails the same way (same {@link Failure#kind})
 * and from which no single op can be removed: every candidate is run again from scratch on
 * a fresh world. First the ops after the failing step go (they never ran); then chunks are
 * removed, halves first, down to single ops (ddmin); then, once it is short, pairs of ops;
 * then, still short, single ops whose results later ops used, those getting the values instead
 * ({@link Property#removalsKeepingValues}); then each op is replaced by its
 * {@linkplain Property#simpler simpler forms}; all again until nothing changes. At most
 * {@code maxRuns} runs, so that a hard case ends with what was reached.
 */
public final class Shrinker<W, O> {

    /** The shortest failing sequence found, its failure, and the runs it took. */
    public record Result<O>(List<O> ops, Failure failure, int runs, boolean budgetExhausted) {
    }

    /** Pairs are tried up to this length: n^2/2 runs. */
    private static final int PAIR_LIMIT = 40;
    /** Removals keeping values up to this length: n runs, each candidate built from a run. */
    private static final int KEEP_VALUES_LIMIT = 100;

    private final Property<W, O> property;
    private final W world;
    private final String kind;
    private final int maxRuns;
    private List<O> best;
    private Failure failure;
    private int runs;

    private Shrinker(Property<W, O> property, W world, List<O> ops, Failure failure, int maxRuns) {
        this.property = property;
        this.world = world;
        this.kind = failure.kind();
        this.maxRuns = maxRuns;
        this.best = List.copyOf(ops);
        this.failure = failure;
        truncate();
    }

    /** Shrinks {@code ops}, which fail with {@code failure} on {@code world}. */
    public static <W, O> Result<O> shrink(Property<W, O> property, W world, List<O> ops, Failure failure,
                                          int maxRuns) {
        Shrinker<W, O> s = new Shrinker<>(property, world, ops, failure, maxRuns);
        s.run();
        return new Result<>(s.best, s.failure, s.runs, s.runs >= maxRuns);
    }

    private void run() {
        boolean changed = true;
        while (changed && runs < maxRuns) {
            changed = removeChunks();
            changed |= removePairs();
            changed |= removeKeepingValues();
            changed |= simplifyOps();
        }
    }

    /**
     * Once the sequence is short, every pair of ops: ops that only matter together (a fork and
     * its child's exit, an open and its close) go only together.
     */
    private boolean removePairs() {
        if (best.size() > PAIR_LIMIT) {
            return false;
        }
        for (int i = 0; i < best.size() && runs < maxRuns; i++) {
            for (int j = i + 1; j < best.size() && runs < maxRuns; j++) {
                List<O> candidate = new ArrayList<>(best);
                candidate.remove(j);
                candidate.remove(i);
                if (accept(candidate)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** One ddmin pass per chunk size, halving down to single ops; true if anything went. */
    private boolean removeChunks() {
        boolean changed = false;
        for (int chunk = Math.max(1, best.size() / 2); chunk >= 1 && runs < maxRuns; chunk /= 2) {
            int start = 0;
            while (start < best.size() && runs < maxRuns) {
                List<O> candidate = new ArrayList<>(best.subList(0, start));
                candidate.addAll(best.subList(Math.min(best.size(), start + chunk), best.size()));
                if (accept(candidate)) {
                    changed = true; // the next chunk has moved to start: try it without advancing
                } else {
                    start += chunk;
                }
            }
        }
        return changed;
    }

    /** The property's removals that keep later ops' values; true if one went. */
    private boolean removeKeepingValues() {
        if (best.size() > KEEP_VALUES_LIMIT) {
            return false;
        }
        for (List<O> candidate : property.removalsKeepingValues(world, best)) {
            if (runs >= maxRuns) {
                break;
            }
            if (accept(candidate)) {
                return true;
            }
        }
        return false;
    }

    /** Replaces ops by their simpler forms while the sequence still fails; true if anything changed. */
    private boolean simplifyOps() {
        boolean changed = false;
        for (int i = 0; i < best.size() && runs < maxRuns; i++) {
            boolean again = true;
            while (again && i < best.size() && runs < maxRuns) {
                again = false;
                for (O simpler : property.simpler(best.get(i))) {
                    List<O> candidate = new ArrayList<>(best);
                    candidate.set(i, simpler);
                    if (accept(candidate)) {
                        changed = again = true;
                        break;
                    }
                    if (runs >= maxRuns) {
                        break;
                    }
                }
            }
        }
        return changed;
    }

    /** Runs a candidate; keeps it when it fails the same way. */
    private boolean accept(List<O> candidate) {
        if (candidate.equals(best)) {
            return false;
        }
        runs++;
        Failure f = property.run(world, candidate);
        if (f == null || !f.kind().equals(kind)) {
            return false;
        }
        best = List.copyOf(candidate);
        failure = f;
        truncate();
        return true;
    }

    /** The ops after the failing one never ran: they go without a run. */
    private void truncate() {
        if (failure.step() + 1 < best.size()) {
            best = List.copyOf(best.subList(0, failure.step() + 1));
        }
    }
}
