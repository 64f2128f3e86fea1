package vigil.daemon.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import vigil.daemon.admin.AdminHandler;
import vigil.daemon.admin.AdminServer;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.ErrorCode;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.StatusView;

@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VigilctlTest {
    private static final StatusView VIEW = new StatusView(1, "n1", "maas", "leader", 7, "n1", 1312, true, 3, 2, List.of(
            new NodeStatusView("n1", "data", "leader", true, true),
            new NodeStatusView("n2", "data", "follower", true, false),
            new NodeStatusView("w1", "witness", "unknown", false, false)));

    @TempDir
    Path dir;
    final List<AdminServer> servers = new ArrayList<>();

    record Run(int code, String out, String err) {
    }

    @AfterEach
    void tearDown() {
        servers.forEach(AdminServer::close);
    }

    private Path serve(AdminHandler handler) {
        AdminServer server = AdminServer.start(dir.resolve("admin.sock"), Optional.empty(), handler);
        servers.add(server);
        return server.socketPath();
    }

    private Path serve(Object result) {
        return serve(request -> CompletableFuture.supplyAsync(() -> AdminReply.success(result)));
    }

    private static Run run(Map<String, String> env, Duration timeout, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Vigilctl.run(args, env::get, new PrintWriter(out), new PrintWriter(err), timeout);
        return new Run(code, out.toString(), err.toString());
    }

    private static Run run(String... args) {
        return run(Map.of(), AdminClient.DEFAULT_TIMEOUT, args);
    }

    @Test
    void humanStatusShowsHeaderAndOneRowPerNode() {
        Path socket = serve(VIEW);
        Run r = run("--socket", socket.toString(), "status");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("cluster maas, node n1 (leader), term 7, leader n1, quorum 2/3 (ok), lease 1312 ms remaining", lines.get(0));
        assertEquals(List.of("NODE", "KIND", "ROLE", "REACHABLE", "LEADER"), cells(lines.get(1)));
        assertEquals(List.of("n1*", "data", "leader", "yes", "yes"), cells(lines.get(2)));
        assertEquals(List.of("n2", "data", "follower", "yes", "no"), cells(lines.get(3)));
        assertEquals(List.of("w1", "witness", "unknown", "no", "no"), cells(lines.get(4)));
        assertEquals(lines.get(1).indexOf("KIND"), lines.get(4).indexOf("witness"), "columns are aligned");
    }

    @Test
    void humanStatusWithoutLeaderOrQuorum() {
        StatusView lost = new StatusView(1, "n2", "maas", "candidate", 9, null, 0, false, 3, 1,
                List.of(new NodeStatusView("n1", "data", "unknown", false, false),
                        new NodeStatusView("n2", "data", "candidate", true, true)));
        Run r = run("--socket", serve(lost).toString(), "status");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("cluster maas, node n2 (candidate), term 9, leader none, quorum 1/3 (LOST), lease not held\n"),
                r.out());
        assertTrue(r.out().contains("n2*"));
    }

    @Test
    void jsonPrintsTheResultAsSentAndParsesBack() throws Exception {
        ObjectNode sent = (ObjectNode) AdminCodec.toTree(VIEW);
        sent.put("added_by_a_newer_daemon", "kept");
        Run r = run("--socket", serve(sent).toString(), "status", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode printed = new ObjectMapper().readTree(r.out());
        assertEquals(sent.toString(), printed.toString(), "the result object exactly as the daemon sent it");
        assertEquals(VIEW, AdminCodec.decodeResult(printed, StatusView.class).orThrow());
        assertEquals(sent.fieldNames().next(), printed.fieldNames().next(), "field order kept");
    }

    /** {@code status --all}: this node's view, then each other member's through it; one that fails is named with why. */
    @Test
    void statusAllAsksEveryMemberThroughThisNode() throws Exception {
        StatusView n2 = new StatusView(1, "n2", "maas", "follower", 7, "n1", 0, true, 3, 2, List.of(
                new NodeStatusView("n1", "data", "leader", true, false),
                new NodeStatusView("n2", "data", "follower", true, true),
                new NodeStatusView("w1", "witness", "unknown", false, false)));
        List<Object> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        Path socket = serve(request -> {
            Object node = request.args().get("node");
            asked.add(node == null ? "self" : node);
            if (node == null) return CompletableFuture.completedFuture(AdminReply.success(VIEW));
            if ("n2".equals(node)) return CompletableFuture.completedFuture(AdminReply.success(n2));
            return CompletableFuture.completedFuture(AdminReply.failure(vigil.protocol.admin.ErrorCode.INTERNAL,
                    "w1 did not answer within 2000 ms"));
        });
        Run human = run("--socket", socket.toString(), "status", "--all");
        assertEquals(0, human.code(), human.err());
        assertEquals(List.of("self", "n2", "w1"), asked, "this node first, then every other member through it");
        assertTrue(human.out().contains("each node's own view:\n  n1: leader\n  n2: follower\n  w1: no answer: vigild refused"
                + " status: INTERNAL: w1 did not answer within 2000 ms\n"), human.out());
        Run json = run("--socket", socket.toString(), "status", "--all", "--json");
        assertEquals(0, json.code(), json.err());
        JsonNode printed = new ObjectMapper().readTree(json.out());
        assertEquals(VIEW, AdminCodec.decodeResult(printed.get("views").get("n1"), StatusView.class).orThrow());
        assertEquals(n2, AdminCodec.decodeResult(printed.get("views").get("n2"), StatusView.class).orThrow());
        assertTrue(printed.get("unanswered").get("w1").asText().contains("w1 did not answer"), json.out());
        assertEquals(2, run("--socket", socket.toString(), "status", "--all", "--node", "n2").code(), "one or the other");
    }

    @Test
    void confirmDownNeedsYesAndSendsTheNodeAndTheOperator() {
        List<AdminRequest> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Path socket = serve(request -> {
            seen.add(request);
            return CompletableFuture.completedFuture(AdminReply.success(Map.of("accepted", true, "detail", "accepted by n2")));
        });
        Run refused = run("--socket", socket.toString(), "confirm-down", "n1");
        assertEquals(2, refused.code(), refused.err());
        assertTrue(refused.err().contains("needs --yes"), refused.err());
        assertEquals(List.of(), seen, "nothing sent without --yes");
        Run ok = run("--socket", socket.toString(), "confirm-down", "n1", "--yes");
        assertEquals(0, ok.code(), ok.err());
        assertEquals("accepted by n2\n", ok.out());
        assertEquals("confirm-down", seen.get(0).command());
        assertEquals("n1", seen.get(0).args().get("node"));
        assertTrue(seen.get(0).args().containsKey("operator"));
    }

    @Test
    void aRefusalIsPrintedWithItsReasonAndExitsOne() {
        Path socket = serve(request -> CompletableFuture.completedFuture(AdminReply.failure(
                vigil.protocol.admin.ErrorCode.REFUSED, "this node does not lead; run it on the leader (n2)")));
        Run r = run("--socket", socket.toString(), "confirm-down", "n1", "--yes");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("REFUSED: this node does not lead; run it on the leader (n2)"), r.err());
    }

    @Test
    void fenceChecksItsActionAndReportsTheProof() {
        Run bad = run("--socket", dir.resolve("x.sock").toString(), "fence", "n1", "--action", "explode");
        assertEquals(2, bad.code(), bad.err());
        Path socket = serve(request -> CompletableFuture.completedFuture(AdminReply.success(Map.of("target", "n1",
                "action", "off", "proven_off", false, "reason", "every level failed: level 1: exit 1", "runs", List.of()))));
        Run failed = run("--socket", socket.toString(), "fence", "n1");
        assertEquals(1, failed.code(), failed.out());
        assertEquals("n1 off: every level failed: level 1: exit 1\n", failed.out());
    }

    @Test
    void checkPrintsOneLineAndExitsWithTheState() {
        Run ok = run("--socket", serve(VIEW).toString(), "check");
        assertEquals(1, ok.code(), ok.out()); // w1 is out of reach: a WARNING
        assertEquals("VIGIL WARNING - out of reach: w1 | term=7 voters_reachable=2;;;0;3\n", ok.out());
        assertEquals("", ok.err());
    }

    @Test
    void checkIsUnknownWhenTheDaemonCannotBeAskedOrTheOptionIsBad() {
        Run gone = run("--socket", dir.resolve("nothing-here.sock").toString(), "check");
        assertEquals(3, gone.code());
        assertTrue(gone.out().startsWith("VIGIL UNKNOWN - ") && gone.out().contains("nothing-here.sock")
                && gone.out().endsWith("\n") && gone.out().indexOf('\n') == gone.out().length() - 1, gone.out());
        Run badSize = run("--socket", serve(VIEW).toString(), "check", "--lag-warning", "lots");
        assertEquals(3, badSize.code());
        assertEquals("VIGIL UNKNOWN - bad option: --lag-warning lots is not a size (e.g. 16MB, 1GB, 1048576)\n",
                badSize.out());
        Run badOption = run("--socket", dir.resolve("x.sock").toString(), "check", "--verbose");
        assertEquals(3, badOption.code());
        assertTrue(badOption.out().startsWith("VIGIL UNKNOWN - usage: Unknown option: '--verbose'"), badOption.out());
        Run badParent = run("--sockt", "x", "check");
        assertEquals(3, badParent.code(), badParent.out() + badParent.err());
        assertTrue(badParent.out().startsWith("VIGIL UNKNOWN - usage: "), badParent.out());
        Run emptySocket = run("--socket", "", "check");
        assertEquals(3, emptySocket.code(), emptySocket.out() + emptySocket.err());
        assertTrue(emptySocket.out().startsWith("VIGIL UNKNOWN - usage: --socket needs a path"), emptySocket.out());
    }

    @Test
    void historyAsksForTheCountAndPrintsOneLinePerEvent() {
        List<Object> asked = new ArrayList<>();
        Path socket = serve(request -> {
            asked.add(request.args().get("limit"));
            return CompletableFuture.completedFuture(AdminReply.success(Map.of("entries", List.of(
                    Map.of("at", "2026-12-01T18:40:01.123Z", "mono_ms", 5, "priority", "warning", "event", "role",
                            "fields", new java.util.LinkedHashMap<>(Map.of("role", "leader→follower"))),
                    Map.of("at", "2026-12-01T18:40:02Z", "mono_ms", 6, "priority", "notice", "event", "pg",
                            "fields", Map.of("cause", "n2 is 40 MB behind"))))));
        });
        Run r = run("--socket", socket.toString(), "history", "-n", "7");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(7), asked);
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).endsWith(" warning role role=leader→follower"), lines.get(0));
        assertTrue(lines.get(1).endsWith(" notice  pg cause=\"n2 is 40 MB behind\""), lines.get(1));
        assertEquals("2026-12-01 18:40:01.123 warning role role=leader→follower", HistoryCommand.line(
                AdminCodec.toTree(Map.of("at", "2026-12-01T18:40:01.123Z", "priority", "warning", "event", "role",
                        "fields", Map.of("role", "leader→follower"))), java.time.ZoneOffset.UTC));
        Run bad = run("--socket", socket.toString(), "history", "-n", "0");
        assertEquals(2, bad.code());
    }

    @Test
    void versionPrintsBothAndItsOwnWhenTheDaemonIsGone() {
        Path socket = serve(request -> CompletableFuture.completedFuture(AdminReply.success(Map.of("vigild", "9.9.9",
                "admin_protocol", 1, "status_format", 1, "java", "17.0.15", "pid", 4242, "node", "n3",
                "started_at", "2026-12-01T18:00:00Z", "uptime_s", 3725))));
        Run r = run("--socket", socket.toString(), "version");
        assertEquals(0, r.code(), r.err());
        assertEquals("vigilctl " + vigil.daemon.Version.of() + " (admin protocol 1)\n"
                + "vigild 9.9.9 on n3 (admin protocol 1, status format 1), pid 4242, Java 17.0.15, up 1h 2m since"
                + " 2026-12-01T18:00:00Z\n", r.out());
        // --socket after the command: picocli's path, the model of this one command, the option inherited from vigilctl
        assertEquals(r, run("version", "--socket", socket.toString()));
        Run gone = run("--socket", dir.resolve("gone.sock").toString(), "version");
        assertEquals(69, gone.code());
        assertEquals("vigilctl " + vigil.daemon.Version.of() + " (admin protocol 1)\n", gone.out());
        assertTrue(gone.err().contains("gone.sock"), gone.err());
    }

    @Test
    void aReloadThatCouldNotApplyASectionExitsOne() {
        Path applied = serve(Map.of("applied", List.of("node.http"), "failed", Map.of(), "restart_needed", List.of(),
                "detail", "applied: node.http"));
        Run ok = run("--socket", applied.toString(), "reload");
        assertEquals(0, ok.code(), ok.err());
        assertEquals("applied: node.http\n", ok.out());
        servers.forEach(AdminServer::close);
        Path failed = serve(Map.of("applied", List.of(), "failed", Map.of("node.postgres.client_access", "no socket"),
                "restart_needed", List.of(), "detail", "not applied: node.postgres.client_access: no socket"));
        Run notApplied = run("--socket", failed.toString(), "reload");
        assertEquals(1, notApplied.code(), notApplied.out());
        assertEquals("not applied: node.postgres.client_access: no socket\n", notApplied.out());
    }

    @Test
    void cleanupSendsTheNodeAndTheOperatorAndPrintsWhatWasReset() {
        List<Map<String, Object>> asked = new ArrayList<>();
        Path socket = serve(request -> {
            asked.add(request.args());
            return CompletableFuture.completedFuture(AdminReply.success(Map.of("detail", "failcount of n1 reset: 2 restart(s)")));
        });
        Run r = run("--socket", socket.toString(), "cleanup", "n1");
        assertEquals(0, r.code(), r.err());
        assertEquals("failcount of n1 reset: 2 restart(s)\n", r.out());
        assertEquals("n1", asked.get(0).get("node"));
        assertTrue(asked.get(0).containsKey("operator"));
        Run bare = run("--socket", socket.toString(), "cleanup");
        assertEquals(0, bare.code(), bare.err());
        assertTrue(!asked.get(1).containsKey("node"), "no node named: this one");
    }

    @Test
    void missingSocketIsUnavailable() {
        Path missing = dir.resolve("nothing-here.sock");
        Run r = run("--socket", missing.toString(), "status");
        assertEquals(69, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().contains(missing.toString()) && r.err().contains("systemctl status vigild")
                && r.err().contains("--socket"), r.err());
    }

    @Test
    void pathThatIsNotASocketIsUnavailable() throws Exception {
        Path file = Files.writeString(dir.resolve("config.yaml"), "cluster: {}");
        Run r = run("--socket", file.toString(), "status");
        assertEquals(69, r.code());
        assertTrue(r.err().contains("is a regular file, not a socket"), r.err());
        Run d = run("--socket", dir.toString(), "status");
        assertEquals(69, d.code());
        assertTrue(d.err().contains("is a directory, not a socket"), d.err());
    }

    @Test
    void staleSocketIsUnavailable() throws Exception {
        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(stale));
        }
        Run r = run("--socket", stale.toString(), "status");
        assertEquals(69, r.code());
        assertTrue(r.err().contains("connection refused") && r.err().contains(stale.toString()), r.err());
    }

    @Test
    void silentDaemonTimesOutAsUnavailable() throws Exception {
        Path silent = dir.resolve("silent.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(silent)); // accepts into the backlog, never answers
            long t0 = System.nanoTime();
            Run r = run(Map.of(), Duration.ofMillis(300), "--socket", silent.toString(), "status");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(69, r.code());
            assertTrue(r.err().contains("did not answer within 300 ms"), r.err());
            assertTrue(ms >= 290 && ms < 5000, "gave up after " + ms + " ms");
        }
    }

    @Test
    void daemonErrorExitsOneWithCodeAndMessage() {
        Path socket = serve(request -> CompletableFuture.completedFuture(
                AdminReply.failure(ErrorCode.FORBIDDEN, "uid 1000 (alice) is not in group vigil")));
        Run r = run("--socket", socket.toString(), "status");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().contains("FORBIDDEN: uid 1000 (alice) is not in group vigil"), r.err());
    }

    @Test
    void handlerFailureExitsOneWithInternal() {
        Path socket = serve(request -> {
            throw new IllegalStateException("loop stopped");
        });
        Run r = run("--socket", socket.toString(), "status");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("INTERNAL") && r.err().contains("loop stopped"), r.err());
    }

    @Test
    void resultThatIsNotAStatusExitsOne() {
        Run r = run("--socket", serve(Map.of("node", "n1")).toString(), "status");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unusable status"), r.err());
    }

    @Test
    void socketComesFromOptionThenEnvironmentThenDefault() {
        Path socket = serve(VIEW);
        assertEquals(0, run(Map.of("VIGIL_SOCKET", socket.toString()), AdminClient.DEFAULT_TIMEOUT, "status").code());
        Run overridden = run(Map.of("VIGIL_SOCKET", socket.toString()), AdminClient.DEFAULT_TIMEOUT,
                "--socket", dir.resolve("other.sock").toString(), "status");
        assertEquals(69, overridden.code());
        assertTrue(overridden.err().contains("other.sock"), overridden.err());
        assertEquals(0, run("status", "--socket", socket.toString()).code(), "--socket also after the command");
        if (!Files.exists(Vigilctl.DEFAULT_SOCKET)) {
            Run r = run("status");
            assertEquals(69, r.code());
            assertTrue(r.err().contains("/run/vigil/admin.sock"), r.err());
        }
    }

    @Test
    void usageErrorsExitTwo() {
        Run none = run();
        assertEquals(2, none.code());
        assertTrue(none.err().contains("missing command"), none.err());
        Run typo = run("stauts");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("Did you mean") && typo.err().contains("status"), typo.err());
        assertEquals(2, run("status", "--jsn").code());
        assertEquals(2, run("status", "extra").code());
        assertEquals(2, run("--socket").code());
        Run empty = run("--socket=", "status");
        assertEquals(2, empty.code());
        assertTrue(empty.err().contains("--socket needs a path"), empty.err());
    }

    @Test
    void helpIsComplete() {
        Run top = run("--help");
        assertEquals(0, top.code());
        for (String expected : List.of("Usage: vigilctl [--socket PATH] COMMAND", "Description:", "Options:", "--socket=PATH",
                "Commands:", "status", "Exit codes:", "69", "Examples:", "Files:", "/run/vigil/admin.sock",
                "Environment:", "VIGIL_SOCKET")) {
            assertTrue(top.out().contains(expected), "top-level help lacks " + expected);
        }
        assertTrue(top.out().lines().allMatch(l -> l.length() <= 80), "help fits 80 columns");
        Run status = run("status", "--help");
        assertEquals(0, status.code());
        assertTrue(status.out().contains("--json") && status.out().contains("Exit codes:") && status.out().contains("REACHABLE"));
        assertEquals(status.out(), run("help", "status").out());
    }

    private static List<String> cells(String line) {
        return Arrays.asList(line.trim().split("\\s+"));
    }
}
