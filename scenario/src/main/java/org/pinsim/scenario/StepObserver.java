package org.pinsim.scenario;

import java.util.Map;
import org.pinsim.core.Kernel;

/**
 * Sees the model between the steps of a run, for tools that compare it with something else
 * (the live-kernel verifier). It must only read: {@code kernel.proc()} views, {@code kernel.task(pid)}.
 */
@FunctionalInterface
public interface StepObserver {

    /**
     * Called before ({@code after == false}) and after ({@code after == true}) every step that
     * applies under the run's profile. {@code pids} maps the process names bound so far to
     * their pids (a read-only snapshot).
     */
    void step(int line, boolean after, Kernel kernel, Map<String, Integer> pids);
}
