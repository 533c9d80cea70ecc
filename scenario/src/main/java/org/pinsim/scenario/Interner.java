package org.pinsim.scenario;

/**
 * One copy of each short word of a file: the names and numbers the lexer reads from a log are
 * the same few hundred over and over (a call's name, a flag, the address a stressor maps at
 * every round), and the parsed statements keep them. Looked up by the characters of the
 * line, so that a word seen before costs no new string. Bounded: past {@link #MAX} distinct
 * words (or for longer words) it hands out fresh strings, as {@code substring} would.
 */
final class Interner {
    static final int MAX = 1 << 16;
    private static final int MAX_LENGTH = 128;
    private String[] table = new String[1024];
    private int size;

    /** {@code text.substring(s, e)}, or the equal string handed out before. */
    String intern(String text, int s, int e) {
        int n = e - s;
        if (n > MAX_LENGTH || n == 0) {
            return text.substring(s, e);
        }
        int h = 0;
        for (int i = s; i < e; i++) {
            h = 31 * h + text.charAt(i);
        }
        int mask = table.length - 1;
        int i = (h ^ (h >>> 16)) & mask;
        while (true) {
            String t = table[i];
            if (t == null) {
                String w = text.substring(s, e);
                if (size < MAX) {
                    table[i] = w;
                    if (++size * 2 > table.length) {
                        grow();
                    }
                }
                return w;
            }
            if (t.length() == n && text.regionMatches(s, t, 0, n)) {
                return t;
            }
            i = (i + 1) & mask;
        }
    }

    private void grow() {
        String[] old = table;
        table = new String[old.length * 2];
        int mask = table.length - 1;
        for (String t : old) {
            if (t != null) {
                int h = t.hashCode();
                int i = (h ^ (h >>> 16)) & mask;
                while (table[i] != null) {
                    i = (i + 1) & mask;
                }
                table[i] = t;
            }
        }
    }
}
