package org.pinsim.core.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mempolicy.MPOL_BIND;
import static org.pinsim.core.uapi.Mempolicy.MPOL_DEFAULT;
import static org.pinsim.core.uapi.Mempolicy.MPOL_F_ADDR;
import static org.pinsim.core.uapi.Mempolicy.MPOL_F_NODE;
import static org.pinsim.core.uapi.Mempolicy.MPOL_F_RELATIVE_NODES;
import static org.pinsim.core.uapi.Mempolicy.MPOL_F_STATIC_NODES;
import static org.pinsim.core.uapi.Mempolicy.MPOL_INTERLEAVE;
import static org.pinsim.core.uapi.Mempolicy.MPOL_LOCAL;
import static org.pinsim.core.uapi.Mempolicy.MPOL_MF_MOVE;
import static org.pinsim.core.uapi.Mempolicy.MPOL_MF_MOVE_ALL;
import static org.pinsim.core.uapi.Mempolicy.MPOL_MF_STRICT;
import static org.pinsim.core.uapi.Mempolicy.MPOL_PREFERRED;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Errno;
import org.pinsim.core.uapi.IoUring;
import org.pinsim.core.vmstat.VmEvent;

/**
 * mbind(2), set_mempolicy(2) and get_mempolicy(2) (mm/mempolicy.c, Linux 6.18) on a two-node
 * machine. The live machine has one node: what it can show is in the corpus
 * (host_mbind_*.pin); each expectation here cites the kernel function it follows.
 */
class MbindTest {
    private static final long PAGE = 4096;
    private static final int RW = PROT_READ | PROT_WRITE;
    private static final long[] NODE0 = {1};
    private static final long[] NODE1 = {2};
    private static final long[] BOTH = {3};

    private final Kernel k = Kernel.boot(new MachineConfig(64L << 20, 2, 2, 0, 1,
            org.pinsim.core.Profile.LINUX_6_18, true));

    private Task spawn(long caps) {
        return k.spawn(ProcessSpec.defaults("app", k.profile()).withUid(1000).withCaps(caps)
                .withMemlock(8L << 20, 8L << 20).withLayout(ProcessSpec.Layout.EMPTY));
    }

