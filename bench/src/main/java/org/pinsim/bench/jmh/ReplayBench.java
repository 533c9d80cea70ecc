package org.pinsim.bench.jmh;

import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.pinsim.scenario.Report;
import org.pinsim.scenario.RunOptions;
import org.pinsim.scenario.Scenario;
import org.pinsim.scenario.ScenarioRunner;
import org.pinsim.scenario.Transcript;

/**
 * The strace replay end to end inside one JVM, as {@code ./pinsim run LOG --as 'uid=0
 * caps=all,-sys_resource'} does it after start-up: decode and parse the log (its SHA-256
 * included), validate it, boot the default 16 GiB machine, replay every call, and write the
 * transcript through a UTF-8 encoder (to a discarding stream). The log is {@link
 * StressMmapLog}'s {@value #LINES} lines, shaped like {@code strace -f stress-ng --mmap}.
 * The score is in lines per second ({@link OperationsPerInvocation}: one operation is one
 * line). {@code invariants}: the model's invariant checks after each call, as {@code run}
 * does by default (true) or with {@code -Dpinsim.invariants=false}.
 * <pre>
 * mvn -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar ReplayBench -f 1
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
@OperationsPerInvocation(ReplayBench.LINES)
public class ReplayBench {

    static final int LINES = 100_000;
    static final String AS = "uid=0 caps=all,-sys_resource";

    @State(Scope.Benchmark)
    public static class Log {
        @Param({"true", "false"})
        public String invariants;
        byte[] bytes;
        RunOptions options;

        @Setup(Level.Trial)
        public void generate() {
            System.setProperty("pinsim.invariants", invariants);
            bytes = StressMmapLog.generate(LINES);
            options = RunOptions.defaults().withAs(AS);
            Report r = ScenarioRunner.run(ScenarioRunner.parse("stress-mmap.strace", bytes), options);
            // the benchmark measures a replay that runs: every call the model knows matches the log
            if (r.summary().mismatched() != 0 || r.summary().matched() < LINES * 8 / 10) {
                throw new IllegalStateException("the generated log does not replay cleanly: " + r.summary());
            }
        }
    }

    /** Parse, validate, boot, replay, transcript; returns the transcript's size in bytes. */
    @Benchmark
    public long replay(Log log) {
        return replay(log.bytes, log.options);
    }

    static long replay(byte[] bytes, RunOptions options) {
        Scenario s = ScenarioRunner.parse("stress-mmap.strace", bytes);
        Report r = ScenarioRunner.run(s, options);
        Counting sink = new Counting();
        PrintWriter out = new PrintWriter(new OutputStreamWriter(sink, StandardCharsets.UTF_8));
        Transcript.write(r, out, false);
        return sink.n;
    }

    /** A stream that only counts, so that the transcript is encoded but not stored. */
    static final class Counting extends OutputStream {
        long n;

        @Override
        public void write(int b) {
            n++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            n += len;
        }
    }
}
