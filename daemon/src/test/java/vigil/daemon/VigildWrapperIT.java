package vigil.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/vigild} wrapper: the JVM it starts maps the class data sharing archive dumped from the class
 * list (docs/operations.md, "Memory and CPU"), stamped so that a later start reuses it, and VIGILD_JAVA_OPTS come last.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VigildWrapperIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path WRAPPER = ROOT.resolve("bin/vigild");
    private static final Path TARGET = ROOT.resolve("daemon/target");

    @TempDir
    Path dir;

    record Result(int code, String output) {
    }

    private static Result vigild(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(WRAPPER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/vigild did not exit within 60 s: " + out);
        }
        return new Result(p.exitValue(), out);
    }

    private Path config() throws IOException {
        Path key = dir.resolve("key");
        Files.writeString(key, java.util.Base64.getEncoder().encodeToString(new byte[32]) + "\n");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path cfg = dir.resolve("vigil.yml");
        Files.writeString(cfg, String.join("\n", "cluster:", "  name: wrapper", "  nodes:", "    - name: t1",
                "      address: 127.0.0.1", "      port: 27999", "  security:", "    key_file: " + key, "node:",
                "  name: t1", "  state_dir: " + dir.resolve("state"), "  bind_address: 127.0.0.1", "  admin:",
                "    socket: " + dir.resolve("admin.sock"), "  watchdog:", "    mode: off", ""));
        return cfg;
    }

    @Test
    void theJvmMapsTheArchiveDumpedFromTheClassListAndAStampedArchiveIsReused() throws Exception {
        Path cfg = config();
        Result first = vigild(Map.of("VIGILD_JAVA_OPTS", "-Xlog:cds=info"), "--check-config", "--config", cfg.toString());
        assertEquals(0, first.code(), first.output());
        Path jsa = TARGET.resolve("vigild.jsa");
        assertTrue(Files.size(jsa) > 1_000_000, "an archive was dumped: " + first.output());
        assertTrue(first.output().contains("Opened archive " + jsa), first.output());
        assertFalse(first.output().contains("Unable to map"), "the JVM took it: " + first.output());
        assertTrue(first.output().contains("configuration OK"), first.output());
        assertTrue(Files.readString(TARGET.resolve("vigild.jsa.stamp")).lines().anyMatch(l -> l.contains("vigil-daemon-")),
                "the stamp names the jar");

        long dumpedAt = Files.getLastModifiedTime(jsa).toMillis();
        Result again = vigild(Map.of("VIGILD_JAVA_OPTS", "-Xlog:cds=info"), "--check-config", "--config", cfg.toString());
        assertEquals(0, again.code(), again.output());
        assertTrue(again.output().contains("Opened archive " + jsa), again.output());
        assertEquals(dumpedAt, Files.getLastModifiedTime(jsa).toMillis(), "not dumped again");
    }

    @Test
    void vigildJavaOptsComeLastAndWin() throws Exception {
        Result r = vigild(Map.of("VIGILD_JAVA_OPTS", "-Xmx1m"), "--check-config", "--config", config().toString());
        assertTrue(r.code() != 0 && r.output().contains("Too small maximum heap")
                || r.output().contains("Initial heap size set to a larger value than the maximum heap size"), r.output());
    }
}
