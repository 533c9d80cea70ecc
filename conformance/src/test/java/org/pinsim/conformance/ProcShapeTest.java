package org.pinsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.pinsim.core.mem.FragViews;
import org.pinsim.core.mem.PhysMem;

/**
 * The shape of pinsim's /proc/buddyinfo, /proc/pagetypeinfo and /proc/zoneinfo against
 * the reference box's files, committed under src/test/resources/procfs/ with the command
 * that captured them on their first line. The values differ (a live box has history and
 * other sizes); the printf formats of mm/vmstat.c, the row and column order and the names
 * must not. The box's kernel lacks CONFIG_CMA, so its pagetypeinfo has no "CMA" type,
 * which the model's kernel (CONFIG_CMA=y, as distribution kernels) prints; and its
 * zoneinfo shows ZONE_DEVICE, which the model does not have.
 */
class ProcShapeTest {

    private static final Path DIR = Paths.get("src/test/resources/procfs");

    /** A 16 GiB machine of two CPUs, as the box has: DMA, DMA32 and Normal on node 0. */
    private static final PhysMem MEM = new PhysMem(16L << 30, 1, 2, 0, 0, 0);

    private static List<String> sample(String name) throws IOException {
        List<String> lines = Files.readAllLines(DIR.resolve(name + ".txt"));
        assertThat(lines.get(0)).startsWith("# captured with: cat /proc/" + name);
        return lines.subList(1, lines.size());
    }

    /** printf "%Nlu": a number right-aligned in N columns (wider if it needs more). */
    private static String num(int width) {
        List<String> alts = new ArrayList<>();
        for (int digits = 1; digits < width; digits++) {
            alts.add(" ".repeat(width - digits) + "\\d{" + digits + "}");
        }
        alts.add("\\d{" + width + ",}");
        return "(?:" + String.join("|", alts) + ")";
    }

    /** printf "%Ns" of a word. */
    private static String word(int width) {
        return " *[A-Za-z0-9]+";
    }

    @Test
    void buddyinfo_sameFormatAndZonesAsTheBox() throws IOException {
        // mm/vmstat.c frag_show_print: "Node %d, zone %8s " then "%6lu " per order, '\n'
        Pattern row = Pattern.compile("Node \\d+, zone " + word(8) + " (" + num(6) + " ){11}");
        List<String> box = sample("buddyinfo");
        List<String> ours = List.of(MEM.buddyinfo().split("\n"));

        assertThat(box).allMatch(l -> row.matcher(l).matches());
        assertThat(ours).allMatch(l -> row.matcher(l).matches());
        assertThat(ours.stream().map(l -> l.substring(0, 21)).collect(Collectors.toList()))
                .isEqualTo(box.stream().map(l -> l.substring(0, 21)).collect(Collectors.toList()));
    }

    @Test
    void pagetypeinfo_sameFormatAsTheBox_plusTheCmaType() throws IOException {
        List<String> box = sample("pagetypeinfo");
        List<String> ours = List.of(new FragViews(MEM).pagetypeinfo().split("\n", -1));

        // pagetypeinfo_show: the two header lines and a blank line
        assertThat(ours.subList(0, 3)).isEqualTo(box.subList(0, 3));
        // pagetypeinfo_showfree: "%-43s " then "%6d " per order
        assertThat(ours.get(3)).isEqualTo(box.get(3));
        Pattern free = Pattern.compile("Node " + num(4) + ", zone " + word(8) + ", type " + word(12)
                + " (>?" + num(6) + " ){11}");
        List<String> boxFree = rowsAfter(box, 4, "Node ");
        List<String> ourFree = rowsAfter(ours, 4, "Node ");
        assertThat(boxFree).allMatch(l -> free.matcher(l).matches());
        assertThat(ourFree).allMatch(l -> free.matcher(l).matches());
        assertThat(withoutCma(ourFree).stream().map(l -> l.substring(0, 43)).collect(Collectors.toList()))
                .isEqualTo(boxFree.stream().map(l -> l.substring(0, 43)).collect(Collectors.toList()));
        // pagetypeinfo_showblockcount: "\n%-23s" then "%12s " per type; rows "%12lu "
        int boxHdr = 4 + boxFree.size() + 1;
        int ourHdr = 4 + ourFree.size() + 1;
        assertThat(box.get(boxHdr - 1)).isEmpty();
        assertThat(ours.get(ourHdr - 1)).isEmpty();
        assertThat(ours.get(ourHdr).replace("         CMA ", "")).isEqualTo(box.get(boxHdr));
        Pattern count = Pattern.compile("Node \\d+, zone " + word(8) + " (" + num(12) + " ){5,6}");
        List<String> boxCount = rowsAfter(box, boxHdr + 1, "Node ");
        List<String> ourCount = rowsAfter(ours, ourHdr + 1, "Node ");
        assertThat(boxCount).hasSize(3).allMatch(l -> count.matcher(l).matches());
        assertThat(ourCount).hasSize(3).allMatch(l -> count.matcher(l).matches());
    }

    @Test
    void zoneinfo_everyLinePinsimPrintsIsALineShapeTheBoxPrints() throws IOException {
        // zoneinfo_show_print prints "%lu" unpadded: a line's shape is its text with digits generalised
        List<String> shapes = sample("zoneinfo").stream().map(ProcShapeTest::shape).distinct().collect(Collectors.toList());
        List<String> ours = List.of(new FragViews(MEM).zoneinfo().split("\n"));

        for (String l : ours) {
            assertThat(shapes).as("a line pinsim prints: '" + l + "'").contains(shape(l));
        }
        assertThat(ours).contains("        min      16", "  pagesets", "              high_min: 10");
    }

    private static String shape(String line) {
        return line.replaceAll("-?\\d+", "N");
    }

    private static List<String> rowsAfter(List<String> lines, int from, String prefix) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < lines.size() && lines.get(i).startsWith(prefix); i++) {
            out.add(lines.get(i));
        }
        return out;
    }

    private static List<String> withoutCma(List<String> rows) {
        return rows.stream().filter(l -> !l.contains(", type          CMA ")).collect(Collectors.toList());
    }
}
