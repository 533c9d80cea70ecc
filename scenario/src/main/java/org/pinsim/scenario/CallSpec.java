package org.pinsim.scenario;

import java.util.List;
import java.util.stream.Collectors;
import org.pinsim.core.Kernel;
import org.pinsim.core.SysResult;
import org.pinsim.core.Task;
import org.pinsim.core.task.Rlimit;
import org.pinsim.core.uapi.FlagNames;

/**
 * One call the language knows: its parameters (and the flag names each one takes), how
 * strace prints its result, what a name bound to its result means, and how it runs on the
 * model. A call that is known but not modelled yet has no invoker.
 */
record CallSpec(String name, List<Param> params, int minArgs, Shape shape, Style style, Binds binds,
                Invoker invoker) {

    /** How a parameter's argument is read. */
    enum Type {
        /** A number: literal, size, bound name, or the flag names of the parameter's kind. */
        NUM,
        /** A true/false word: {@code write}/{@code read}, {@code true}/{@code false}, or a number. */
        BOOL,
        /** A string literal. */
        STRING,
        /** {@code {rlim_cur=..., rlim_max=...}} or NULL, passed in. */
        RLIMIT_IN,
        /** {@code {rlim_cur=..., rlim_max=...}} or NULL written back by the kernel: an expectation. */
        RLIMIT_OUT,
        /** {@code [a, b, ...]} of numbers passed in, or NULL (move_pages' pages and nodes). */
        ARRAY_IN,
        /** {@code [a, b, ...]} the kernel writes back (move_pages' status): an expectation when all numbers. */
        ARRAY_OUT,
        /** {@code [{iov_base=..., iov_len=...}, ...]} or NULL: an array of struct iovec, read as base, len pairs. */
        IOVEC_IN,
        /** {@code {type=..., size=..., config=..., ...}}: a struct perf_event_attr passed in. */
        PERF_ATTR_IN,
        /** A time with its unit: {@code 10ms}, {@code 500us}, {@code 2s}, {@code 100ns} (advance), in ns. */
        DURATION,
        /** Accepted as written and not looked at (execve's argv and envp). */
        IGNORED
    }

    /** {@code kind} names the flag names the argument may use; {@code dflt} fills an omitted argument. */
    record Param(String name, Type type, FlagNames kind, long dflt) {
    }

    /** How arguments are laid out: positionally, or as strace prints clone and clone3. */
    enum Shape { POSITIONAL, CLONE, CLONE3 }

    /** How the result prints: strace prints addresses in hex, everything else in decimal. */
    /** How strace prints a result: a number, an address, or {@code ?} for a call that does not return. */
    enum Style { DECIMAL, ADDRESS, NORETURN }

    /** What {@code NAME = call(...)} binds: a value, a region (value and length), or a process. */
    /**
     * What a call's result names: a value, a region (mmap, mremap), a process (fork), or a
     * handle the model chooses (an RDMA MR), whose expected value only says the call succeeded.
     */
    enum Binds { VALUE, REGION, PROCESS, HANDLE }

    /**
     * A result plus, for getrlimit and prlimit64, the limit the kernel wrote back, and for
     * move_pages the status array it wrote ({@code outArray}, null if none).
     */
    record Outcome(SysResult result, Rlimit out, long[] outArray) {
        Outcome(SysResult result, Rlimit out) {
            this(result, out, null);
        }
    }

    @FunctionalInterface
    interface Invoker {
        Outcome invoke(Task task, Args args, Kernel kernel);
    }

    boolean modelled() {
        return invoker != null;
    }

    /** Index of the parameter a REGION binding takes its length from. */
    int lengthParam() {
        return "mremap".equals(name) ? 2 : 1;
    }

    String signature() {
        return name + "(" + params.stream().map(p -> params.indexOf(p) >= minArgs ? "[" + p.name() + "]" : p.name())
                .collect(Collectors.joining(", ")) + ")";
    }

    Param param(String pname) {
        for (Param p : params) {
            if (p.name().equals(pname)) {
                return p;
            }
        }
        return null;
    }
}
