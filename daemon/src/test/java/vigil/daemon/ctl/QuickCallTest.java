package vigil.daemon.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import vigil.daemon.admin.AdminServer;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.StatusView;

/**
 * {@link QuickCall} answers exactly as picocli's path does, for every command line it takes, and leaves every other to
 * picocli. Each line is run both ways against the same fake vigild (the picocli path built as {@link Vigilctl#run}
 * builds it) and the exit code and both outputs compared.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class QuickCallTest {
    private static final StatusView VIEW = new StatusView(1, "n1", "maas", "leader", 7, "n1", 1312, true, 3, 2, List.of(
            new NodeStatusView("n1", "data", "leader", true, true),
            new NodeStatusView("n2", "data", "follower", true, false)));

    @TempDir
    Path dir;
    private AdminServer server;
    private final List<Map<String, Object>> asked = new ArrayList<>();

    record Run(Integer code, String out, String err) {}

    @BeforeEach
    void serve() {
        server = AdminServer.start(dir.resolve("admin.sock"), Optional.empty(), request -> {
            asked.add(request.args());
            Object result = switch (request.command()) {
                case "status" -> AdminCodec.toTree(VIEW);
                case "history" -> Map.of("entries", List.of(Map.of("at", "2026-12-01T18:40:01.123Z", "mono_ms", 5,
                        "priority", "notice", "event", "pg", "fields", Map.of("reason", "PROMOTED", "peer", "n1"))));
                case "version" -> Map.of("vigild", "9.9.9", "admin_protocol", 1, "status_format", 1, "java", "17",
                        "pid", 4242, "node", "n1", "started_at", "2026-12-01T18:00:00Z", "uptime_s", 3725);
                default -> Map.of();
            };
            return CompletableFuture.completedFuture(AdminReply.success(result));
        });
    }

    @AfterEach
    void close() {
        server.close();
    }

    private Run quick(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Integer code = QuickCall.run(args, name -> null, new PrintWriter(out), new PrintWriter(err), Duration.ofSeconds(5));
        return new Run(code, out.toString(), err.toString());
    }

    private Run picocli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = Vigilctl.commandLine(new Vigilctl(name -> null, Duration.ofSeconds(5)), Vigilctl.commandWord(args));
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private String[] at(String... args) {
        List<String> line = new ArrayList<>(List.of("--socket", server.socketPath().toString()));
        line.addAll(List.of(args));
        return line.toArray(String[]::new);
    }

    @Test
    void everyLineItTakesIsAnsweredAsPicocliAnswersIt() {
        List<List<String>> lines = List.of(List.of("check"), List.of("check", "--lag-warning", "1MB"),
                List.of("check", "--lag-warning=1kB", "--lag-critical", "2kB"), List.of("check", "--lag-warning", "lots"),
                List.of("check", "--lag-warning", "2MB", "--lag-critical", "1MB"), List.of("history"),
                List.of("history", "-n", "20"), List.of("history", "--count=3", "--json"), List.of("history", "-n", "0"),
                List.of("history", "-n", "501"), List.of("history", "--node", "n2"), List.of("version"),
                List.of("version", "--json"), List.of("status"), List.of("status", "--json"));
        for (List<String> line : lines) {
            String[] args = at(line.toArray(String[]::new));
            asked.clear();
            Run quick = quick(args);
            List<Map<String, Object>> quickAsked = List.copyOf(asked);
            assertNotNull(quick.code(), "taken: " + line);
            asked.clear();
            Run picocli = picocli(args);
            assertEquals(picocli, quick, String.join(" ", line));
            assertEquals(asked, quickAsked, "the same request: " + line);
        }
        // the socket from the environment as well
        StringWriter out = new StringWriter();
        Integer code = QuickCall.run(new String[] {"version"}, name -> name.equals(Vigilctl.SOCKET_ENV)
                ? server.socketPath().toString() : null, new PrintWriter(out), new PrintWriter(new StringWriter()),
                Duration.ofSeconds(5));
        assertEquals(0, code);
        assertEquals(picocli(at("version")).out(), out.toString());
    }

    @Test
    void everyOtherLineIsLeftToPicocli() {
        for (List<String> line : List.of(List.of("check", "--help"), List.of("check", "-h"), List.of("check", "--verbose"),
                List.of("history", "-n"), List.of("history", "-n", "abc"), List.of("history", "-n", "-5"),
                List.of("history", "-n20"), List.of("history", "-n", "1", "-n", "2"), List.of("version", "--json=true"),
                List.of("version", "extra"), List.of("version", "--socket", "x"), List.of("status", "--all"),
                List.of("status", "--node", "n2"), List.of("switchover"), List.of("nonsense"), List.of("--help"))) {
            assertNull(quick(at(line.toArray(String[]::new))).code(), String.join(" ", line));
        }
        assertNull(quick("--socket", "", "version").code(), "an empty socket: picocli says so");
        assertNull(quick().code(), "no command");
    }
}
