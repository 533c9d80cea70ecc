package org.pinsim.core.prop;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A property over generated op sequences. A sequence is data, generated apart from its
 * execution, so that it can be run again from scratch, cut down and rendered: {@code W} is
 * the world it starts from (machine, processes), {@code O} one step.
 *
 * @param <W> the starting world; immutable
 * @param <O> one op; immutable, with value equality
 */
public interface Property<W, O> {

    /** A world and the ops to run on it. */
    record Case<W, O>(W world, List<O> ops) {
    }

    /** The case of one try; every choice comes from {@code rnd}, so one seed gives one case. */
    Case<W, O> generate(SplittableRandom rnd, int steps);

    /** Runs {@code ops} on a fresh {@code world}; the first failure, or null when everything held. */
    Failure run(W world, List<O> ops);

    /**
     * Simpler forms of one op (a length of one page, fewer flags), the simplest first; the
     * shrinker tries them after it has removed what it could. None by default.
     */
    default List<O> simpler(O op) {
        return List.of();
    }

    /**
     * Shorter sequences that each remove one op but keep what later ops did with its result:
     * their arguments that named it get the value it had in a run of {@code ops}. Tried by
     * the shrinker once plain removals fail, so that an op can go although another op used
     * its result (a region one mlock reaches by a coincidence of addresses). None by default.
     */
    default List<List<O>> removalsKeepingValues(W world, List<O> ops) {
        return List.of();
    }

    /**
     * The case as text someone can replay or read: a .pin scenario, or one op a line. Lines
     * beginning with {@code #} are comments in every format the harness writes.
     */
    String render(W world, List<O> ops);

    /** The file extension of {@link #render}'s text. */
    default String extension() {
        return "txt";
    }
}
