package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.pinsim.core.Profile;
import org.pinsim.core.uapi.Errno;
import org.pinsim.scenario.Token.Kind;

/**
 * The hand-written parser of the scenario language: one statement per line, read by
 * recursive descent over {@link Lexer}'s tokens. The whole file is parsed before anything
 * runs; the first error is thrown as an {@link InvalidInputException}.
 *
 * <p>The syntax of a call line is strace's, so that a {@code strace -f} log parses: a pid
 * prefix ({@code 4728  mlock(...)}, {@code [pid 4728] mlock(...)}), named arguments
 * ({@code flags=CLONE_VM}), structs, arrays, {@code /* comments * /}, truncated strings and
 * {@code = -1 ENOMEM (Cannot allocate memory)}. Lines strace writes about signals and exits
 * ({@code --- SIGCHLD ...}, {@code +++ exited with 0 +++}) are not statements and are passed over.
 */
public final class Parser {

    static final List<String> MACHINE_KEYS = List.of("memory", "nodes", "cpus", "swap", "seed", "zero_page", "thp",
            "movable", "cma", "age", "thp_defrag", "nofragment");
    static final List<String> PROCESS_KEYS = List.of("uid", "caps", "rlimit.memlock", "layout");
    private static final Set<String> DIRECTIVES = Set.of("machine", "kernel", "sysctl", "process");
    private static final Pattern ERRNO_NAME = Pattern.compile("E[A-Z0-9]+");
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final String file;
    private final List<Directive> directives = new ArrayList<>();
    private final List<Statement> statements = new ArrayList<>();
    private Directive.Kernel kernel;
    /** The names and numbers of this file, one copy each. */
    private final Interner words = new Interner();

    private Parser(String file) {
        this.file = file;
    }

    /** Parses a whole file; {@code file} is the name used in error messages. */
    public static Scenario parse(String file, String text) {
        Parser p = new Parser(file);
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        String[] lines = body.split("\r?\n", -1);
        StraceLines.Result pre = StraceLines.read(file, lines, p.words);
        p.log = pre.log();
        String truncated = pre.truncated();
        List<StraceLines.Logical> logical = pre.lines();
        int last = lastStatement(logical);
        for (int i = 0; i < logical.size(); i++) {
            try {
                p.parseLine(logical.get(i));
            } catch (InvalidInputException e) {
                // a capture cut short: the last line of a log, without its end of line, is the call
                // the log ends in the middle of
                if (!p.log || i != last || body.endsWith("\n") || truncated != null) {
                    throw e;
                }
                truncated = "the log ends in the middle of a call (line " + logical.get(i).line() + "): replayed up to there";
            }
        }
        return new Scenario(file, List.copyOf(p.directives), List.copyOf(p.statements), p.log, truncated,
                Manifest.sha256(text));
    }

