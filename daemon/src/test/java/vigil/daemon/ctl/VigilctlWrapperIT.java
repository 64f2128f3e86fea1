package vigil.daemon.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import vigil.daemon.admin.AdminServer;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.StatusView;

/** The real {@code bin/vigilctl} (wrapper script, JVM start, System.exit codes) against a real admin socket. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VigilctlWrapperIT {
    private static final Path WRAPPER = Path.of("").toAbsolutePath().getParent().resolve("bin/vigilctl");
    private static final StatusView VIEW = new StatusView(1, "n2", "maas", "follower", 3, "n1", 0, true, 3, 3, List.of(
            new NodeStatusView("n1", "data", "leader", true, false),
            new NodeStatusView("n2", "data", "follower", true, true),
            new NodeStatusView("w1", "witness", "witness", true, false)));

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    private static Result vigilctl(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(WRAPPER.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("VIGIL_SOCKET");
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("vigilctl did not exit within 30 s");
        }
        return new Result(p.exitValue(), out, err.join());
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void wrapperRunsStatusAndReportsExitCodes() throws Exception {
        assertTrue(Files.isExecutable(WRAPPER), WRAPPER + " is executable");
        try (AdminServer server = AdminServer.start(dir.resolve("admin.sock"), Optional.empty(),
                request -> CompletableFuture.completedFuture(AdminReply.success(VIEW)))) {
            Result json = vigilctl(Map.of(), "--socket", server.socketPath().toString(), "status", "--json");
            assertEquals(0, json.code(), json.err());
            assertEquals(VIEW, AdminCodec.decodeResult(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()),
                    StatusView.class).orThrow());

            Result table = vigilctl(Map.of("VIGIL_SOCKET", server.socketPath().toString()), "status");
            assertEquals(0, table.code(), table.err());
            assertTrue(table.out().contains("n2*") && table.out().startsWith("cluster maas, node n2 (follower)"), table.out());
        }
        Result gone = vigilctl(Map.of(), "--socket", dir.resolve("admin.sock").toString(), "status");
        assertEquals(69, gone.code());
        assertTrue(gone.err().contains("does not exist"), gone.err());
        assertEquals(2, vigilctl(Map.of(), "bogus").code());
    }
}
