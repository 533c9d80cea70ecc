package org.pinsim.cli.verify;

import java.util.ArrayList;
import java.util.List;

/** What verify found for one scenario file. */
public final class ScenarioResult {

    /**
     * A difference: {@code kind} says between what ("pinsim" for pinsim vs the kernel,
     * "expectation" for the file's written expectation vs the kernel), {@code what} which
     * value (result, errno, check, VmLck after the call, ...).
     */
    public record Difference(String file, int line, String statement, String kind, String what, String kernel,
                             String other) {
    }

    /** A statement (line > 0) or the whole scenario (line 0) that could not be verified here. */
    public record NotVerifiable(String file, int line, String statement, String reason) {
    }

    private final String file;
    private final List<Difference> differences = new ArrayList<>();
    private final List<NotVerifiable> notVerifiable = new ArrayList<>();
    private int compared;
    private int statements;
    private int nvOnly;
    private int guarded;
    private String kernelRelease;

    ScenarioResult(String file) {
        this.file = file;
    }

    public String file() {
        return file;
    }

    public List<Difference> differences() {
        return differences;
    }

    public List<NotVerifiable> notVerifiable() {
        return notVerifiable;
    }

    /** Statements (calls and checks) of which at least one value was compared. */
    public int compared() {
        return compared;
    }

    /** Statements that apply under linux-6.18. */
    public int statements() {
        return statements;
    }

    /**
     * Statements not verifiable: those listed (and not otherwise compared), lines guarded for
     * other profiles, and, when the whole scenario could not be verified, every statement of
     * it that was not compared.
     */
    public int notVerifiableCount() {
        return (wholeScenario() != null ? statements - compared : nvOnly) + guarded;
    }

    /** Why the whole scenario was not verifiable, or null. */
    public String wholeScenario() {
        for (NotVerifiable v : notVerifiable) {
            if (v.line() == 0) {
                return v.reason();
            }
        }
        return null;
    }

    public String kernelRelease() {
        return kernelRelease;
    }

    void kernelRelease(String r) {
        kernelRelease = r;
    }

    void statements(int n) {
        statements = n;
    }

    void compared(java.util.Set<Integer> comparedLines, java.util.Set<Integer> nvLines) {
        compared = comparedLines.size();
        java.util.Set<Integer> only = new java.util.HashSet<>(nvLines);
        only.removeAll(comparedLines);
        nvOnly = only.size();
    }

    void guarded() {
        guarded++;
    }

    void difference(int line, String statement, String kind, String what, String kernel, String other) {
        differences.add(new Difference(file, line, statement, kind, what, kernel, other));
    }

    void notVerifiable(int line, String statement, String reason) {
        notVerifiable.add(new NotVerifiable(file, line, statement, reason));
    }
}
