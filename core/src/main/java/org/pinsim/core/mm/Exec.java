package org.pinsim.core.mm;

import static org.pinsim.core.mm.VmFlags.*;

/**
 * fs/exec.c + fs/binfmt_elf.c, reduced to the image a small static C program gets on
 * x86-64 without address randomisation. {@code layout=default} reproduces, VMA for VMA,
 * what Linux 6.18 showed on the reference machine for `gcc -O2 -static` of a program that
 * reads its own /proc files, run under `setarch -R` (see docs/LAYOUT.md):
 *
 * <pre>
 * 00400000-00401000 r--p 00000000  program    ELF header            4 kB
 * 00401000-00479000 r-xp 00001000  program    .text               480 kB
 * 00479000-004a0000 r--p 00079000  program    .rodata             156 kB
 * 004a0000-004a4000 r--p 000a0000  program    RELRO (ac)           16 kB
 * 004a4000-004a7000 rw-p 000a4000  program    .data (ac)           12 kB
 * 004a7000-004bc000 rw-p 00000000             .bss (ac)            84 kB
 * 004bc000-004de000 rw-p 00000000  [heap]     glibc's TLS via brk 136 kB
 * 7ffff7ff7000-7ffff7ffb000 r--p   [vvar]                          16 kB
 * 7ffff7ffb000-7ffff7ffd000 r--p   [vvar_vclock]                    8 kB
 * 7ffff7ffd000-7ffff7fff000 r-xp   [vdso]                           8 kB
 * 7ffffffde000-7ffffffff000 rw-p   [stack]                        132 kB
 * ffffffffff600000-ffffffffff601000 --xp [vsyscall] (gate, not a VMA)
 * </pre>
 *
 * VmSize 1052 kB. The loader's and libc start-up's writes leave one page resident in each of
 * .data, .bss, [heap] and the top of [stack], and its reads one page of each file segment.
 */
public final class Exec {
    public static final long MMAP_BASE = 0x7ffff7fff000L; // TASK_SIZE - 128 MiB gap (mmap_base)
    public static final long STACK_TOP = 0x7ffffffff000L;
    private static final long PROG = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

    private final MmContext ctx;
    private final Memory memory;

    public Exec(MmContext ctx) {
        this.ctx = ctx;
        this.memory = ctx.memory;
    }

    /** A new mm holding the default image of {@code program}, or nothing for layout=empty. */
    public Mm newImage(Inode program, boolean empty) {
        Mm mm = ctx.newMm();
        mm.mmapBase = MMAP_BASE;
        if (empty) {
            mm.startBrk = 0x4bc000L;
            mm.brk = 0x4bc000L;
            mm.startStack = 0; // no stack VMA
            return mm;
        }
        map(mm, 0x400000L, 0x401000L, VM_READ | PROG, 0x0, program, null);
        map(mm, 0x401000L, 0x479000L, VM_READ | VM_EXEC | PROG, 0x1, program, null);
        map(mm, 0x479000L, 0x4a0000L, VM_READ | PROG, 0x79, program, null);
        map(mm, 0x4a0000L, 0x4a4000L, VM_READ | PROG | VM_ACCOUNT, 0xa0, program, null);
        map(mm, 0x4a4000L, 0x4a7000L, VM_READ | VM_WRITE | PROG | VM_ACCOUNT, 0xa4, program, null);
        map(mm, 0x4a7000L, 0x4bc000L, VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT, 0x4a7, null, null);
        map(mm, 0x4bc000L, 0x4de000L, VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT, 0x4bc, null, null);
        long vvar = VM_READ | VM_MAYREAD | VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP;
        map(mm, 0x7ffff7ff7000L, 0x7ffff7ffb000L, vvar, 0, null, "[vvar]");
        map(mm, 0x7ffff7ffb000L, 0x7ffff7ffd000L, vvar, 0, null, "[vvar_vclock]");
        map(mm, 0x7ffff7ffd000L, 0x7ffff7fff000L, VM_READ | VM_EXEC | PROG | VM_DONTEXPAND, 0, null, "[vdso]");
        map(mm, 0x7ffffffde000L, STACK_TOP, VM_STACK_DEFAULT_FLAGS, 0x7ffffffdeL, null, null);
        mm.startCode = 0x401000L;
        mm.endCode = 0x478f3dL;
        mm.startData = 0x4a4000L;
        mm.endData = 0x4a6f00L;
        mm.startBrk = 0x4bc000L;
        mm.brk = 0x4de000L;
        mm.startStack = 0x7fffffffe3b0L;
        for (long a : new long[] {0x400000L, 0x401000L, 0x479000L, 0x4a0000L}) {
            touch(mm, a, false);
        }
        for (long a : new long[] {0x4a4000L, 0x4a7000L, 0x4bc000L, 0x7fffffffe000L}) {
            touch(mm, a, true);
        }
        return mm;
    }

    private void map(Mm mm, long start, long end, long flags, long pgoff, Inode file, String special) {
        Vma v = new Vma(start, end, flags, pgoff, file, special);
        Vmas.insert(mm, v);
        if (file != null) {
            file.coverMapping((pgoff << 12) + (end - start));
        }
        mm.vmStatAccount(flags, v.pages());
    }

    private void touch(Mm mm, long addr, boolean write) {
        int r = memory.handleFault(mm, mm.vmas.lookup(addr), addr, write);
        if (r != Memory.VM_FAULT_OK) {
            throw new IllegalStateException("out of memory building the process image");
        }
    }
}