    private static int lastStatement(List<StraceLines.Logical> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (!lines.get(i).text().isBlank()) {
                return i;
            }
        }
        return -1;
    }

    private boolean log;

    private void parseLine(StraceLines.Logical l) {
        Lexer lx = new Lexer(file, l.line(), l.text(), l.from(), l.at(), words);
        if (lx.peek().is(Kind.EOL)) {
            return;
        }
        Statement.ProcRef pid = l.pid() == null ? null
                : new Statement.ProcRef(null, l.pid(), l.pidText(), l.pidPos());
        if (l.eventKind() != null) {
            statements.add(new Statement.Event(l.line(), null, pid, l.eventKind(), l.eventDetail(),
                    l.text().substring(l.from()).strip(), l.strace()));
            return;
        }
        if (l.unreturned() != null) {
            statements.add(unreturned(lx, l, pid));
            return;
        }
        Guard guard = null;
        if (pid == null && lx.peek().is(Kind.LBRACKET) && !lx.peek(1).isIdent("pid")) {
            guard = guard(lx);
        }
        Token first = lx.peek();
        if (pid == null && first.is(Kind.IDENT) && DIRECTIVES.contains(first.text()) && !startsCall(lx.peek(1))) {
            directive(lx, guard);
        } else if (pid == null && first.isIdent("check") && !startsCall(lx.peek(1))) {
            statements.add(check(lx, guard));
        } else {
            statements.add(call(lx, guard, pid, l.strace()));
        }
        lx.expect(Kind.EOL, "end of line");
    }

    /** A call that never returned in the log: only its name is read. */
    private Statement.Call unreturned(Lexer lx, StraceLines.Logical l, Statement.ProcRef pid) {
        Token name = lx.peek();
        if (!name.is(Kind.IDENT)) {
            throw lx.error(name, "a call");
        }
        lx.next();
        String args = lx.rest();
        args = args.startsWith("(") ? args.substring(1) : args;
        int close = args.lastIndexOf(')');
        args = (close >= 0 ? args.substring(0, close) : args).strip();
        return new Statement.Call(l.line(), null, pid, null, null, name.text(), name.pos(), List.of(), args, null,
                null, l.strace());
    }

    /** A keyword followed by one of these is a call or binding named like the keyword. */
    private static boolean startsCall(Token t) {
        return t.is(Kind.LPAREN) || t.is(Kind.COLON) || t.is(Kind.ASSIGN);
    }

    private Guard guard(Lexer lx) {
        Token open = lx.next();
        List<Profile> profiles = new ArrayList<>();
        while (true) {
            Token w = lx.rawWord();
            profiles.add(profile(lx, w));
            if (lx.accept(Kind.RBRACKET)) {
                break;
            }
            lx.expect(Kind.COMMA, "',' or ']' in the profile list");
        }
        String text = lx.text().substring(open.start(), lx.text().indexOf(']', open.start()) + 1);
        return new Guard(List.copyOf(profiles), text, open.pos());
    }

    private static Profile profile(Lexer lx, Token w) {
        if (w.text().isEmpty()) {
            throw lx.error(lx.peek(), "a kernel profile (" + Profile.known() + ")");
        }
        try {
            return Profile.byId(w.text());
        } catch (IllegalArgumentException e) {
            throw lx.errorAt(w.pos(), "expected a kernel profile (" + Profile.known() + "), found '" + w.text() + "'");
        }
    }

    // ---------------------------------------------------------------- directives

    private void directive(Lexer lx, Guard guard) {
        Token kw = lx.next();
        if (!statements.isEmpty()) {
            throw lx.errorAt(kw.pos(), "expected a statement or check, found directive '" + kw.text()
                    + "' (directives come before the first statement)");
        }
        Directive d = switch (kw.text()) {
            case "machine" -> new Directive.Machine(settings(lx, MACHINE_KEYS, "machine"), guard, kw.pos());
            case "kernel" -> kernelDirective(lx, kw, guard);
            case "sysctl" -> new Directive.Sysctl(settings(lx, null, "sysctl"), guard, kw.pos());
            default -> process(lx, kw, guard);
        };
        directives.add(d);
    }

    private Directive kernelDirective(Lexer lx, Token kw, Guard guard) {
        if (guard != null) {
            throw lx.errorAt(guard.pos(), "expected a directive without a profile guard, found a guard on 'kernel'");
        }
        if (kernel != null) {
            throw lx.errorAt(kw.pos(), "expected one kernel directive, found a second (the first is at line "
                    + kernel.pos().line() + ")");
        }
        Token w = lx.rawWord();
        profile(lx, w);
        kernel = new Directive.Kernel(w.text(), w.pos(), kw.pos());
        return kernel;
    }

    /** {@code key=value ...} up to the end of the line; {@code keys} null means any key. */
    private List<Directive.Setting> settings(Lexer lx, List<String> keys, String directive) {
        List<Directive.Setting> out = new ArrayList<>();
        while (!lx.peek().is(Kind.EOL)) {
            Token key = key(lx, keys, directive);
            lx.expect(Kind.ASSIGN, "'=' after " + key.text());
            out.add(new Directive.Setting(key.text(), key.pos(), expr(lx)));
        }
        if (out.isEmpty()) {
            throw lx.error(lx.peek(), "a setting KEY=VALUE after " + directive);
        }
        return out;
    }

    private static Token key(Lexer lx, List<String> keys, String directive) {
        Token key = lx.peek();
        if (!key.is(Kind.IDENT) || (keys != null && !keys.contains(key.text()))) {
            String what = keys == null ? "a setting KEY=VALUE" : "a " + directive + " setting (" + String.join(", ", keys) + ")";
            throw lx.error(key, what);
        }
        return lx.next();
    }

    private Directive process(Lexer lx, Token kw, Guard guard) {
        Token name = plainName(lx, "a process name after 'process'");
        return processKeys(lx, name.text(), name.pos(), kw.pos(), guard);
    }

    /**
     * {@code --as}'s text: {@code [PID:] KEY=VALUE ...} with the keys of a {@code process}
     * directive, read as the directive's are; errors name the file {@code --as}, line 1.
     */
    static As parseAs(String text) {
        Lexer lx = new Lexer(As.FILE, 1, text);
        Long pid = null;
        if (lx.peek().is(Kind.NUMBER) && lx.peek(1).is(Kind.COLON)) {
            Token t = lx.next();
            if (!t.suffix().isEmpty()) {
                throw lx.errorAt(t.pos(), "expected a pid, found '" + t.text() + "'");
            }
            lx.next();
            pid = t.number();
        }
        if (lx.peek().is(Kind.EOL)) {
            throw lx.error(lx.peek(), "a process setting (" + String.join(", ", PROCESS_KEYS) + ")");
        }
        Parser p = new Parser(As.FILE);
        Directive.Process d = p.processKeys(lx, null, new Pos(1, 1), new Pos(1, 1), null);
        return new As(pid, d);
    }

    private Directive.Process processKeys(Lexer lx, String name, Pos namePos, Pos kwPos, Guard guard) {
        Expr uid = null;
        Expr soft = null;
        Expr hard = null;
        List<Directive.CapChange> caps = null;
        Pos capsPos = null;
        String layout = null;
        Pos layoutPos = null;
        while (!lx.peek().is(Kind.EOL)) {
            Token key = key(lx, PROCESS_KEYS, "process");
            lx.expect(Kind.ASSIGN, "'=' after " + key.text());
            switch (key.text()) {
                case "uid" -> uid = expr(lx);
                case "caps" -> {
                    capsPos = lx.nextPos();
                    caps = caps(lx);
                }
                case "rlimit.memlock" -> {
                    soft = expr(lx);
                    hard = lx.accept(Kind.COLON) ? expr(lx) : null;
                }
                default -> {
                    Token l = lx.expect(Kind.IDENT, "a layout (default, empty)");
                    if (!l.text().equals("default") && !l.text().equals("empty")) {
                        throw lx.errorAt(l.pos(), "expected a layout (default, empty), found '" + l.text() + "'");
                    }
                    layout = l.text();
                    layoutPos = l.pos();
                }
            }
        }
        return new Directive.Process(name, namePos, uid, caps, capsPos, soft, hard, layout, layoutPos,
                guard, kwPos);
    }

    private static List<Directive.CapChange> caps(Lexer lx) {
        List<Directive.CapChange> out = new ArrayList<>();
        do {
            Pos at = lx.nextPos();
            char sign = lx.accept(Kind.MINUS) ? '-' : lx.accept(Kind.PLUS) ? '+' : ' ';
            Token cap = lx.expect(Kind.IDENT, "a capability name (ipc_lock, sys_resource, ...), none or all");
            out.add(new Directive.CapChange(sign, cap.text(), at));
        } while (lx.accept(Kind.COMMA));
        return List.copyOf(out);
    }

    private static Token plainName(Lexer lx, String what) {
        Token t = lx.peek();
        if (!t.is(Kind.IDENT) || !PLAIN_NAME.matcher(t.text()).matches()) {
            throw lx.error(t, what);
        }
        return lx.next();
    }

    // ---------------------------------------------------------------- calls

    private Statement.Call call(Lexer lx, Guard guard, Statement.ProcRef pid, Statement.Strace strace) {
        Statement.ProcRef proc = pid != null ? pid : procRef(lx);
        String bind = null;
        Pos bindPos = null;
        if (lx.peek().is(Kind.IDENT) && lx.peek(1).is(Kind.ASSIGN)) {
            Token b = plainName(lx, "a name to bind");
            lx.next();
            bind = b.text();
            bindPos = b.pos();
        }
        Token name = lx.peek();
        if (!name.is(Kind.IDENT)) {
            throw lx.error(name, proc == null && bind == null ? "a call, a check or a directive" : "a call");
        }
        lx.next();
        Token open = lx.expect(Kind.LPAREN, "'(' after the call name " + name.text());
        if (log && Calls.byName(name.text()) == null) {
            return unknownCall(lx, guard, proc, bind, bindPos, name, open, strace);
        }
        List<Expr.Field> args = args(lx);
        Token close = closeArgs(lx);
        String argsText = stripped(lx.text(), open.end(), close.start());
        Expected expected = null;
        String expectedText = null;
        if (lx.peek().is(Kind.ASSIGN)) {
            int from = lx.next().end();
            expected = expected(lx);
            expectedText = stripped(lx.text(), from, lx.peek().start());
        }
        return new Statement.Call(lx.line(), guard, proc, bind, bindPos, name.text(), name.pos(),
                args, argsText, expected, expectedText, strace);
    }

    /**
     * {@code text.substring(s, e).strip()}, one copy per file of each (a log repeats the same
     * arguments and results at every round of its loop). strip()'s blanks are all in the BMP.
     */
    private String stripped(String text, int s, int e) {
        while (s < e && Character.isWhitespace(text.charAt(s))) {
            s++;
        }
        while (e > s && Character.isWhitespace(text.charAt(e - 1))) {
            e--;
        }
        return words.intern(text, s, e);
    }

    /**
     * A call of a strace log the language does not know (read, futex, ioctl, ...): its
     * arguments and result are not looked at, only kept as text, so whatever strace prints there
     * ({@code [{WIFEXITED(s) && WEXITSTATUS(s) == 0}]}, {@code ~[RTMIN RT_1]}) is taken.
     */
    private Statement.Call unknownCall(Lexer lx, Guard guard, Statement.ProcRef proc, String bind, Pos bindPos,
                                       Token name, Token open, Statement.Strace strace) {
        String args = lx.rawUntilClose();
        if (args == null) {
            throw lx.errorAt(open.pos(), "expected ')' to close the '(' of " + name.text() + ", found end of line");
        }
        Pos restAt = lx.posHere();
        String rest = lx.rest().strip();
        String expectedText = null;
        if (rest.startsWith("=")) {
            expectedText = stripped(rest, 1, rest.length());
        } else if (!rest.isEmpty() && !rest.startsWith("#")) {
            throw lx.errorAt(restAt, "expected '=' or end of line after " + name.text() + "(...), found '" + rest + "'");
        }
        return new Statement.Call(lx.line(), guard, proc, bind, bindPos, name.text(), name.pos(), List.of(),
                stripped(args, 0, args.length()), null, expectedText, strace);
    }

    /** {@code app:}, strace's {@code 4728  } or {@code [pid 4728] }, or nothing. */
    private static Statement.ProcRef procRef(Lexer lx) {
        Token t = lx.peek();
        if (t.is(Kind.LBRACKET)) {
            lx.next();
            lx.next();
            Token pid = lx.expect(Kind.NUMBER, "a pid after '[pid'");
            lx.expect(Kind.RBRACKET, "']' after the pid");
            return new Statement.ProcRef(null, pid.number(), "[pid " + pid.text() + "]", t.pos());
        }
        if (t.is(Kind.NUMBER) && t.suffix().isEmpty() && lx.peek(1).is(Kind.IDENT)) {
            lx.next();
            return new Statement.ProcRef(null, t.number(), t.text(), t.pos());
        }
        if (t.is(Kind.IDENT) && lx.peek(1).is(Kind.COLON)) {
            Token name = plainName(lx, "a process name before ':'");
            lx.next();
            return new Statement.ProcRef(name.text(), null, name.text() + ":", name.pos());
        }
        return null;
    }

    private List<Expr.Field> args(Lexer lx) {
        List<Expr.Field> out = new ArrayList<>();
        if (lx.peek().is(Kind.RPAREN)) {
            return out;
        }
        do {
            Token t = lx.peek();
            if (t.is(Kind.IDENT) && lx.peek(1).is(Kind.ASSIGN)) {
                lx.next();
                lx.next();
                out.add(new Expr.Field(t.text(), expr(lx), t.pos()));
            } else {
                out.add(new Expr.Field(null, expr(lx), t.pos()));
            }
            outParameter(lx);
        } while (lx.accept(Kind.COMMA));
        return List.copyOf(out);
    }

    /**
     * strace's {@code => {parent_tid=[9039]}} after an argument: what the kernel wrote back into
     * it (clone3's struct clone_args). Read and not compared.
     */
    private static void outParameter(Lexer lx) {
        if (lx.peek().is(Kind.ASSIGN) && lx.peek(1).is(Kind.GT) && lx.peek(1).start() == lx.peek().end()) {
            lx.next();
            lx.next();
            expr(lx);
        }
    }

    private static Token closeArgs(Lexer lx) {
        return lx.expect(Kind.RPAREN, "',' or ')'");
    }

    private Expected expected(Lexer lx) {
        Token t = lx.peek();
        if (t.is(Kind.QUESTION)) {
            lx.next();
            if (log && !lx.peek().is(Kind.EOL)) {
                lx.rest(); // strace: "= ? <unavailable>", "= ? ERESTARTSYS (To be restarted ...)"
            }
            return new Expected.Unknown(t.pos());
        }
        Token one = lx.peek(1);
        Token ename = lx.peek(2);
        if (t.is(Kind.MINUS) && one.is(Kind.NUMBER) && one.number() == 1 && one.suffix().isEmpty()
                && ename.is(Kind.IDENT)) {
            return errorExpected(lx, t);
        }
        Expected.Value v = new Expected.Value(expr(lx), t.pos());
        if (log && lx.peek().is(Kind.LPAREN)) {
            Token open = lx.next();
            lx.rawUntilLast(')', open); // strace's note after a value: "= 0x1 (flags FD_CLOEXEC)"
        }
        return v;
    }

    private static Expected errorExpected(Lexer lx, Token minus) {
        lx.next();
        lx.next();
        Token ename = lx.next();
        int errno = ERRNO_NAME.matcher(ename.text()).matches() ? Errno.byName(ename.text()) : -1;
        if (errno < 0) {
            throw lx.errorAt(ename.pos(), "expected an errno name such as ENOMEM after -1, found '" + ename.text() + "'");
        }
        String text = null;
        if (lx.peek().is(Kind.LPAREN)) {
            Token open = lx.next();
            text = lx.rawUntilLast(')', open);
        }
        return new Expected.Error(errno, ename.text(), text, minus.pos());
    }

    // ---------------------------------------------------------------- checks

    private Statement.Check check(Lexer lx, Guard guard) {
        Token kw = lx.next();
        if (lx.peek().is(Kind.NUMBER) && lx.peek().suffix().isEmpty()) {
            Token pid = lx.next(); // a strace pid names the process it is in the log: check 2271 VmSize ...
            Statement.ProcRef proc = new Statement.ProcRef(null, pid.number(), pid.text(), pid.pos());
            return checkRest(lx, guard, kw, proc, lx.expect(Kind.IDENT, "a field (VmLck, VmPin, smaps.Locked, maps, lck(REGION), ...)"));
        }
        Token subject = lx.expect(Kind.IDENT, "a process name, a strace pid, vmstat.NAME or meminfo.NAME after 'check'");
        Statement.ProcRef proc = null;
        Token field = subject;
        if (!isSystemField(subject.text())) {
            if (!PLAIN_NAME.matcher(subject.text()).matches()) {
                throw lx.errorAt(subject.pos(), "expected a process name, vmstat.NAME or meminfo.NAME, found '" + subject.text() + "'");
            }
            proc = new Statement.ProcRef(subject.text(), null, subject.text(), subject.pos());
            field = lx.expect(Kind.IDENT, "a field (VmLck, VmPin, smaps.Locked, maps, lck(REGION), ...)");
        }
        return checkRest(lx, guard, kw, proc, field);
    }

    private Statement.Check checkRest(Lexer lx, Guard guard, Token kw, Statement.ProcRef proc, Token field) {
        List<Expr> region = List.of();
        if (lx.accept(Kind.LPAREN)) {
            region = regionArgs(lx);
        }
        Token op = lx.next();
        if (!isComparison(op)) {
            throw lx.error(op, "a comparison (==, !=, <, <=, >, >=)");
        }
        Expr value = expr(lx);
        boolean kB = false;
        if (lx.peek().isIdent("kB")) {
            lx.next();
            kB = true;
        }
        String text = lx.text().substring(kw.start(), lx.peek().start()).strip();
        return new Statement.Check(kw.line(), guard, proc, field.text(), field.pos(), region, op.text(), op.pos(),
                value, kB, text);
    }

    static boolean isSystemField(String name) {
        return name.startsWith("vmstat.") || name.startsWith("meminfo.")
                || org.pinsim.core.mem.PhysMemFields.isPath(name);
    }

    private static boolean isComparison(Token t) {
        return switch (t.kind()) {
            case EQ, NE, LT, LE, GT, GE -> true;
            default -> false;
        };
    }

    private List<Expr> regionArgs(Lexer lx) {
        List<Expr> out = new ArrayList<>();
        do {
            out.add(expr(lx));
        } while (lx.accept(Kind.COMMA));
        lx.expect(Kind.RPAREN, "',' or ')'");
        return List.copyOf(out);
    }

    // ---------------------------------------------------------------- expressions

    /** expr := or; or := shift ('|' shift)*; the rest binds tighter, as in C. */
    static Expr expr(Lexer lx) {
        Expr left = shift(lx);
        while (lx.peek().is(Kind.PIPE)) {
            Token op = lx.next();
            left = new Expr.Binary('|', left, shift(lx), op.pos());
        }
        return left;
    }

    private static Expr shift(Lexer lx) {
        Expr left = additive(lx);
        while (lx.peek().is(Kind.SHL)) {
            Token op = lx.next();
            left = new Expr.Binary('<', left, additive(lx), op.pos());
        }
        return left;
    }

    private static Expr additive(Lexer lx) {
        Expr left = multiplicative(lx);
        while (lx.peek().is(Kind.PLUS) || lx.peek().is(Kind.MINUS)) {
            Token op = lx.next();
            left = new Expr.Binary(op.text().charAt(0), left, multiplicative(lx), op.pos());
        }
        return left;
    }

    private static Expr multiplicative(Lexer lx) {
        Expr left = unary(lx);
        while (lx.peek().is(Kind.STAR)) {
            Token op = lx.next();
            left = new Expr.Binary('*', left, unary(lx), op.pos());
        }
        return left;
    }

    private static Expr unary(Lexer lx) {
        if (lx.peek().is(Kind.MINUS)) {
            Token op = lx.next();
            return new Expr.Negate(unary(lx), op.pos());
        }
        return primary(lx);
    }

    private static Expr primary(Lexer lx) {
        Token t = lx.peek();
        switch (t.kind()) {
            case NUMBER -> {
                lx.next();
                Expr.Num n = new Expr.Num(t.number(), t.suffix(), t.text(), t.pos());
                return t.deco() == null ? n : new Expr.Fd(n, t.deco(), t.pos());
            }
            case IDENT -> {
                lx.next();
                return t.text().equals("NULL") ? new Expr.Null(t.pos()) : new Expr.Name(t.text(), t.pos());
            }
            case STRING -> {
                lx.next();
                return new Expr.Str(t.text(), lx.accept(Kind.ELLIPSIS), t.pos());
            }
            case LBRACE -> {
                return struct(lx);
            }
            case LBRACKET -> {
                return array(lx);
            }
            case ELLIPSIS -> {
                lx.next();
                return new Expr.Elided(t.pos());
            }
            case LPAREN -> {
                lx.next();
                Expr inner = expr(lx);
                lx.expect(Kind.RPAREN, "')'");
                return inner;
            }
            default -> throw lx.error(t, "a value (number, name, flags, string, {struct} or [array])");
        }
    }

    private static Expr struct(Lexer lx) {
        Token open = lx.next();
        List<Expr.Field> fields = new ArrayList<>();
        if (!lx.peek().is(Kind.RBRACE)) {
            do {
                Token t = lx.peek();
                if (t.is(Kind.IDENT) && lx.peek(1).is(Kind.ASSIGN)) {
                    lx.next();
                    lx.next();
                    fields.add(new Expr.Field(t.text(), expr(lx), t.pos()));
                } else {
                    fields.add(new Expr.Field(null, expr(lx), t.pos()));
                }
            } while (lx.accept(Kind.COMMA));
        }
        lx.expect(Kind.RBRACE, "',' or '}'");
        return new Expr.Struct(List.copyOf(fields), open.pos());
    }

    /** Items separated by commas, or by blanks as strace prints signal sets ({@code [CHLD TERM]}). */
    private static Expr array(Lexer lx) {
        Token open = lx.next();
        List<Expr> items = new ArrayList<>();
        while (!lx.peek().is(Kind.RBRACKET)) {
            if (lx.peek().is(Kind.EOL)) {
                throw lx.error(lx.peek(), "']' to close the '[' at column " + open.pos().column());
            }
            items.add(expr(lx));
            lx.accept(Kind.COMMA);
        }
        lx.next();
        return new Expr.Array(List.copyOf(items), open.pos());
    }
}
