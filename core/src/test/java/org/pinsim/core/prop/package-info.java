/**
 * A small property-testing harness on plain JUnit 5 (test scope only): seeded tries
 * ({@link org.pinsim.core.prop.Seeds}, {@link org.pinsim.core.prop.PropConfig}: replay one
 * seed with {@code -Dpinsim.seed=N}, change counts with {@code -Dpinsim.tries} and
 * {@code -Dpinsim.steps}), op sequences generated as data apart from their execution
 * ({@link org.pinsim.core.prop.Property}), ddmin shrinking that keeps to the same kind of
 * failure ({@link org.pinsim.core.prop.Shrinker}), and a report with the seed, the command
 * line that replays it and the shrunk case, also written to
 * {@code target/property-failures/} ({@link org.pinsim.core.prop.PropertyRunner}).
 */
package org.pinsim.core.prop;
