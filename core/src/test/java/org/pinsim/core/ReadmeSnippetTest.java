package org.pinsim.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The README's Java API section compiles as written: its ```java block is taken from
 * README.md itself, compiled with javax.tools against the core's classes (nothing added: the
 * imports are the README's), and run; its comments' values are what it prints.
 */
class ReadmeSnippetTest {

    @Test
    void readmeJavaSnippet_compilesAndRunsAsWritten() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        int section = readme.indexOf("## The Java API");
        assertThat(section).isPositive();
        int open = readme.indexOf("```java\n", section);
        int close = readme.indexOf("```", open + 8);
        assertThat(open).as("a ```java block in the Java API section").isPositive();
        String source = readme.substring(open + 8, close);
        assertThat(source).contains("public class Example", "import org.pinsim.core.Kernel;");

        Path dir = Files.createTempDirectory("pinsim-readme");
        Files.writeString(dir.resolve("Example.java"), source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        String classpath = Path.of("target/classes").toAbsolutePath().toString();
        boolean ok = javac.getTask(diagnostics, null, null, List.of("-d", dir.toString(), "-classpath", classpath,
                "-proc:none"), null, javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)
                .getJavaFileObjects(dir.resolve("Example.java").toFile())).call();
        assertThat(ok).as("javac: %s", diagnostics).isTrue();

        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (URLClassLoader cl = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            cl.loadClass("Example").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(saved);
        }
        List<String> out = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(out.get(0)).isEqualTo("ENOMEM");
        assertThat(out.get(1)).isEqualTo("mlock: 32 pages - 0 already locked + locked_vm 0 > RLIMIT_MEMLOCK 16 pages");
        assertThat(out.get(2)).contains("mm/mlock.c: do_mlock");
        assertThat(out.get(3)).isEqualTo("64");
        assertThat(String.join("\n", out)).contains("VmFlags: rd wr mr mw me lo lf ac");
    }
}
