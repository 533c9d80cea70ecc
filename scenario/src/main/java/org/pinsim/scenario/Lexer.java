package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.List;
import org.pinsim.scenario.Token.Kind;

/**
 * Splits one line of a scenario (or of a strace log) into tokens, on demand. The parser can
 * look ahead any number of tokens and, where the language takes a bare word such as a profile
 * name ({@code linux-6.18}), read raw text instead of tokens.
 *
 * <p>Skipped: blanks, {@code # comments} to the end of the line, and strace's
 * {@code /* 20 vars * /} comments inside argument lists. A number written right after with
 * strace's {@code -y} decoration ({@code 3</usr/lib/libc.so.6>}, {@code -yy}'s
 * {@code 0</dev/null<char 1:3>>}) carries the decoration's path.
 *
 * <p>The text lexed may be a part of a line (after strace's pid and timestamp prefix, before its
 * {@code -T} duration) or two parts of two lines joined (a call strace split with
 * {@code <unfinished ...>}): {@link At} maps an index of the text to its place in the file.
 */
final class Lexer {

    /** Where an index of the lexed text was written in the file. */
    @FunctionalInterface
    interface At {
        Pos at(int index);
    }

    private final String file;
    private final int line;
    private final String text;
    private final At at;
    private int pos;
    private final List<Token> ahead = new ArrayList<>();
    /** The file's shared copies of names and numbers, or null (fresh substrings). */
    private final Interner words;

    Lexer(String file, int line, String text) {
        this(file, line, text, 0, null);
    }

    /** Lexes {@code text} from index {@code from}; {@code at} null means one line, {@code line}. */
    Lexer(String file, int line, String text, int from, At at) {
        this(file, line, text, from, at, null);
    }

    /** As above, names and numbers taken from {@code words} (one per file). */
    Lexer(String file, int line, String text, int from, At at, Interner words) {
        this.words = words;
        this.file = file;
        this.line = line;
        this.text = text;
        this.pos = from;
        this.at = at != null ? at : i -> new Pos(line, i + 1);
    }

    /** The place in the file of index {@code i} of the lexed text. */
    Pos posAt(int i) {
        return at.at(i);
    }

    int line() {
        return line;
    }

    /** The place of the first character not read yet, blanks included. */
    Pos posHere() {
        int i = pos;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return posAt(i);
    }

    String file() {
        return file;
    }

    String text() {
        return text;
    }

    Token peek() {
        return peek(0);
    }

    /** The token {@code k} places ahead (0 = the next one); EOL repeats at the end. */
    Token peek(int k) {
        while (ahead.size() <= k) {
            int from = ahead.isEmpty() ? pos : ahead.get(ahead.size() - 1).end();
            ahead.add(scan(from));
        }
        return ahead.get(k);
    }

    Token next() {
        Token t = peek();
        ahead.remove(0);
        pos = t.end();
        return t;
    }

    boolean accept(Kind kind) {
        if (peek().is(kind)) {
            next();
            return true;
        }
        return false;
    }

    Token expect(Kind kind, String what) {
        if (!peek().is(kind)) {
            throw error(peek(), what);
        }
        return next();
    }

    InvalidInputException error(Token found, String expected) {
        return new InvalidInputException(file, found.pos(), "expected " + expected + ", found " + found.describe());
    }

    InvalidInputException errorAt(Pos at, String detail) {
        return new InvalidInputException(file, at, detail);
    }

    /** Where the next token starts (blanks and comments skipped). */
    Pos nextPos() {
        return peek().pos();
    }

    /**
     * Reads a bare word: the characters up to a blank, {@code ,}, {@code ]}, {@code #} or the end
     * of the line. Returns an IDENT token holding the text (empty at such a stop character).
     */
    Token rawWord() {
        ahead.clear();
        int s = skipBlank(pos);
        int e = s;
        while (e < text.length() && !isWordStop(text.charAt(e))) {
            e++;
        }
        pos = e;
        return new Token(Kind.IDENT, text.substring(s, e), posAt(s), s, e, 0, "", null);
    }

