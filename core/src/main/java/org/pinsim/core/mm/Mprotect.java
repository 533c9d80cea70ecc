package org.pinsim.core.mm;

import static org.pinsim.core.mm.MmContext.PAGE_SIZE;
import static org.pinsim.core.mm.VmFlags.VM_ACCOUNT;
import static org.pinsim.core.mm.VmFlags.VM_LOCKED;
import static org.pinsim.core.mm.VmFlags.VM_SHARED;
import static org.pinsim.core.mm.VmFlags.VM_WRITE;
import static org.pinsim.core.uapi.Errno.EACCES;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOMEM;

import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.uapi.Mman;

/** mm/mprotect.c: do_mprotect_pkey and mprotect_fixup. */
public final class Mprotect {
    private final MmContext ctx;
    private final Vmas vmas;
    private final Mmap mmap;
    private final Gup gup;

    public Mprotect(MmContext ctx, Vmas vmas, Mmap mmap, Gup gup) {
        this.ctx = ctx;
        this.vmas = vmas;
        this.mmap = mmap;
        this.gup = gup;
    }

    /** mm/mprotect.c do_mprotect_pkey. */
    public int mprotect(Caller c, long start, long len, long prot) {
        long grows = prot & (Mman.PROT_GROWSDOWN | Mman.PROT_GROWSUP);
        prot &= ~(Mman.PROT_GROWSDOWN | Mman.PROT_GROWSUP);
        if (grows == (Mman.PROT_GROWSDOWN | Mman.PROT_GROWSUP)) {
            return -EINVAL;
        }
        if (MmContext.offsetInPage(start)) {
            c.refuse("mprotect: start not page aligned");
            return -EINVAL;
        }
        if (len == 0) {
            return 0;
        }
        len = MmContext.pageAlign(len);
        long end = start + len;
        if (Long.compareUnsigned(end, start) <= 0) {
            return -ENOMEM;
        }
        if ((prot & ~(Mman.PROT_READ | Mman.PROT_WRITE | Mman.PROT_EXEC | Mman.PROT_SEM)) != 0) {
            c.refuse("mprotect: unknown PROT bits"); // arch_validate_prot
            return -EINVAL;
        }
        Mm mm = c.mm();
        Vma vma = mm.vmas.intersection(start, end);
        if (vma == null) {
            c.refuse("mprotect: no mapping in the range");
            return -ENOMEM;
        }
        if ((grows & Mman.PROT_GROWSDOWN) != 0) {
            if (vma.start >= end || !vma.has(VmFlags.VM_GROWSDOWN)) {
                return -EINVAL;
            }
            start = vma.start;
        } else if ((grows & Mman.PROT_GROWSUP) != 0) {
            return -EINVAL; // no VM_GROWSUP VMAs on x86
        } else if (vma.start > start) {
            c.refuse("mprotect: no mapping at the start of the range");
            return -ENOMEM;
        }
        long tmp = vma.start;
        long nstart = start;
        int error = 0;
        while (vma != null && Long.compareUnsigned(vma.start, end) < 0) {
            if (vma.start != tmp) {
                c.refuse("mprotect: hole in the range");
                error = -ENOMEM;
                break;
            }
            long newflags = Mmap.calcVmProtBits(prot) | (vma.flags & ~VmFlags.VM_ACCESS_FLAGS);
            if ((newflags & ~(newflags >>> 4) & VmFlags.VM_ACCESS_FLAGS) != 0) {
                c.refuse("mprotect: access not allowed by the mapping's VM_MAY* bits");
                error = -EACCES;
                break;
            }
            tmp = Math.min(vma.end, end);
            Vma done = mprotectFixup(c, vma, nstart, tmp, newflags);
            if (done == null) {
                error = fixupError;
                break;
            }
            tmp = done.end;
            nstart = tmp;
            vma = mm.vmas.find(tmp);
        }
        if (error == 0 && Long.compareUnsigned(tmp, end) < 0) {
            c.refuse("mprotect: range runs past the last mapping");
            error = -ENOMEM;
        }
        return error;
    }

    private int fixupError;

