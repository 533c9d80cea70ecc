package org.pinsim.core.time;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The machine's virtual clock and its event queue: time in nanoseconds since boot, and the
 * deferred kernel work that falls due at a time (a workqueue item, the end of a page
 * migration).
 *
 * <p>Time moves only when the model says so: {@link #advance} (the scenario's
 * {@code advance(10ms)}), or {@link #runUntil} when a task waits for something to finish (a
 * task blocked in a syscall until its work ends, a fault waiting on a migration entry). Every
 * event whose time has come runs, in a total order: time, then the order in which the events
 * were scheduled. Nothing reads the wall clock, so a run is reproducible.
 *
 * <p>An event may schedule further events; those due at or before the target time run in the
 * same call. A periodic daemon does not re-arm itself here: kcompactd
 * ({@link org.pinsim.core.compaction.Kcompactd}) is a timer the kernel evaluates lazily
 * inside {@code Kernel.advance}, so that nothing runs between a scenario's statements and
 * {@link #runAll} ends. The realtime model (per-task CPU time, latency histograms) is not built: only
 * kernel work that is deferred is placed on the clock.
 */
public final class Clock {

    /** Kernel work that runs when its time comes. */
    @FunctionalInterface
    public interface Work {
        void run(long nowNs);
    }

    /** One scheduled item: its due time, its sequence number (the tie-break), its name. */
    public record Event(long dueNs, long seq, String name, Work work) {
    }

    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.dueNs != b.dueNs
            ? Long.compare(a.dueNs, b.dueNs) : Long.compare(a.seq, b.seq));
    private long now;
    private long nextSeq;

    /** Nanoseconds since boot. */
    public long now() {
        return now;
    }

    /**
     * Schedules {@code work} to run {@code delayNs} from now (queue_work, queue_delayed_work,
     * a timer). {@code name} is for reports ("io_ring_exit_work").
     */
    public Event schedule(long delayNs, String name, Work work) {
        if (delayNs < 0) {
            throw new IllegalArgumentException("negative delay " + delayNs + " for " + name);
        }
        Event e = new Event(now + delayNs, nextSeq++, name, work);
        queue.add(e);
        return e;
    }

    /** Moves time forward by {@code durationNs}, running what falls due on the way. */
    public void advance(long durationNs) {
        if (durationNs < 0) {
            throw new IllegalArgumentException("time cannot go back: " + durationNs);
        }
        runUntil(now + durationNs);
    }

    /**
     * Runs, in order, every event due at or before {@code t} (each at its own time), then sets
     * the clock to {@code t}. A time already past only runs what is due now.
     */
    public void runUntil(long t) {
        while (!queue.isEmpty() && queue.peek().dueNs <= Math.max(t, now)) {
            Event e = queue.poll();
            now = Math.max(now, e.dueNs);
            e.work.run(now);
        }
        now = Math.max(now, t);
    }

    /** Runs everything pending, however far ahead (a test, or the end of a run). */
    public void runAll() {
        while (!queue.isEmpty()) {
            runUntil(queue.peek().dueNs);
        }
    }

    /** True when {@code e} has not run yet. */
    public boolean pending(Event e) {
        return queue.contains(e);
    }

    /** The events not yet run, in the order they will run (reports, tests). */
    public List<Event> pendingEvents() {
        List<Event> l = new ArrayList<>(queue);
        l.sort((a, b) -> a.dueNs != b.dueNs ? Long.compare(a.dueNs, b.dueNs) : Long.compare(a.seq, b.seq));
        return l;
    }
}
