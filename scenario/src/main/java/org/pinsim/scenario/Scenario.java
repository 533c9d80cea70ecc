package org.pinsim.scenario;

import java.util.List;

/**
 * A parsed scenario file: its directives and its statements and checks, in file order.
 * Nothing is resolved yet; {@link Validator} does that for one profile.
 */
public record Scenario(String file, List<Directive> directives, List<Statement> statements) {
}
