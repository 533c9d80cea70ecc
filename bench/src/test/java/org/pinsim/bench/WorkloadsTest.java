package org.pinsim.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;

class WorkloadsTest {

    /** Small machine and region: the chains are about state, not speed. */
    private static Workloads small() {
        return new Workloads(Kernel.boot(MachineConfig.defaults().withMemory(64L << 20)), 16 * Workloads.PAGE_SIZE);
    }

    @Test
    void chains_recordEveryModelledOpOfTheirRegion_inKbenchOrder_andLeaveNoRegion() {
        Workloads w = small();
        List<Op> seen = new ArrayList<>();
        for (Op.Region r : Op.Region.values()) {
            w.run(r, (op, ns) -> {
                assertThat(ns).isNotNegative();
                seen.add(op);
            });
            assertThat(w.region()).isEqualTo(Workloads.NO_REGION);
        }
        List<Op> modelled = new ArrayList<>();
        for (Op op : Op.values()) {
            if (op.modelled()) {
                modelled.add(op);
            }
        }
        assertThat(seen).containsExactlyElementsOf(modelled);
    }

    @Test
    void chains_releaseEveryFrameOfTheRegion() {
        Workloads w = small();
        for (Op.Region r : Op.Region.values()) {
            w.run(r, (op, ns) -> { }); // the first pass leaves the process image in the page cache
        }
        long free = w.kernel().mem().freePagesCount() + w.kernel().mem().pcpPagesCount(); // buddy + pcp lists
        for (Op.Region r : Op.Region.values()) {
            w.run(r, (op, ns) -> { });
        }
        assertThat(w.kernel().mem().freePagesCount() + w.kernel().mem().pcpPagesCount()).isEqualTo(free);
    }

    @Test
    void mlockPopulated_locksEveryPage() {
        Workloads w = small();
        w.faultInMmapTouch();
        w.mlockPopulated();
        assertThat(w.task().mm().lockedVm()).isGreaterThanOrEqualTo(w.pages());
        w.munlockPopulated();
        w.unmapRegion();
    }

    @Test
    void op_withoutItsState_failsLoudly() {
        Workloads w = small();
        assertThatThrownBy(w::mlockPopulated).hasMessageContaining("no test region");
        w.mapRegion();
        assertThatThrownBy(w::faultInMmapTouch).hasMessageContaining("still mapped");
    }

    @Test
    void failedSyscall_throwsWithErrnoAndReason() {
        // A region larger than the machine: the overcommit check refuses the mmap.
        Workloads w = new Workloads(Kernel.boot(MachineConfig.defaults().withMemory(16L << 20)), 32L << 20);
        assertThatThrownBy(w::mapRegion).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("mmap failed").hasMessageContaining("ENOMEM");
        assertThat(w.region()).isEqualTo(Workloads.NO_REGION);
    }
}
