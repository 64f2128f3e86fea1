package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.assertError;
import static vigil.config.ConfigFixture.assertProblem;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;
    ConfigFixture fx;

    @BeforeEach
    void setUp() {
        fx = new ConfigFixture(dir);
    }

    @Test
    void fullConfigLoadsEverySetting() throws Exception {
        Files.createDirectory(dir.resolve("state"));
        LoadResult r = fx.load("""
                cluster:
                  name: maas
                  nodes:
                    - name: n1
                      address: 10.232.1.11
                      port: 7801
                      role: data
                      priority: 200
                    - {name: n2, address: "fd00::12", port: 7802, priority: 0}
                    - name: w1
                      address: witness.example.org
                      role: witness
                  timing:
                    heartbeat_interval: 100ms
                    lease: 1.4s
                    clock_drift_bound: 0.02
                    failure_detection_timeout: 2s
                    suspect_verify_timeout: 500ms
                    join_timeout: 1m
                  security:
                    key_file: KEY
                    insecure: false
                node:
                  name: n2
                  state_dir: DIR/state
                  bind_address: 10.0.0.2
                  admin:
                    socket: DIR/admin.sock
                    group: root
                  watchdog:
                    mode: required
                    device: /dev/null
                    timeout: 1s
                    reset_slack: 50ms
                """);
        assertTrue(r.ok(), dump(r));
        assertEquals(List.of(), r.problems());
        VigilConfig c = r.config().orElseThrow();
        assertEquals("maas", c.cluster().name());
        assertEquals(List.of(new NodeSpec("n1", "10.232.1.11", 7801, NodeRole.DATA, 200),
                new NodeSpec("n2", "fd00::12", 7802, NodeRole.DATA, 0),
                new NodeSpec("w1", "witness.example.org", 7800, NodeRole.WITNESS, 100)), c.voters());
        assertEquals(new TimingSettings(Duration.ofMillis(100), Duration.ofMillis(1400), 0.02,
                Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofMinutes(1)), c.cluster().timing());
        assertEquals(new SecuritySettings(Optional.of(fx.keyFile), false), c.cluster().security());
        assertEquals(new NodeSettings("n2", dir.resolve("state"), "10.0.0.2", dir.resolve("admin.sock"),
                Optional.of("root"), Optional.empty(), new WatchdogSettings(WatchdogMode.REQUIRED, Path.of("/dev/null"),
                Duration.ofSeconds(1), Duration.ofMillis(50))), c.node());
        assertEquals("n2", c.self().name());
        assertEquals(64, c.clusterHash().length());
    }

    @Test
    void minimalConfigGetsDefaults() {
        LoadResult r = fx.load("""
                cluster:
                  name: maas
                  nodes:
                    - {name: n1, address: 10.232.1.11}
                    - {name: n2, address: 10.232.1.12}
                    - {name: n3, address: 10.232.1.13}
                  security: {key_file: KEY}
                """);
        assertTrue(r.ok(), dump(r));
        VigilConfig c = r.config().orElseThrow();
        assertEquals(new NodeSpec("n2", "10.232.1.12", 7800, NodeRole.DATA, 100), c.voters().get(1));
        assertEquals(new TimingSettings(Duration.ofMillis(150), Duration.ofMillis(1500), 0.01,
                Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofSeconds(2)), c.cluster().timing());
        assertEquals(new NodeSettings("n1", Path.of("/var/lib/vigil"), "10.232.1.11",
                Path.of("/run/vigil/admin.sock"), Optional.empty(), Optional.empty(), new WatchdogSettings(
                WatchdogMode.AUTO, Path.of("/dev/watchdog"), Duration.ofSeconds(1), Duration.ofMillis(50))), c.node());
        assertEquals(Duration.ofMillis(1050), c.node().watchdog().effectiveTimeout());
    }

    @Test
    void watchdogOffNeedsNoRoomInTheLease() {
        LoadResult r = fx.load(ConfigFixture.VALID.replace("  security:", "  timing: {lease: 1s}\n  security:") + """
                  watchdog:
                    mode: off
                """);
        assertTrue(r.ok(), dump(r));
        assertEquals(List.of(), r.problems());
        assertEquals(WatchdogMode.OFF, r.config().orElseThrow().node().watchdog().mode());
    }

    @Test
    void watchdogRuleAllowsExactlyTheLeaderLease() {
        // lease 1500ms x 0.98 = 1470ms = 1s + 320ms + 150ms: the largest slack that fits
        String base = ConfigFixture.VALID + "  watchdog: {reset_slack: SLACK}\n";
        assertTrue(fx.load(base.replace("SLACK", "320ms")).ok());
        assertError(fx.load(base.replace("SLACK", "321ms")), "node.watchdog.timeout", 15, 27,
                "timeout 1s + reset_slack 321ms + fence margin 150ms = 1471ms exceeds the leader's lease");
    }

    @Test
    void aFifoAsWatchdogDeviceIsATestFakeAndWarned() throws Exception {
        Path fifo = dir.resolve("watchdog");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        LoadResult r = fx.load(ConfigFixture.VALID + "  watchdog: {mode: required, device: DIR/watchdog}\n");
        assertTrue(r.ok(), dump(r));
        assertEquals(1, r.problems().size(), dump(r));
        assertProblem(r, Problem.Severity.WARNING, "node.watchdog.device", 15, 38,
                fifo + " is not a character device: vigild will use it as a test fake without timeout control");
        assertEquals(fifo, r.config().orElseThrow().node().watchdog().device());
    }

    @Test
    void nodeNameFallsBackToTheShortHostName() {
        Path f = fx.write("vigil.yaml", ConfigFixture.VALID.replace("node:\n  name: n1\n", ""));
        LoadResult r = ConfigLoader.load(f, "n2.dc1.example.org");
        assertTrue(r.ok(), dump(r));
        assertEquals("n2", r.config().orElseThrow().node().name());
        assertEquals("10.232.1.12", r.config().orElseThrow().node().bindAddress());

        LoadResult stranger = ConfigLoader.load(f, "db9");
        assertError(stranger, "node.name", 3, 3, "host name \"db9\" is not in cluster.nodes (n1, n2, w1)");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        LoadResult r = fx.load("""
                cluster:
                  name: Maas
                  nodes:
                    - name: n1
                      address: 10.232.1.11
                      port: "7800"
                    - name: n2
                      address: 10.232.1.12
                      prio: 5
                    - name: w1
                      address: 10.232.1.13
                      role: witness
                  timing:
                    heartbeat_interval: 150
                  security:
                    key_file: KEY
                    insecure: true
                node:
                  name: n1
                """);
        assertFalse(r.ok());
        assertEquals(5, r.problems().size(), dump(r));
        assertError(r, "cluster.name", 2, 9, "not a valid name");
        assertError(r, "cluster.nodes[0].port", 6, 13, "remove the quotes: 7800");
        assertError(r, "cluster.nodes[1].prio", 9, 7, "did you mean priority?");
        assertError(r, "cluster.timing.heartbeat_interval", 14, 25, "write 150ms or 150s");
        assertError(r, "cluster.security.insecure", 17, 15, "cannot be combined with key_file");
        assertTrue(r.config().isEmpty());
        List<Integer> lines = r.problems().stream().map(Problem::line).toList();
        assertEquals(lines.stream().sorted().toList(), lines, "problems are in file order");
    }

    @Test
    void warningsDoNotFailTheLoad() {
        LoadResult r = fx.load("""
                cluster:
                  name: pair
                  nodes:
                    - {name: n1, address: 10.232.1.11}
                    - {name: n2, address: 10.232.1.12}
                  security:
                    insecure: true
                """);
        assertTrue(r.ok(), dump(r));
        assertTrue(r.config().isPresent());
        assertEquals(2, r.problems().size(), dump(r));
        assertProblem(r, Problem.Severity.WARNING, "cluster.nodes", 3, 3, "only 2 voters: the quorum is 2");
        Problem p = assertProblem(r, Problem.Severity.WARNING, "cluster.security.insecure", 7, 15,
                "peer traffic is plaintext");
        assertTrue(p.toString().startsWith(dir.resolve("vigil.yaml") + ":7:15: warning: cluster.security.insecure: "),
                p.toString());
    }

    @Test
    void problemToStringHasTheCompilerStyleFormat() {
        Problem p = new Problem(Problem.Severity.ERROR, "/etc/vigil/vigil.yaml", 7, 13, "cluster.nodes[1].name", "duplicate");
        assertEquals("/etc/vigil/vigil.yaml:7:13: error: cluster.nodes[1].name: duplicate", p.toString());
        Problem whole = new Problem(Problem.Severity.ERROR, "/x.yaml", 0, 0, "", "does not exist");
        assertEquals("/x.yaml: error: does not exist", whole.toString());
    }

    @Test
    void missingFileIsOneErrorNamingThePath() {
        Path missing = dir.resolve("nope.yaml");
        LoadResult r = ConfigLoader.load(missing, "n1");
        assertEquals(1, r.problems().size(), dump(r));
        assertEquals(missing.toString(), r.problems().get(0).file());
        assertTrue(r.problems().get(0).toString().startsWith(missing + ": error: the config file does not exist"),
                r.problems().get(0).toString());
    }

    @Test
    void directoryInsteadOfFile() {
        LoadResult r = ConfigLoader.load(dir, "n1");
        assertEquals(1, r.problems().size(), dump(r));
        assertError(r, "", 0, 0, "is a directory");
    }

    @Test
    void emptyFile() {
        LoadResult r = fx.load("# nothing here yet\n\n");
        assertEquals(1, r.problems().size(), dump(r));
        assertError(r, "", 1, 1, "the file is empty");
    }

    @Test
    void notUtf8() throws Exception {
        Path f = dir.resolve("latin1.yaml");
        Files.write(f, new byte[] {'c', ':', ' ', (byte) 0xE9, '\n'});
        assertError(ConfigLoader.load(f, "n1"), "", 0, 0, "not UTF-8");
    }

    @Test
    void loadWithoutHostnameUsesTheMachine() {
        LoadResult r = ConfigLoader.load(fx.write("vigil.yaml", ConfigFixture.VALID));
        assertTrue(r.ok(), dump(r));
    }
}
