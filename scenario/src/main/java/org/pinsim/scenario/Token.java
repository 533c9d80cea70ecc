package org.pinsim.scenario;

/**
 * One token of a scenario line. {@code start} and {@code end} index the line's text (end
 * exclusive); a NUMBER carries its value (unsigned 64 bits for hex) and the unit letters written
 * right after it ({@code 64KiB} has suffix {@code KiB}), a STRING its unescaped text.
 */
record Token(Kind kind, String text, int line, int start, int end, long number, String suffix) {

    enum Kind {
        IDENT, NUMBER, STRING,
        LPAREN, RPAREN, LBRACE, RBRACE, LBRACKET, RBRACKET,
        COMMA, ASSIGN, PIPE, PLUS, MINUS, STAR, SHL, COLON, QUESTION,
        EQ, NE, LT, LE, GT, GE, ELLIPSIS,
        EOL
    }

    Pos pos() {
        return new Pos(line, start + 1);
    }

    boolean is(Kind k) {
        return kind == k;
    }

    boolean isIdent(String word) {
        return kind == Kind.IDENT && text.equals(word);
    }

    /** How an error message names this token: {@code 'mlock'}, {@code '('}, {@code end of line}. */
    String describe() {
        return switch (kind) {
            case EOL -> "end of line";
            case STRING -> "string \"" + text + "\"";
            default -> "'" + text + "'";
        };
    }
}
