package org.pinsim.scenario;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean": the nearest known name by edit distance, if it is near enough. */
final class Suggest {

    private Suggest() {
    }

    /**
     * The candidate nearest to {@code word} (case-insensitive edit distance at most 2,
     * and less than half the word's length), ties broken alphabetically; null if none is near.
     */
    static String closest(String word, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String w = word.toLowerCase(Locale.ROOT);
        for (String c : candidates) {
            int d = distance(w, c.toLowerCase(Locale.ROOT));
            boolean better = d < bestDistance || (d == bestDistance && best != null && c.compareTo(best) < 0);
            if (better) {
                best = c;
                bestDistance = d;
            }
        }
        int limit = Math.min(2, Math.max(0, (word.length() - 1) / 2));
        return bestDistance <= limit ? best : null;
    }

    /** " (did you mean X?)" or the empty string. */
    static String didYouMean(String word, Collection<String> candidates) {
        String c = closest(word, candidates);
        return c == null || c.equals(word) ? "" : " (did you mean " + c + "?)";
    }

    /** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
