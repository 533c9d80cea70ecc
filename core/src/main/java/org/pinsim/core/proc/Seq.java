package org.pinsim.core.proc;

/**
 * The few fs/seq_file.c primitives /proc uses, on a StringBuilder: padded decimals and
 * hex without {@link java.util.Formatter}, so that no locale can change a digit.
 */
final class Seq {
    /** fs/proc/task_mmu.c show_vma_header_prefix: seq_setwidth(m, 25 + sizeof(void *) * 6 - 1). */
    static final int MAPS_NAME_COLUMN = 25 + 8 * 6 - 1;

    private Seq() {
    }

    /** seq_put_decimal_ull_width(m, prefix, v, width): the prefix, then v right-aligned in width. */
    static StringBuilder putDecimal(StringBuilder sb, String prefix, long v, int width) {
        sb.append(prefix);
        return padLeft(sb, Long.toUnsignedString(v), width, ' ');
    }

    /** seq_put_hex_ll(m, prefix, v, width): lowercase hex, zero-padded to at least width digits. */
    static StringBuilder putHex(StringBuilder sb, String prefix, long v, int width) {
        if (prefix != null) {
            sb.append(prefix);
        }
        return padLeft(sb, Long.toHexString(v), width, '0');
    }

    /**
     * seq_pad(m, ' ') after seq_setwidth: spaces up to {@code column} characters since
     * {@code lineStart}, then one space (always).
     */
    static StringBuilder pad(StringBuilder sb, int lineStart, int column) {
        for (int n = sb.length() - lineStart; n < column; n++) {
            sb.append(' ');
        }
        return sb.append(' ');
    }

    static StringBuilder padLeft(StringBuilder sb, String s, int width, char fill) {
        for (int i = s.length(); i < width; i++) {
            sb.append(fill);
        }
        return sb.append(s);
    }
}
