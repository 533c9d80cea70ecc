package org.pinsim.core.prop;

/**
 * How a run broke: the index of the op after which it broke (the op that threw, or the op
 * after which a check failed; the number of ops for a check after the last one) and what
 * was thrown.
 */
public record Failure(int step, Throwable cause) {

    /**
     * The kind of failure: the exception's class and the first line of its message with every
     * number masked. Shrinking keeps only removals that fail the same way, so that it
     * minimises the bug it was given instead of wandering off to another one; numbers differ
     * between a sequence and its shrunk form (counts, addresses, process names).
     */
    public String kind() {
        return cause.getClass().getName() + ": " + mask(firstLine());
    }

    /** The first line of the message, or "" when there is none. */
    public String firstLine() {
        String m = cause.getMessage();
        if (m == null) {
            return "";
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** The class's simple name and the first line, for one-line reports. */
    public String summary() {
        return cause.getClass().getSimpleName() + ": " + firstLine();
    }

    /** Every word with a digit in it: numbers, hex, and names made of them (p0, c17, a child named 1001). */
    static String mask(String s) {
        return s.replaceAll("\\b\\w*\\d\\w*\\b", "#");
    }
}
