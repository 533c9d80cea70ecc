package org.pinsim.core.mm;

import static org.pinsim.core.mm.VmFlags.VM_DONTCOPY;
import static org.pinsim.core.mm.VmFlags.VM_LOCKED_MASK;
import static org.pinsim.core.mm.VmFlags.VM_WIPEONFORK;

/** kernel/fork.c dup_mmap and kernel/fork.c mmput -> mm/mmap.c exit_mmap. */
public final class Fork {
    private final MmContext ctx;

    public Fork(MmContext ctx) {
        this.ctx = ctx;
    }

    /**
     * kernel/fork.c dup_mm -> dup_mmap: the child gets every VMA but VM_DONTCOPY ones, with
     * VM_LOCKED and VM_LOCKONFAULT cleared; locked_vm and pinned_vm start at 0 (mm_init), but
     * 3.2 to 3.10 copied pinned_vm ({@code Profile.forkCopiesPinnedVm}) and the VM_PINNED
     * proposal keeps VM_PINNED and charges it to the child;
     * def_flags keeps only VM_INIT_DEF_MASK, so MCL_FUTURE is not inherited. Pages are shared
     * copy-on-write where the VMA has anonymous pages (vma_needs_copy); other VMAs fault later.
     */
    public Mm dupMm(Mm old) {
        Mm mm = ctx.newMm();
        mm.copyLayoutFrom(old);
        Memory memory = ctx.memory;
        for (int i = 0; i < old.vmas.size(); i++) {
            Vma v = old.vmas.get(i);
            if (v.has(VM_DONTCOPY)) {
                mm.vmStatAccount(v.flags, -v.pages());
                continue;
            }
            Vma tmp = v.copy();
            tmp.flags &= ~VM_LOCKED_MASK;
            // [PROPOSAL] mpin-2013's dup_mmap: "if (tmp->vm_flags & VM_PINNED) mm->pinned_vm += vma_pages(tmp)"
            ctx.accountLock(mm, tmp.flags & VmFlags.VM_PINNED, tmp.pages());
            if (v.has(VM_WIPEONFORK)) {
                tmp.anonVma = Vma.NO_ANON_VMA; // the child starts with empty anonymous memory
            } else if (v.anonVma != Vma.NO_ANON_VMA) {
                tmp.anonVma = memory.newAnonVmaId(); // anon_vma_fork: chained to the parent's
                tmp.anonChainSingular = false;
            }
            Vmas.insert(mm, tmp);
            if (tmp.ops != null) {
                tmp.ops.open(tmp); // dup_mmap: "if (tmp->vm_ops && tmp->vm_ops->open)"
            }
            // mm/memory.c vma_needs_copy: VM_COPY_ON_FORK (a guard marker cannot be faulted back) or an anon_vma
            boolean needsCopy = tmp.has(VmFlags.VM_COPY_ON_FORK) || v.anonVma != Vma.NO_ANON_VMA;
            if (needsCopy && !v.has(VM_WIPEONFORK)) {
                memory.copyPageRange(mm, tmp, old, v);
            }
        }
        if (ctx.profile.forkCopiesPinnedVm() && old.pinnedVm() != 0) {
            // dup_mm's "memcpy(mm, oldmm, sizeof(*mm))": dup_mmap resets locked_vm but not
            // pinned_vm, so the child starts with the parent's pinned_vm and no pin behind it
            long stale = old.pinnedVm();
            mm.addPinnedVm(stale);
            mm.addUnownedDriverCharge(false, stale);
        }
        return mm;
    }

    /** mm/mmap.c exit_mmap: unmap and free everything, then the page tables. */
    public void exitMmap(Mm mm, Vmas vmas) {
        java.util.List<Vma> all = new java.util.ArrayList<>();
        for (int i = 0; i < mm.vmas.size(); i++) {
            all.add(mm.vmas.get(i));
        }
        vmas.removeVmas(mm, all);
        mm.pt.destroy();
    }
}
