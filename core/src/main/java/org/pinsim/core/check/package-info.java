/**
 * The model's invariant checker: {@link org.pinsim.core.check.Invariants} recomputes every
 * counter and reference count from first principles (VMAs, page tables, page caches, the
 * frame table) and fails with the first broken rule.
 */
package org.pinsim.core.check;
