package org.pinsim.scenario;

/**
 * The input is at fault: a syntax error, an unknown name, a value out of range. Carries the
 * place ({@code file:line:column}, 1-based) and a message of the form
 * {@code expected ..., found ...}; {@link #getMessage()} is the one line the command line prints.
 */
public final class InvalidInputException extends RuntimeException {

    private final String file;
    private final int line;
    private final int column;
    private final String detail;

    public InvalidInputException(String file, int line, int column, String detail) {
        super(file + ":" + line + ":" + column + ": " + detail, null, false, false);
        this.file = file;
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    public InvalidInputException(String file, Pos pos, String detail) {
        this(file, pos.line(), pos.column(), detail);
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** The message without the place: {@code expected ..., found ...}. */
    public String detail() {
        return detail;
    }
}
