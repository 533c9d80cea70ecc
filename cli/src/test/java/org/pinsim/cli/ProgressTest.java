package org.pinsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The progress bar is drawn only on a terminal: a long input run with stderr not a terminal prints nothing there. */
class ProgressTest {

    @Test
    void longInput_stderrNotATerminal_noProgressBar(@TempDir Path dir) throws Exception {
        assertThat(Progress.stderrIsATerminal()).as("surefire's stderr is not a terminal").isFalse();
        StringBuilder b = new StringBuilder("process app layout=empty\n");
        for (int i = 0; i < Progress.THRESHOLD + 10; i++) {
            b.append("# line ").append(i).append('\n');
        }
        b.append("mmap(NULL, 4KiB, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n");
        Path f = dir.resolve("long.pin");
        Files.writeString(f, b);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out), new PrintWriter(err), "run", f.toString());
        assertThat(code).isZero();
        assertThat(err.toString()).isEmpty();
        assertThat(out.toString()).contains("1 calls");
    }
}