    /** mm/mprotect.c mprotect_fixup. Returns the VMA covering [start, end), or null (see fixupError). */
    Vma mprotectFixup(Caller c, Vma vma, long start, long end, long newflags) {
        Mm mm = c.mm();
        fixupError = -ENOMEM;
        long oldflags = vma.flags;
        if (newflags == oldflags) {
            return vma;
        }
        long nrpages = (end - start) >>> 12;
        if ((newflags & VM_WRITE) != 0) {
            if (!mmap.mayExpandVm(c, newflags, nrpages) && mmap.mayExpandVm(c, oldflags, nrpages)) {
                c.refuse("mprotect: RLIMIT_DATA");
                return null;
            }
            if ((oldflags & (VM_ACCOUNT | VM_WRITE | VmFlags.VM_HUGETLB | VM_SHARED | VmFlags.VM_NORESERVE)) == 0) {
                if (!ctx.enoughMemory(nrpages)) {
                    c.refuse("mprotect: overcommit limit");
                    return null;
                }
                newflags |= VM_ACCOUNT;
            }
        } else if ((oldflags & VM_ACCOUNT) != 0 && vma.isAnonymous() && vma.anonVma == Vma.NO_ANON_VMA) {
            newflags &= ~VM_ACCOUNT;
        }
        Vma v = vmas.modifyFlags(mm, vma, start, end, newflags);
        if (v == null) {
            fixupError = vmas.lastError();
            c.refuse(fixupError == -EINVAL ? "mprotect: a special or driver mapping cannot be split"
                    : "mprotect: splitting the VMA would exceed vm.max_map_count");
            return null;
        }
        changeProtection(mm, v, start, end, newflags);
        // "Private VM_LOCKED VMA becoming writable: trigger COW to avoid major fault on access"
        if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED && (newflags & VM_WRITE) != 0) {
            gup.populateVmaPageRange(mm, v, start, end);
        }
        mm.vmStatAccount(oldflags, -nrpages);
        mm.vmStatAccount(newflags, nrpages);
        return v;
    }

    /**
     * mm/mprotect.c change_pte_range: write-protect when VM_WRITE goes; when it comes, make
     * exclusive anonymous pages and shmem pages writable at once (can_change_pte_writable).
     */
    private void changeProtection(Mm mm, Vma v, long start, long end, long newflags) {
        FrameTable ft = ctx.memory.frames();
        for (long a = start; a < end; a += PAGE_SIZE) {
            PageTable.Leaf leaf = mm.pt.leaf(a, false);
            if (leaf == null) {
                a = (a | ((1L << 21) - 1)) + 1 - PAGE_SIZE;
                continue;
            }
            long haddr = a & HugeMemory.HPAGE_PMD_MASK;
            if (ctx.memory.huge().splitIfPartial(mm, v, leaf, haddr, start, end)) {
                // change_pmd_range -> change_huge_pmd: the whole PMD at once
                boolean mkwrite = (newflags & VM_WRITE) != 0 && !Pte.write(leaf.pmd)
                        && ft.refcount(Pte.pfn(leaf.pmd)) == 1;
                HugeMemory.changeHugePmd(leaf, (newflags & VM_WRITE) == 0, mkwrite);
                a = haddr + HugeMemory.HPAGE_PMD_SIZE - PAGE_SIZE;
                continue;
            }
            int i = PageTable.pteIndex(a);
            long e = leaf.e[i];
            if (Pte.isWritableMigrationEntry(e)) {
                // change_pte_range on a swap PTE: "A protection check is difficult so just be safe and disable write"
                leaf.e[i] = e & ~Pte.WRITE;
                continue;
            }
            if (!Pte.present(e) || Pte.special(e)) {
                continue;
            }
            if ((newflags & VM_WRITE) == 0) {
                leaf.e[i] = Pte.wrprotect(e);
            } else if (!Pte.write(e)) {
                int pfn = Pte.pfn(e);
                boolean exclusiveAnon = ctx.memory.isAnonFolio(pfn) && ctx.memory.canReuseAnonFolio(pfn);
                boolean shmem = (newflags & VM_SHARED) != 0 && v.file != null && v.file.shmem();
                if (exclusiveAnon || shmem) {
                    leaf.e[i] = Pte.mkwrite(e);
                }
            }
        }
    }
}
