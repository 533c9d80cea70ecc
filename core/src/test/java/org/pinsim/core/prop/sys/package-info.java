/**
 * Random syscall sequences for {@link org.pinsim.core.prop.PropertyRunner}: a {@link
 * org.pinsim.core.prop.sys.SysWorld} (machine, initial process) and a list of {@link
 * org.pinsim.core.prop.sys.SysOp}s whose arguments are symbolic (region of op j plus an
 * offset, fd of op j, child of fork j), resolved by {@link org.pinsim.core.prop.sys.SysRun}
 * when the sequence runs, so that a sequence shrunk by removing ops still means what it
 * meant, and renders as a .pin scenario with names bound to results ({@code m3 = mmap(...)},
 * {@code c5 = fork()}, {@code u7 = io_uring_setup(4, {})}).
 *
 * <p>Adding a call (rdma_reg_mr, vfio_map_dma, mpin, execve, ...): a record in {@link
 * org.pinsim.core.prop.sys.SysOps} with {@code run} (the Task call) and {@code render} (its
 * .pin text), a {@code bindPrefix} if later ops refer to its result (a letter no other op
 * uses), {@code simpler} forms if it has a length; then a maker method and one weighted line
 * in {@code SysGen}'s table. {@code PropertyScenarioTest} in the scenario module checks the
 * rendering of every call against the scenario runner.
 */
package org.pinsim.core.prop.sys;
