package org.pinsim.scenario;

import java.util.List;

/**
 * A parsed scenario file: its directives and its statements and checks, in the order they
 * run (file order; a call strace split across lines runs where it resumed). Nothing is
 * resolved yet; {@link Validator} does that for one profile. {@code log} is true for a strace
 * log (a file with strace's marks: pid prefixes, timestamps, {@code +++} lines, split calls,
 * an {@code execve} first): there an unknown call is skipped, where in a scenario a near miss
 * of a modelled call is invalid input. {@code truncated}, when not null, says where a log
 * ends in the middle of a call. {@code sha256} is the SHA-256 of the file's text as read (UTF-8),
 * in hex, for the JSON manifest (null when not parsed from text).
 */
public record Scenario(String file, List<Directive> directives, List<Statement> statements, boolean log,
                       String truncated, String sha256) {

    public Scenario(String file, List<Directive> directives, List<Statement> statements, boolean log, String truncated) {
        this(file, directives, statements, log, truncated, null);
    }

    public Scenario(String file, List<Directive> directives, List<Statement> statements) {
        this(file, directives, statements, false, null);
    }
}
