package org.pinsim.core.migrate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.pinsim.core.prop.PropConfig;
import org.pinsim.core.prop.PropertyRunner;
import org.pinsim.core.prop.sys.SyscallProperty;

/**
 * Random syscall sequences on two-node machines with move_pages and mbind (MPOL_MF_MOVE,
 * MOVE_ALL, STRICT; BIND, PREFERRED, INTERLEAVE, LOCAL, DEFAULT) among mmap, mlock, fork,
 * io_uring registrations, compact() (a full compaction, mm/compaction.c compact_nodes) and
 * the rest, with every invariant checked after every step and the
 * migration invariants besides (org.pinsim.core.prop.sys.MigrationCheck): a pinned page is
 * never migrated, a migration keeps each page's content and every mapping of it, its
 * mapcount and its mlock, leaves no migration entry behind, and pgmigrate_success counts the
 * pages that moved. 24 tries x 300 steps by default; a long run:
 * {@code mvn -o -B test -pl core -Dtest=NumaSyscallsPropertyTest -Dpinsim.tries=2000 -Dpinsim.steps=1000}.
 */
class NumaSyscallsPropertyTest {

    @Test
    void randomSyscallsOnTwoNodes_keepTheMigrationInvariants(TestInfo info) {
        PropertyRunner.check(PropConfig.of(info, 24, 300), SyscallProperty.numa());
    }
}
