/**
 * Experiments: families of runs of the model whose figures make a table
 * ({@code ./pinsim experiment NAME}; docs/EXPERIMENTS.md). Each is found by running pinsim,
 * not computed by a formula.
 */
package org.pinsim.scenario.experiment;
