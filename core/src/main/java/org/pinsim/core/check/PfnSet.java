package org.pinsim.core.check;

import java.util.Arrays;

/**
 * A set of pfns sized by what it holds, not by the highest pfn: open addressing over an int
 * array. The page-table frames of the live mms are a few dozen, often at high pfns on a large
 * machine, where a {@link java.util.BitSet} would grow to one bit per frame below them (512 KiB
 * on the default 16 GiB machine) on every check.
 */
final class PfnSet {
    private static final int EMPTY = -1;
    private int[] slots = new int[64];
    private int size;

    PfnSet() {
        Arrays.fill(slots, EMPTY);
    }

    /** Adds {@code pfn} (non-negative); false when it was already there. */
    boolean add(int pfn) {
        if (2 * (size + 1) > slots.length) {
            grow();
        }
        int mask = slots.length - 1;
        for (int i = mix(pfn) & mask;; i = (i + 1) & mask) {
            int s = slots[i];
            if (s == EMPTY) {
                slots[i] = pfn;
                size++;
                return true;
            }
            if (s == pfn) {
                return false;
            }
        }
    }

    boolean contains(int pfn) {
        int mask = slots.length - 1;
        for (int i = mix(pfn) & mask;; i = (i + 1) & mask) {
            int s = slots[i];
            if (s == EMPTY) {
                return false;
            }
            if (s == pfn) {
                return true;
            }
        }
    }

    int size() {
        return size;
    }

    private void grow() {
        int[] old = slots;
        slots = new int[old.length * 2];
        Arrays.fill(slots, EMPTY);
        size = 0;
        for (int s : old) {
            if (s != EMPTY) {
                add(s);
            }
        }
    }

    private static int mix(int pfn) {
        return pfn * 0x9E3779B9 >>> 7 ^ pfn;
    }
}