    /**
     * Reads raw text up to (not including) the parenthesis that closes the one just read,
     * passing over strings and nested brackets, then skips it; null when the line ends first.
     * Used for the arguments of calls the language does not know, which are not looked at.
     */
    String rawUntilClose() {
        ahead.clear();
        int depth = 0;
        int i = pos;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '"') {
                i++;
                while (i < text.length() && text.charAt(i) != '"') {
                    i += text.charAt(i) == '\\' ? 2 : 1;
                }
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0 && c == ')') {
                    String raw = text.substring(pos, i);
                    pos = i + 1;
                    return raw;
                }
                depth = Math.max(0, depth - 1);
            }
            i++;
        }
        return null;
    }

    /** The rest of the text, unlexed, and the lexer at its end. */
    String rest() {
        ahead.clear();
        String r = text.substring(Math.min(pos, text.length()));
        pos = text.length();
        return r;
    }

    /** Reads raw text up to (not including) the last {@code close} on the line, then skips it. */
    String rawUntilLast(char close, Token open) {
        ahead.clear();
        int e = text.lastIndexOf(close);
        int hash = text.indexOf('#', pos);
        if (e < pos || (hash >= 0 && hash < e)) {
            throw error(scan(pos), "'" + close + "' to close the '" + open.text() + "' at column " + open.pos().column());
        }
        String raw = text.substring(pos, e);
        pos = e + 1;
        return raw;
    }

    private static boolean isWordStop(char c) {
        return Character.isWhitespace(c) || c == ',' || c == ']' || c == '#';
    }

    private int skipBlank(int i) {
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '*') {
                int close = text.indexOf("*/", i + 2);
                if (close < 0) {
                    throw new InvalidInputException(file, posAt(i), "expected '*/' to close the comment, found end of line");
                }
                i = close + 2;
            } else {
                return i;
            }
        }
        return i;
    }

    private Token scan(int from) {
        int s = skipBlank(from);
        if (s >= text.length() || text.charAt(s) == '#') {
            int e = Math.min(s, text.length());
            return new Token(Kind.EOL, "", posAt(e), e, text.length(), 0, "", null);
        }
        char c = text.charAt(s);
        if (Character.isDigit(c)) {
            return number(s);
        }
        if (isIdentStart(c)) {
            return ident(s);
        }
        if (c == '"') {
            return string(s);
        }
        return punct(s);
    }

    private static boolean isIdentStart(char c) {
        return c == '_' || (c < 128 && Character.isLetter(c));
    }

    private static boolean isIdentPart(char c) {
        return c == '_' || (c < 128 && Character.isLetterOrDigit(c));
    }

    /** Identifiers may contain dots between parts: {@code vm.max_map_count}, {@code smaps.Locked}. */
    private Token ident(int s) {
        int e = s + 1;
        while (e < text.length()) {
            char c = text.charAt(e);
            if (isIdentPart(c)) {
                e++;
            } else if (c == '.' && e + 1 < text.length() && isIdentPart(text.charAt(e + 1))) {
                e += 2;
            } else {
                break;
            }
        }
        // strace -y decorates AT_FDCWD with the working directory: AT_FDCWD</tmp/work>
        int decoEnd = e + 1 < text.length() && text.charAt(e + 1) == '/' ? decorationEnd(e) : -1;
        String deco = decoEnd < 0 ? null : decoration(text.substring(e + 1, decoEnd - 1));
        return new Token(Kind.IDENT, word(s, e), posAt(s), s, decoEnd < 0 ? e : decoEnd, 0, "", deco);
    }

    private String word(int s, int e) {
        return words == null ? text.substring(s, e) : words.intern(text, s, e);
    }

    /** {@code 4096}, {@code 0x1000}, C-style octal {@code 0644} (strace prints modes so), unit letters. */
    private Token number(int s) {
        int e = s;
        long value;
        if (text.startsWith("0x", s) || text.startsWith("0X", s)) {
            e = s + 2;
            while (e < text.length() && Character.digit(text.charAt(e), 16) >= 0) {
                e++;
            }
            value = parseRadix(s, s + 2, e, 16);
        } else {
            while (e < text.length() && Character.isDigit(text.charAt(e))) {
                e++;
            }
            boolean octal = text.charAt(s) == '0' && e - s > 1;
            value = parseRadix(s, octal ? s + 1 : s, e, octal ? 8 : 10);
        }
        int digitsEnd = e;
        while (e < text.length() && text.charAt(e) < 128 && Character.isLetter(text.charAt(e))) {
            e++;
        }
        if (e == digitsEnd && e < text.length() && text.charAt(e) == '%') {
            e++; // a percentage (machine movable=25%, age=150%): the unit "%"
        }
        String suffix = word(digitsEnd, e);
        int decoEnd = suffix.isEmpty() ? decorationEnd(e) : -1;
        String deco = decoEnd < 0 ? null : decoration(text.substring(e + 1, decoEnd - 1));
        int end = decoEnd < 0 ? e : decoEnd;
        return new Token(Kind.NUMBER, word(s, e), posAt(s), s, end, value, suffix, deco);
    }

    /**
     * strace -y: {@code <...>} right after a descriptor, its angle brackets nested for -yy's
     * devices, then an optional {@code (deleted)}; the index after it, or -1 when there is none
     * ({@code 1<<12} is a shift, not a decoration).
     */
    private int decorationEnd(int i) {
        if (i >= text.length() || text.charAt(i) != '<' || (i + 1 < text.length() && text.charAt(i + 1) == '<')) {
            return -1;
        }
        int depth = 0;
        for (int j = i; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == '<') {
                depth++;
            } else if (c == '>' && --depth == 0) {
                int end = j + 1;
                return text.startsWith("(deleted)", end) ? end + "(deleted)".length() : end;
            }
        }
        return -1;
    }

    /** The path of a decoration: up to a nested {@code <} (-yy's device), strace's \\xNN escapes undone. */
    private static String decoration(String inner) {
        int nested = inner.indexOf('<');
        String path = nested >= 0 ? inner.substring(0, nested) : inner;
        if (path.endsWith(">")) {
            path = path.substring(0, path.length() - 1);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '\\' && i + 3 < path.length() && path.charAt(i + 1) == 'x') {
                try {
                    sb.append((char) Integer.parseInt(path.substring(i + 2, i + 4), 16));
                    i += 3;
                    continue;
                } catch (NumberFormatException e) {
                    // not an escape: kept as written
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private long parseRadix(int tokenStart, int s, int e, int radix) {
        // the common case without a substring: at most 15 hex or 18 decimal digits cannot
        // overflow a long (what the lexer passes here are digits of the radix, or octal's
        // candidates, which the slow path checks)
        if (e > s && radix != 8 && e - s <= (radix == 16 ? 15 : 18)) {
            long v = 0;
            for (int i = s; i < e; i++) {
                v = v * radix + Character.digit(text.charAt(i), radix);
            }
            return v;
        }
        String digits = text.substring(s, e);
        if (digits.isEmpty()) {
            throw new InvalidInputException(file, posAt(tokenStart),
                    "expected hex digits after '0x', found " + describeAt(e));
        }
        try {
            // strace prints unsigned 64-bit values in decimal (18446744073709551615 is -1)
            return radix == 8 ? Long.parseLong(digits, radix) : Long.parseUnsignedLong(digits, radix);
        } catch (NumberFormatException ex) {
            String what = radix == 8 ? "an octal number (a leading 0 means octal, as in C)" : "a number that fits in 64 bits";
            throw new InvalidInputException(file, posAt(tokenStart), "expected " + what + ", found '" + text.substring(tokenStart, e) + "'");
        }
    }

    private String describeAt(int i) {
        return i >= text.length() ? "end of line" : "'" + text.charAt(i) + "'";
    }

    private Token string(int s) {
        StringBuilder sb = new StringBuilder();
        int i = s + 1;
        while (i < text.length() && text.charAt(i) != '"') {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                i = unescape(i + 1, sb);
            } else {
                sb.append(c);
                i++;
            }
        }
        if (i >= text.length()) {
            throw new InvalidInputException(file, posAt(text.length()),
                    "expected '\"' to close the string at column " + posAt(s).column() + ", found end of line");
        }
        return new Token(Kind.STRING, sb.toString(), posAt(s), s, i + 1, 0, "", null);
    }

    /** C escapes as strace prints them: \n \t \\ \" \xNN \NNN. Returns the index after the escape. */
    private int unescape(int i, StringBuilder sb) {
        char c = text.charAt(i);
        switch (c) {
            case 'n' -> sb.append('\n');
            case 't' -> sb.append('\t');
            case 'r' -> sb.append('\r');
            case 'v' -> sb.append('\u000b');
            case 'f' -> sb.append('\f');
            case 'x' -> {
                int e = i + 1;
                while (e < text.length() && e < i + 3 && Character.digit(text.charAt(e), 16) >= 0) {
                    e++;
                }
                sb.append(e > i + 1 ? (char) Integer.parseInt(text.substring(i + 1, e), 16) : 'x');
                return e;
            }
            default -> {
                if (c >= '0' && c <= '7') {
                    int e = i;
                    while (e < text.length() && e < i + 3 && text.charAt(e) >= '0' && text.charAt(e) <= '7') {
                        e++;
                    }
                    sb.append((char) Integer.parseInt(text.substring(i, e), 8));
                    return e;
                }
                sb.append(c);
            }
        }
        return i + 1;
    }

    /**
     * Operators, compared char by char (no substring, no string switch: this runs for every
     * comma and parenthesis of a log). Their text is a shared constant.
     */
    private Token punct(int s) {
        char c = text.charAt(s);
        char d = s + 1 < text.length() ? text.charAt(s + 1) : 0;
        if (c == '.' && d == '.' && s + 2 < text.length() && text.charAt(s + 2) == '.') {
            return tok(Kind.ELLIPSIS, "...", s);
        }
        if (d == '=') {
            switch (c) {
                case '=': return tok(Kind.EQ, "==", s);
                case '!': return tok(Kind.NE, "!=", s);
                case '<': return tok(Kind.LE, "<=", s);
                case '>': return tok(Kind.GE, ">=", s);
                default: break;
            }
        }
        if (c == '<' && d == '<') {
            return tok(Kind.SHL, "<<", s);
        }
        return switch (c) {
            case '(' -> tok(Kind.LPAREN, "(", s);
            case ')' -> tok(Kind.RPAREN, ")", s);
            case '{' -> tok(Kind.LBRACE, "{", s);
            case '}' -> tok(Kind.RBRACE, "}", s);
            case '[' -> tok(Kind.LBRACKET, "[", s);
            case ']' -> tok(Kind.RBRACKET, "]", s);
            case ',' -> tok(Kind.COMMA, ",", s);
            case '=' -> tok(Kind.ASSIGN, "=", s);
            case '|' -> tok(Kind.PIPE, "|", s);
            case '+' -> tok(Kind.PLUS, "+", s);
            case '-' -> tok(Kind.MINUS, "-", s);
            case '*' -> tok(Kind.STAR, "*", s);
            case ':' -> tok(Kind.COLON, ":", s);
            case '?' -> tok(Kind.QUESTION, "?", s);
            case '<' -> tok(Kind.LT, "<", s);
            case '>' -> tok(Kind.GT, ">", s);
            default -> throw new InvalidInputException(file, posAt(s),
                    "expected a name, number, string or operator, found '" + c + "'");
        };
    }

    private Token tok(Kind k, String op, int s) {
        return new Token(k, op, posAt(s), s, s + op.length(), 0, "", null);
    }
}
