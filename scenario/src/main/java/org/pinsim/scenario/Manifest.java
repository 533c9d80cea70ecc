package org.pinsim.scenario;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.pinsim.core.MachineConfig;

/**
 * What a run was, carried by every {@code --json} document (docs/JSON.md): the pinsim
 * version, the profile, the resolved machine (every {@link MachineConfig} component), the
 * sysctls as the run started (after the file's {@code sysctl} directives), the seed, and the
 * SHA-256 of the input's text. Two documents with equal manifests come from the same run.
 */
public record Manifest(String profile, MachineConfig machine, SortedMap<String, Long> sysctls, long seed,
                       String sha256) {

    /** The version every command prints ({@code --version}) and every manifest carries. */
    public static final String VERSION = "pinsim 0.1.0";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public Manifest {
        sysctls = sysctls == null ? null : new TreeMap<>(sysctls);
    }

    /** The SHA-256 of {@code text} as UTF-8, in lower-case hex. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The manifest as JSON, fields in a fixed order; a piece the command does not have is null. */
    public ObjectNode json() {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("version", VERSION);
        n.put("profile", profile);
        if (machine == null) {
            n.putNull("machine");
        } else {
            n.set("machine", machine(machine));
        }
        if (sysctls == null) {
            n.putNull("sysctls");
        } else {
            ObjectNode s = n.putObject("sysctls");
            sysctls.forEach(s::put);
        }
        n.put("seed", seed);
        n.put("sha256", sha256);
        return n;
    }

    /** Every component of a machine, by its record name (a new component appears without a change here). */
    static ObjectNode machine(MachineConfig m) {
        ObjectNode n = MAPPER.createObjectNode();
        for (var c : MachineConfig.class.getRecordComponents()) {
            Object v;
            try {
                v = c.getAccessor().invoke(m);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (v instanceof Number num) {
                n.put(c.getName(), num.longValue());
            } else if (v instanceof Boolean b) {
                n.put(c.getName(), b);
            } else if (v instanceof org.pinsim.core.Profile p) {
                n.put(c.getName(), p.id());
            } else {
                n.put(c.getName(), v == null ? null : v.toString());
            }
        }
        return n;
    }

    /** A manifest of a command with no input file (bench, experiment). */
    public static Manifest of(String profile, MachineConfig machine, Map<String, Long> sysctls, long seed) {
        return new Manifest(profile, machine, sysctls == null ? null : new TreeMap<>(sysctls), seed, null);
    }
}
