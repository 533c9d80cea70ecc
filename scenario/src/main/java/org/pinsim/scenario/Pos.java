package org.pinsim.scenario;

/** A place in a scenario file: 1-based line and column. */
public record Pos(int line, int column) {

    @Override
    public String toString() {
        return line + ":" + column;
    }
}
