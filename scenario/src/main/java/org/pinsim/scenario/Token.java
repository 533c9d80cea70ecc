package org.pinsim.scenario;

/**
 * One token of a scenario line. {@code start} and {@code end} index the lexed text (end
 * exclusive); {@code at} is where the token starts in the file (for a call strace split across
 * two lines, on whichever line that part was written); a NUMBER carries its value (unsigned 64
 * bits for hex and large decimals) and the unit letters written right after it ({@code 64KiB}
 * has suffix {@code KiB}), and strace's {@code -y} decoration written right after a descriptor
 * ({@code 3</usr/lib/libc.so.6>} has deco {@code /usr/lib/libc.so.6}, null without one); a
 * STRING its unescaped text.
 */
record Token(Kind kind, String text, Pos at, int start, int end, long number, String suffix, String deco) {

    enum Kind {
        IDENT, NUMBER, STRING,
        LPAREN, RPAREN, LBRACE, RBRACE, LBRACKET, RBRACKET,
        COMMA, ASSIGN, PIPE, PLUS, MINUS, STAR, SHL, COLON, QUESTION,
        EQ, NE, LT, LE, GT, GE, ELLIPSIS,
        EOL
    }

    Pos pos() {
        return at;
    }

    int line() {
        return at.line();
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
