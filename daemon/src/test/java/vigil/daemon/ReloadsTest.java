package vigil.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.config.ConfigLoader;
import vigil.config.VigilConfig;
import vigil.daemon.hook.Hooks;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.pg.CommandResult;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.ErrorCode;

/** {@code vigilctl reload} against a real file: applied, reported as needing a restart, or refused with the errors. */
class ReloadsTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final Log log = new Log("n1", new PrintStream(logged, true, StandardCharsets.UTF_8), Priority.INFO);
    private final List<VigilConfig> opened = new ArrayList<>();

    private Path write(String extra) throws Exception {
        return write("", extra);
    }

    /** The file with {@code clusterExtra} at the end of the cluster section and {@code extra} at the node's. */
    private Path write(String clusterExtra, String extra) throws Exception {
        Path key = dir.resolve("cluster.key");
        if (!Files.exists(key)) {
            Files.writeString(key, "AAAAAAAAAAAAAAAAAAAAAA==\n");
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        }
        Path file = dir.resolve("vigil.yaml");
        Files.writeString(file, """
                cluster:
                  name: maas
                  nodes:
                    - {name: n1, address: 10.232.1.11}
                    - {name: n2, address: 10.232.1.12}
                    - {name: w1, address: 10.232.1.13, role: witness}
                  security: {key_file: KEY}
                CLUSTER_EXTRAnode:
                  name: n1
                  state_dir: STATE
                """.replace("KEY", key.toString()).replace("STATE", dir.resolve("state").toString())
                .replace("CLUSTER_EXTRA", clusterExtra) + extra);
        return file;
    }

    private Reloads reloads() throws Exception {
        return reloads(ConfigLoader.load(write(""), "n1").config().orElseThrow(), null);
    }

    private Reloads reloads(VigilConfig running, Function<List<String>, Future<CommandResult>> clientRules) {
        Hooks hooks = new Hooks(running.node().hooks(), "n1", "maas", log).start();
        return new Reloads(running, hooks, null, c -> {
            opened.add(c);
            return null;
        }, clientRules, log, Duration.ofMillis(100));
    }

    private static final String PG_CLUSTER = "  postgres: {synchronous: false}\n";
    private static final String PG_NODE = "  postgres:\n    data_dir: /var/lib/postgresql/15/main\n    port: 5432\n";
    private static final String RULE = "    client_access:\n      - {database: maasdb, user: maas, address: 10.0.0.0/24}\n";

    @Test
    void newClientRulesGoToTheDriverAndAFailureIsSaidNotHidden() throws Exception {
        VigilConfig running = ConfigLoader.load(write(PG_CLUSTER, PG_NODE), "n1").config().orElseThrow();
        List<List<String>> asked = new ArrayList<>();
        CompletableFuture<CommandResult> answer = new CompletableFuture<>();
        try (Reloads r = reloads(running, lines -> {
            asked.add(lines);
            return answer;
        })) {
            write(PG_CLUSTER, PG_NODE + RULE);
            answer.complete(new CommandResult(List.of("psql"), 1, Duration.ZERO, "could not connect",
                    CommandResult.Failure.OTHER));
            AdminReply failed = r.reload("alice");
            assertTrue(failed.ok(), String.valueOf(failed.error()));
            assertEquals(List.of(List.of("host    maasdb       maas         10.0.0.0/24          scram-sha-256")), asked);
            assertTrue(failed.result().path("applied").isEmpty(), failed.result().toString());
            assertTrue(failed.result().path("failed").path("node.postgres.client_access").asText()
                    .startsWith("could not connect"), failed.result().toString());
            assertEquals("not applied: node.postgres.client_access: could not connect (OTHER)",
                    failed.result().path("detail").asText());

            CompletableFuture<CommandResult> ok = CompletableFuture.completedFuture(
                    new CommandResult(List.of("psql"), 0, Duration.ZERO, "t", CommandResult.Failure.NONE));
            try (Reloads again = reloads(running, lines -> ok)) {
                AdminReply applied = again.reload("alice");
                assertEquals("[\"node.postgres.client_access\"]", applied.result().path("applied").toString());
                assertTrue(again.reload("alice").result().path("applied").isEmpty(), "applied once: now it runs with it");
            }
        }
        // a section changed around the rules is no client rule: not sent, a restart
        write(PG_CLUSTER, PG_NODE.replace("5432", "5433") + RULE);
        try (Reloads r = reloads(running, lines -> {
            throw new AssertionError("sent " + lines);
        })) {
            AdminReply port = r.reload("alice");
            assertEquals("[\"node.postgres\"]", port.result().path("restart_needed").toString());
        }
    }

    @Test
    void aRestartOfVigildIsRefusedUnlessTheFileWouldRejoinThisCluster() throws Exception {
        try (Reloads r = reloads()) {
            r.runningKey(vigil.daemon.peer.PeerChannel.readKeyFile(dir.resolve("cluster.key")));
            assertEquals(null, r.startProblems(), "unchanged");
            Files.writeString(dir.resolve("cluster.key"), "BBBBBBBBBBBBBBBBBBBBBB==\n");
            assertTrue(r.startProblems().startsWith("the key in " + dir.resolve("cluster.key") + " is not the one"),
                    r.startProblems());
            Files.writeString(dir.resolve("cluster.key"), "AAAAAAAAAAAAAAAAAAAAAA==\n");
            write("  admin: {socket: " + dir.resolve("other.sock") + "}\n");
            assertEquals(null, r.startProblems(), "a node setting a new process simply takes");
            Path file = write("");
            Files.writeString(file, Files.readString(file).replace("name: maas", "name: other"));
            assertTrue(r.startProblems().startsWith("the cluster section of " + file + " changed"), r.startProblems());
            Files.writeString(file, Files.readString(file).replace("name: other", "name: maas")
                    .replace("state_dir: " + dir.resolve("state"), "state_dir: " + dir.resolve("elsewhere")));
            assertTrue(r.startProblems().startsWith("node.state_dir changed in "), r.startProblems());
            Files.writeString(file, "cluster: [\n");
            assertTrue(r.startProblems().startsWith(file + " has errors, a vigild started from it would not run: "),
                    r.startProblems());
        }
    }

    @Test
    void whatARunningDaemonCanTakeIsAppliedTheRestIsListed() throws Exception {
        try (Reloads r = reloads()) {
            AdminReply same = r.reload("alice");
            assertTrue(same.ok());
            assertTrue(same.result().path("detail").asText().startsWith("nothing changed in "), same.result().toString());
            write("  http: {listen: 127.0.0.1, port: 8099}\n  bind_address: 10.232.1.11\n  admin: {socket: "
                    + dir.resolve("other.sock") + "}\n");
            AdminReply changed = r.reload("alice");
            assertTrue(changed.ok(), String.valueOf(changed.error()));
            assertEquals("[\"node.http\"]", changed.result().path("applied").toString());
            assertEquals("[\"node.admin\"]", changed.result().path("restart_needed").toString());
            assertEquals("applied: node.http; need a restart (systemctl restart vigild): node.admin",
                    changed.result().path("detail").asText());
            assertEquals(1, opened.size(), "the endpoint opened with the new settings");
            assertEquals(8099, opened.get(0).node().http().port());
            assertTrue(r.reload("alice").result().path("applied").isEmpty(), "applied once: now it runs with it");
            assertTrue(logged.toString(StandardCharsets.UTF_8).contains("event=reload"), logged.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aFileWithErrorsChangesNothing() throws Exception {
        try (Reloads r = reloads()) {
            write("  http: {port: 8099}\n");
            AdminReply refused = r.reload("alice");
            assertFalse(refused.ok());
            assertEquals(ErrorCode.REFUSED, refused.error().code());
            assertTrue(refused.error().message().contains("has errors; nothing changed")
                    && refused.error().message().contains("node.http.listen: missing required setting"), refused.error().message());
            assertTrue(opened.isEmpty());
            write("");
            assertTrue(r.reload("alice").result().path("detail").asText().startsWith("nothing changed"),
                    "the running config is still the old one");
        }
    }

    @Test
    void aChangedClusterSectionNeedsEveryNodeRestarted() throws Exception {
        try (Reloads r = reloads()) {
            Path file = write("");
            Files.writeString(file, Files.readString(file).replace("name: maas", "name: other"));
            AdminReply reply = r.reload("alice");
            assertEquals("[\"cluster\"]", reply.result().path("restart_needed").toString());
            assertTrue(reply.result().path("detail").asText().contains("on every node"), reply.result().toString());
        }
    }
}
