package org.pinsim.scenario;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The way in: parse a scenario file, resolve it for a profile, run it, get a {@link Report}.
 * Invalid input throws {@link InvalidInputException} before anything runs; a failure of the
 * model throws {@link ModelBugException}.
 */
public final class ScenarioRunner {

    private ScenarioRunner() {
    }

    /** Reads and parses a file; messages name it as {@code file.toString()}. */
    public static Scenario parse(Path file) throws IOException {
        return parse(file.toString(), Files.readAllBytes(file));
    }

    /** Parses bytes read from somewhere else (standard input); {@code name} names them in messages. */
    public static Scenario parse(String name, byte[] bytes) {
        return Parser.parse(name, decode(name, bytes));
    }

    public static Scenario parse(String name, String text) {
        return Parser.parse(name, text);
    }

    /** Resolves and runs a parsed scenario. */
    public static Report run(Scenario scenario, RunOptions options) {
        Plan plan = Validator.plan(scenario, options);
        return new Execution(plan).run();
    }

    /** Resolves and runs a parsed scenario, showing the model to {@code observer} between steps. */
    public static Report run(Scenario scenario, RunOptions options, StepObserver observer) {
        Plan plan = Validator.plan(scenario, options);
        return new Execution(plan, observer).run();
    }

    /** Resolves a parsed scenario without running it: reports invalid input only. */
    public static void validate(Scenario scenario, RunOptions options) {
        Validator.plan(scenario, options);
    }

    public static Report run(Path file, RunOptions options) throws IOException {
        return run(parse(file), options);
    }

    private static String decode(String file, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                int line = 1;
                int col = 1;
                for (int j = 0; j < i; j++) {
                    col = bytes[j] == '\n' ? 1 : col + 1;
                    line += bytes[j] == '\n' ? 1 : 0;
                }
                throw new InvalidInputException(file, line, col, "expected a text file, found binary data (a NUL byte)");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            int line = 1;
            String prefix = new String(bytes, StandardCharsets.UTF_8);
            int bad = prefix.indexOf('\uFFFD');
            for (int i = 0; i < bad; i++) {
                if (prefix.charAt(i) == '\n') {
                    line++;
                }
            }
            throw new InvalidInputException(file, line, 1, "expected UTF-8 text, found bytes that are not UTF-8");
        }
    }
}
