package org.pinsim.scenario;

/**
 * The model failed, not the input: an invariant did not hold after a statement, or the core
 * threw. Names the scenario line that was running.
 */
public final class ModelBugException extends RuntimeException {

    private final String file;
    private final int line;

    public ModelBugException(String file, int line, String message, Throwable cause) {
        super(file + ":" + line + ": " + message, cause);
        this.file = file;
        this.line = line;
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }
}
