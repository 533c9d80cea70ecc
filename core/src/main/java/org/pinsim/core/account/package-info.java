/**
 * The profiles' accounting policies: which counter each owner of unevictable memory charges
 * (mm->locked_vm, mm->pinned_vm, user->locked_vm), which sum it checks against
 * RLIMIT_MEMLOCK, and who may bypass the check; and the profiles themselves, one small class
 * each ({@link org.pinsim.core.Profile} holds the registry). The mechanisms ({@code mlock},
 * {@code gup}) consult these enums where the kernels differ; nothing here changes state.
 */
package org.pinsim.core.account;
