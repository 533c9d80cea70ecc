package org.pinsim.core.mm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.pinsim.core.prop.PropConfig;
import org.pinsim.core.prop.PropertyRunner;
import org.pinsim.core.prop.sys.SyscallProperty;

/**
 * Random syscall sequences over several processes on small machines, with every invariant
 * of DESIGN.md checked after every step: 100 tries x 1000 syscalls = 100,000 syscalls, on
 * machines of every profile. mmap (anonymous, shared, locked, populated, fixed; of files,
 * io_uring rings and perf events), munmap, mprotect, mlock, mlock2, munlock, mlockall,
 * munlockall, madvise, mremap, brk, fork, exit, touch, setrlimit, io_uring
 * setup/register/unregister/close, perf_event_open/close (org.pinsim.core.prop.sys).
 *
 * <p>A failure prints its seed, the command line that replays it, and the sequence shrunk
 * to a .pin scenario (also in target/property-failures/). A long run:
 * {@code mvn -o -B test -pl core -Dtest=RandomSyscallsPropertyTest -Dpinsim.tries=10000 -Dpinsim.steps=1000}.
 */
class RandomSyscallsPropertyTest {

    @Test
    void randomSyscalls_keepEveryInvariant(TestInfo info) {
        PropertyRunner.check(PropConfig.of(info, 100, 1000), new SyscallProperty());
    }
}
