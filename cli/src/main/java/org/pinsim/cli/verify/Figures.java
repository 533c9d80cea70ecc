package org.pinsim.cli.verify;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.pinsim.cli.verify.Executor.Vma;

/**
 * A process's whole-process figures, each as a raw /proc value and as its "scenario part":
 * what lies outside the process's image, the VMAs it had before the scenario's first
 * statement (for a forked child, those of the process it descends from). The executor's own
 * image is not pinsim's {@code layout=default} (nor {@code layout=empty}), so only the
 * scenario parts are comparable; they are the changes since the first statement, with the
 * image's own changes (mlockall(MCL_CURRENT) locking it, say) left out on both sides.
 *
 * <p>Sizes in bytes. {@code status} holds the raw /proc/PID/status lines in kB.
 */
public record Figures(long vmSize, long vmLck, long vmRss, long vmPin, int maps, long smapsLocked,
                      long rawVmSize, long rawVmLck, int rawMaps, long rawSmapsLocked, long imageRss,
                      Map<String, Long> status) {

    /** Resident bytes of address ranges {start, length}, as the world that owns them counts them. */
    @FunctionalInterface
    public interface RssReader {
        long rss(List<long[]> ranges) throws IOException;
    }

    /** The five figures compared after every call, with the names verify prints. */
    static final List<String> COMPARED = List.of("VmSize", "VmLck", "VmRSS", "VmPin", "maps");

    long part(String name) {
        return switch (name) {
            case "VmSize" -> vmSize;
            case "VmLck" -> vmLck;
            case "VmRSS" -> vmRss;
            case "VmPin" -> vmPin;
            case "maps" -> maps;
            case "smaps.Locked" -> smapsLocked;
            default -> throw new IllegalArgumentException(name);
        };
    }

    long raw(String name) {
        return switch (name) {
            case "VmSize" -> rawVmSize;
            case "VmLck" -> rawVmLck;
            case "maps" -> rawMaps;
            case "smaps.Locked" -> rawSmapsLocked;
            case "VmRSS" -> vmRss + imageRss;
            case "VmPin" -> status.getOrDefault(name, 0L) * 1024;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The image: the VMAs' ranges, sorted, as {start, end}. */
    static List<long[]> image(List<Vma> vmas) {
        List<long[]> out = new ArrayList<>();
        for (Vma v : vmas) {
            out.add(new long[] {v.start(), v.end()});
        }
        out.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
        return List.copyOf(out);
    }

    /** The parts of [s, e) outside the image, as {start, end}. */
    static List<long[]> outside(long s, long e, List<long[]> image) {
        List<long[]> out = new ArrayList<>();
        long cur = s;
        for (long[] r : image) {
            if (Long.compareUnsigned(r[1], cur) <= 0) {
                continue;
            }
            if (Long.compareUnsigned(r[0], e) >= 0) {
                break;
            }
            if (Long.compareUnsigned(r[0], cur) > 0) {
                out.add(new long[] {cur, r[0]});
            }
            cur = Long.compareUnsigned(r[1], cur) > 0 ? r[1] : cur;
            if (Long.compareUnsigned(cur, e) >= 0) {
                break;
            }
        }
        if (Long.compareUnsigned(cur, e) < 0) {
            out.add(new long[] {cur, e});
        }
        return out;
    }

    /**
     * The figures of a process: VmSize and VmLck from /proc/PID/status (total_vm and locked_vm),
     * VmRSS and smaps.Locked from smaps; the parts are the raw values minus what lies inside the
     * image (by the VMAs' flags and pages).
     */
    static Figures of(List<Vma> vmas, List<long[]> image, Map<String, Long> status, RssReader rss) throws IOException {
        long imgSize = 0;
        long imgLck = 0;
        long imgRss = 0;
        long imgSm = 0;
        long rawSm = 0;
        long rawRss = 0;
        int maps = 0;
        for (Vma v : vmas) {
            rawSm += v.lockedKb() * 1024;
            rawRss += v.rssKb() * 1024;
            if (v.start() < 0) {
                continue; // the [vsyscall] gate VMA: a maps line, not part of total_vm
            }
            List<long[]> out = outside(v.start(), v.end(), image);
            long outLen = 0;
            for (long[] r : out) {
                outLen += r[1] - r[0];
            }
            long in = v.length() - outLen;
            if (!out.isEmpty()) {
                maps++;
            }
            if (in == 0) {
                continue;
            }
            imgSize += in;
            if (v.locked()) {
                imgLck += in;
            }
            if (out.isEmpty()) {
                imgRss += v.rssKb() * 1024;
                imgSm += v.lockedKb() * 1024;
            } else {
                // partly image (a heap grown by brk): count the image's pages
                List<long[]> inside = inside(v.start(), v.end(), image);
                long r = rss.rss(inside);
                imgRss += r;
                if (v.locked()) {
                    imgSm += r;
                }
            }
        }
        long rawSize = status.getOrDefault("VmSize", 0L) * 1024;
        long rawLck = status.getOrDefault("VmLck", 0L) * 1024;
        // VmRSS as the sum of smaps Rss (present pages, as the page tables say): the status line
        // reads per-cpu batched counters, which lag for a live process (a fresh fork child, say)
        int rawMaps = status.containsKey("maps") ? status.get("maps").intValue() : vmas.size();
        return new Figures(rawSize - imgSize, rawLck - imgLck, rawRss - imgRss, status.getOrDefault("VmPin", 0L) * 1024,
                maps, rawSm - imgSm, rawSize, rawLck, rawMaps, rawSm, imgRss, Map.copyOf(status));
    }

    /** The parts of [s, e) inside the image, as {start, length}. */
    static List<long[]> inside(long s, long e, List<long[]> image) {
        List<long[]> out = new ArrayList<>();
        for (long[] r : image) {
            long a = Long.compareUnsigned(r[0], s) > 0 ? r[0] : s;
            long b = Long.compareUnsigned(r[1], e) < 0 ? r[1] : e;
            if (Long.compareUnsigned(a, b) < 0) {
                out.add(new long[] {a, b - a});
            }
        }
        return out;
    }

    /** Parses Linux /proc/PID/smaps text (what pinsim's ProcFs prints, byte for byte). */
    static List<Vma> parseSmaps(String text) {
        List<Vma> out = new ArrayList<>();
        long s = 0;
        long e = 0;
        long rss = 0;
        long locked = 0;
        long shared = 0;
        long anonHuge = 0;
        long lazyFree = 0;
        List<String> flags = List.of();
        boolean have = false;
        for (String line : text.split("\n")) {
            int sp = line.indexOf(' ');
            int dash = line.indexOf('-');
            if (dash > 0 && sp > dash && isHex(line.substring(0, dash))) {
                if (have) {
                    out.add(new Vma(s, e, rss, locked, flags, shared, anonHuge, lazyFree));
                }
                s = Long.parseUnsignedLong(line.substring(0, dash), 16);
                e = Long.parseUnsignedLong(line.substring(dash + 1, sp), 16);
                rss = 0;
                locked = 0;
                shared = 0;
                anonHuge = 0;
                lazyFree = 0;
                flags = List.of();
                have = true;
            } else if (line.startsWith("Rss:")) {
                rss = kb(line);
            } else if (line.startsWith("Locked:")) {
                locked = kb(line);
            } else if (line.startsWith("Shared_Clean:") || line.startsWith("Shared_Dirty:")) {
                shared += kb(line);
            } else if (line.startsWith("AnonHugePages:")) {
                anonHuge = kb(line);
            } else if (line.startsWith("LazyFree:")) {
                lazyFree = kb(line);
            } else if (line.startsWith("VmFlags:")) {
                String f = line.substring(8).trim();
                flags = f.isEmpty() ? List.of() : Arrays.asList(f.split("\\s+"));
            }
        }
        if (have) {
            out.add(new Vma(s, e, rss, locked, flags, shared, anonHuge, lazyFree));
        }
        return out;
    }

    private static boolean isHex(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (char c : s.toCharArray()) {
            if (Character.digit(c, 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static long kb(String line) {
        String[] f = line.split("\\s+");
        return Long.parseLong(f[1]);
    }
}