    private long map(Task t, int pages) {
        return t.mmap(0, pages * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
    }

    private int nid(Task t, long addr) {
        return k.mem().nidOf(Pte.pfn(t.mm().pageTable().get(addr)));
    }

    private int pfn(Task t, long addr) {
        return Pte.pfn(t.mm().pageTable().get(addr));
    }

    /** get_mempolicy(&policy, NULL, 0, addr, MPOL_F_ADDR): the VMA's policy mode. */
    private static long policyAt(Task t, long addr) {
        long[] pol = new long[1];
        t.getMempolicy(pol, null, 0, addr, MPOL_F_ADDR);
        return pol[0];
    }

    @Test
    void mbind_bindNode1WithMove_migratesEveryPageKeepsContent() {
        Task app = spawn(Caps.NONE);
        long a = map(app, 4);
        app.touch(a, 4 * PAGE, true);
        int c0 = k.mem().frames().content(pfn(app, a));

        // do_mbind: queue_pages_range(MPOL_MF_INVERT) queues the pages not on node 1, then
        // migrate_pages(alloc_migration_target_by_mpol) allocates by the new policy (node 1)
        assertThat(app.mbind(a, 4 * PAGE, MPOL_BIND, NODE1, 3, MPOL_MF_MOVE).ret()).isZero();
        k.settle();
        for (int i = 0; i < 4; i++) {
            assertThat(nid(app, a + i * PAGE)).isEqualTo(1);
        }
        assertThat(k.mem().frames().content(pfn(app, a))).isEqualTo(c0);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isEqualTo(4);
        k.checkInvariantsFull();
    }

    @Test
    void mbind_withoutMove_changesPolicyOnly_laterFaultsFollowIt() {
        Task app = spawn(Caps.NONE);
        long a = map(app, 4);
        app.touch(a, PAGE, true); // page 0 on node 0

        assertThat(app.mbind(a, 4 * PAGE, MPOL_BIND, NODE1, 3, 0).ret()).isZero();
        app.touch(a, 4 * PAGE, true);

        // without MPOL_MF_MOVE nothing moves; vma_alloc_folio -> policy_nodemask(MPOL_BIND) for the rest
        assertThat(nid(app, a)).isZero();
        assertThat(nid(app, a + PAGE)).isEqualTo(1);
        assertThat(nid(app, a + 3 * PAGE)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isZero();
    }

    @Test
    void mbind_middleOfVma_splitsInThree_defaultAgainMergesBack() {
        Task app = spawn(Caps.NONE);
        long a = map(app, 4);
        int before = app.mm().mapCount();

        // mbind_range -> vma_modify_policy: split at both ends
        assertThat(app.mbind(a + PAGE, 2 * PAGE, MPOL_BIND, NODE1, 3, 0).ret()).isZero();
        assertThat(app.mm().mapCount()).isEqualTo(before + 2);
        // is_mergeable_vma: mpol_equal(NULL, NULL): the default policy merges the three again
        assertThat(app.mbind(a + PAGE, 2 * PAGE, MPOL_DEFAULT, null, 0, 0).ret()).isZero();
        assertThat(app.mm().mapCount()).isEqualTo(before);
        // mbind_range: an equal policy changes nothing
        assertThat(app.mbind(a, 4 * PAGE, MPOL_DEFAULT, null, 0, 0).ret()).isZero();
        assertThat(app.mm().mapCount()).isEqualTo(before);
    }

    @Test
    void mbind_mergeIntoNeighbour_keepsTheStickyGuardFlag() {
        Task app = spawn(Caps.NONE);
        long a = map(app, 4);
        assertThat(app.mbind(a, PAGE, MPOL_LOCAL, null, 0, 0).ret()).isZero(); // [a, a+1) split off
        assertThat(app.madvise(a + 2 * PAGE, PAGE, org.pinsim.core.uapi.Mman.MADV_GUARD_INSTALL).ret()).isZero();
        // vma_merge_existing_range: [a+1, a+3) joins [a, a+1); the sticky VM_MAYBE_GUARD of the
        // part that merged goes with it, since its guard marker now lies in the merged VMA
        assertThat(app.mbind(a, 3 * PAGE, MPOL_PREFERRED, NODE1, 3, 0).ret()).isZero();
        assertThat(app.mm().vmas().lookup(a).end()).isEqualTo(a + 3 * PAGE);
        k.checkInvariantsFull();
    }

    @Test
    void mbind_interleave_faultsAlternateByOffsetInVma() {
        Task app = spawn(Caps.NONE);
        long a = map(app, 4);
        assertThat(app.mbind(a, 4 * PAGE, MPOL_INTERLEAVE, BOTH, 3, 0).ret()).isZero();
        app.touch(a, 4 * PAGE, true);

        // get_vma_policy: ilx = vm_pgoff + offset; interleave_nid: the (ilx % 2)'th node.
        // An anonymous VMA's vm_pgoff is its address >> PAGE_SHIFT.
        long pgoff = a >>> 12;
        for (int i = 0; i < 4; i++) {
            assertThat(nid(app, a + i * PAGE)).isEqualTo((int) ((pgoff + i) % 2));
        }
    }

    @Test
    void mbind_strictWithoutMove_misplacedPage_eio_nothingChanged() {
        Task app = spawn(Caps.NONE);
        long a = map(app, 2);
        app.touch(a, 2 * PAGE, true);
        int before = app.mm().mapCount();

        // queue_folios_pte_range: strictly_unmovable -> -EIO; do_mbind skips mbind_range
        var r = app.mbind(a, PAGE, MPOL_BIND, NODE1, 3, MPOL_MF_STRICT);
        assertThat(r.ret()).isEqualTo(-Errno.EIO);
        assertThat(app.mm().mapCount()).isEqualTo(before);
        assertThat(policyAt(app, a)).isEqualTo(MPOL_DEFAULT);
        // pages already on the nodemask's node: no error
        assertThat(app.mbind(a, 2 * PAGE, MPOL_BIND, NODE0, 3, MPOL_MF_STRICT).ret()).isZero();
    }

    @Test
    void mbind_strictMove_pinnedPage_eio_pinnedStaysOthersMove() {
        Task app = spawn(1L << Caps.CAP_IPC_LOCK);
        long a = map(app, 2);
        app.touch(a, 2 * PAGE, true);
        int fd = (int) app.ioUringSetup(4).ret();
        assertThat(app.ioUringRegister(fd, IoUring.IORING_REGISTER_BUFFERS, new long[] {a, PAGE}, 1).ret()).isZero();
        int pinned = pfn(app, a);

        // try_to_migrate_one: a maybe-DMA-pinned anonymous page cannot be unmapped (-EAGAIN,
        // retried, then failed); do_mbind: nr_failed && MPOL_MF_STRICT -> -EIO. The policy is set.
        assertThat(app.mbind(a, 2 * PAGE, MPOL_BIND, NODE1, 3, MPOL_MF_MOVE | MPOL_MF_STRICT).ret())
                .isEqualTo(-Errno.EIO);
        k.settle();
        assertThat(pfn(app, a)).isEqualTo(pinned);
        assertThat(nid(app, a + PAGE)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_FAIL)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isEqualTo(1);
        assertThat(policyAt(app, a)).isEqualTo(MPOL_BIND);
        // without STRICT the same failure returns 0 (nr_failed is not an error)
        assertThat(app.mbind(a, 2 * PAGE, MPOL_BIND, NODE1, 3, MPOL_MF_MOVE).ret()).isZero();
        k.checkInvariantsFull();
    }

    @Test
    void mbind_sharedPageWithoutMoveAll_leftAlone_notAFailure() {
        Task app = spawn(Caps.ALL);
        long a = map(app, 1);
        app.touch(a, PAGE, true);
        app.fork(); // the page is now mapped twice (COW)

        // migrate_folio_add: a folio_maybe_mapped_shared folio is not queued, not counted failed
        assertThat(app.mbind(a, PAGE, MPOL_BIND, NODE1, 3, MPOL_MF_MOVE | MPOL_MF_STRICT).ret()).isZero();
        assertThat(nid(app, a)).isZero();
        // with MPOL_MF_MOVE_ALL (CAP_SYS_NICE) it moves, in both processes
        assertThat(app.mbind(a, PAGE, MPOL_BIND, NODE1, 3, MPOL_MF_MOVE_ALL).ret()).isZero();
        k.settle();
        assertThat(nid(app, a)).isEqualTo(1);
        k.checkInvariantsFull();
    }

    @Test
    void mbind_argumentErrors() {
        Task app = spawn(Caps.NONE);
        long a = map(app, 2);
        // do_mbind: MPOL_MF_MOVE_ALL without CAP_SYS_NICE
        assertThat(app.mbind(a, PAGE, MPOL_BIND, NODE0, 3, MPOL_MF_MOVE_ALL).ret()).isEqualTo(-Errno.EPERM);
        // do_mbind: flags & ~MPOL_MF_VALID (MPOL_MF_LAZY)
        assertThat(app.mbind(a, PAGE, MPOL_BIND, NODE0, 3, 8).ret()).isEqualTo(-Errno.EINVAL);
        // do_mbind: start & ~PAGE_MASK
        assertThat(app.mbind(a + 1, PAGE, MPOL_BIND, NODE0, 3, 0).ret()).isEqualTo(-Errno.EINVAL);
        // sanitize_mpol_flags: mode >= MPOL_MAX; STATIC with RELATIVE
        assertThat(app.mbind(a, PAGE, 7, NODE0, 3, 0).ret()).isEqualTo(-Errno.EINVAL);
        assertThat(app.mbind(a, PAGE, MPOL_BIND | MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES, NODE0, 3, 0).ret())
                .isEqualTo(-Errno.EINVAL);
        // mpol_new: BIND with no node; DEFAULT with a node; LOCAL with a node
        assertThat(app.mbind(a, PAGE, MPOL_BIND, null, 0, 0).ret()).isEqualTo(-Errno.EINVAL);
        assertThat(app.mbind(a, PAGE, MPOL_DEFAULT, NODE0, 3, 0).ret()).isEqualTo(-Errno.EINVAL);
        assertThat(app.mbind(a, PAGE, MPOL_LOCAL, NODE0, 3, 0).ret()).isEqualTo(-Errno.EINVAL);
        // mpol_set_nodemask -> mpol_new_nodemask: node 2 does not exist on this machine
        assertThat(app.mbind(a, PAGE, MPOL_BIND, new long[] {4}, 4, 0).ret()).isEqualTo(-Errno.EINVAL);
        // get_nodes: maxnode 1 reads no bit, so BIND sees an empty mask
        assertThat(app.mbind(a, PAGE, MPOL_BIND, NODE0, 1, 0).ret()).isEqualTo(-Errno.EINVAL);
        // get_nodes: maxnode - 1 > PAGE_SIZE * 8
        assertThat(app.mbind(a, PAGE, MPOL_BIND, NODE0, 32770, 0).ret()).isEqualTo(-Errno.EINVAL);
        // get_nodes: a bit above MAX_NUMNODES (1024) set
        long[] high = new long[17];
        high[0] = 1;
        high[16] = 1;
        assertThat(app.mbind(a, PAGE, MPOL_BIND, high, 1090, 0).ret()).isEqualTo(-Errno.EINVAL);
        high[16] = 0;
        assertThat(app.mbind(a, PAGE, MPOL_BIND, high, 1090, 0).ret()).isZero();
        // do_mbind: len 0, and a length that PAGE_ALIGN wraps to 0, succeed at once
        assertThat(app.mbind(a, 0, MPOL_BIND, NODE0, 3, 0).ret()).isZero();
        assertThat(app.mbind(a, -1L, MPOL_BIND, NODE0, 3, 0).ret()).isZero();
        // do_mbind: end < start
        assertThat(app.mbind(a, -a + PAGE, MPOL_BIND, NODE0, 3, 0).ret()).isEqualTo(-Errno.EINVAL);
        // queue_pages_test_walk: a hole at the tail; the whole range in a hole
        assertThat(app.mbind(a, 3 * PAGE, MPOL_BIND, NODE0, 3, 0).ret()).isEqualTo(-Errno.EFAULT);
        assertThat(app.mbind(a + 4 * PAGE, PAGE, MPOL_BIND, NODE0, 3, 0).ret()).isEqualTo(-Errno.EFAULT);
        // ... but MPOL_DEFAULT sets MPOL_MF_DISCONTIG_OK
        assertThat(app.mbind(a, 3 * PAGE, MPOL_DEFAULT, null, 0, 0).ret()).isZero();
        // mpol_relative_nodemask: node 2 folds onto node 0 of a two-node machine
        assertThat(app.mbind(a, PAGE, MPOL_BIND | MPOL_F_RELATIVE_NODES, new long[] {4}, 4, 0).ret()).isZero();
    }

    @Test
    void setMempolicy_preferredNode1_faultsThereAndGetMempolicyReportsIt() {
        Task app = spawn(Caps.NONE);
        assertThat(app.setMempolicy(MPOL_PREFERRED, NODE1, 3).ret()).isZero();
        long a = map(app, 2);
        app.touch(a, 2 * PAGE, true);
        // get_vma_policy falls back to the task policy; policy_nodemask: MPOL_PREFERRED overrides the node
        assertThat(nid(app, a)).isEqualTo(1);

        long[] pol = new long[1];
        long[] mask = new long[1];
        assertThat(app.getMempolicy(pol, mask, 64, 0, 0).ret()).isZero();
        assertThat(pol[0]).isEqualTo(MPOL_PREFERRED);
        assertThat(mask[0]).isEqualTo(2);
        // do_get_mempolicy(MPOL_F_ADDR): the VMA's policy, no fallback to the task's
        assertThat(app.getMempolicy(pol, null, 0, a, MPOL_F_ADDR).ret()).isZero();
        assertThat(pol[0]).isEqualTo(MPOL_DEFAULT);
        // MPOL_F_NODE | MPOL_F_ADDR: lookup_node, the node of the page
        assertThat(app.getMempolicy(pol, null, 0, a, MPOL_F_NODE | MPOL_F_ADDR).ret()).isZero();
        assertThat(pol[0]).isEqualTo(1);
        // kernel_get_mempolicy: maxnode < nr_node_ids
        assertThat(app.getMempolicy(pol, mask, 1, 0, 0).ret()).isEqualTo(-Errno.EINVAL);
        // a fork child inherits the task policy (copy_process: mpol_dup)
        int kid = (int) app.fork().ret();
        Task child = k.task(kid);
        assertThat(child.mempolicy().mode()).isEqualTo(MPOL_PREFERRED);
    }

    @Test
    void setMempolicy_staticNodes_getMempolicyReturnsTheUserNodemask() {
        Task app = spawn(Caps.NONE);
        // mpol_set_nodemask: w.user_nodemask keeps node 5, which the machine lacks
        assertThat(app.setMempolicy(MPOL_BIND | MPOL_F_STATIC_NODES, new long[] {0x21}, 64).ret()).isZero();
        long[] pol = new long[1];
        long[] mask = new long[1];
        assertThat(app.getMempolicy(pol, mask, 64, 0, 0).ret()).isZero();
        assertThat(pol[0]).isEqualTo(MPOL_BIND | MPOL_F_STATIC_NODES);
        assertThat(mask[0]).isEqualTo(0x21);
        // the policy's own nodes are node 0 only
        assertThat(app.mempolicy().nodes()).isEqualTo(1);
    }

    @Test
    void setMempolicy_interleave_pageCacheAndTablesTakeTurnsByIlPrev() {
        Task app = spawn(Caps.NONE);
        assertThat(app.setMempolicy(MPOL_INTERLEAVE, BOTH, 3).ret()).isZero();
        // do_set_mempolicy: il_prev = MAX_NUMNODES - 1, so the next node is node 0
        long[] pol = new long[1];
        assertThat(app.getMempolicy(pol, null, 0, 0, MPOL_F_NODE).ret()).isZero();
        assertThat(pol[0]).isZero();
    }
}
