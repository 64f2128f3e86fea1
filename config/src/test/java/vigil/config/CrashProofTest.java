package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code vigild --check-config} tells about the proof this node offers, and so about a crash of it. */
class CrashProofTest {
    @TempDir
    Path dir;
    ConfigFixture fx;
    Path passFile;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ConfigFixture(dir);
        passFile = fx.replicationPasswordFile();
    }

    String describe(String extra, boolean deviceExists) {
        LoadResult r = fx.load((PostgresConfigTest.WITH_PG + extra).replace("PASS", passFile.toString()));
        assertTrue(r.ok(), dump(r));
        return CrashProof.describe(r.config().orElseThrow(), p -> deviceExists);
    }

    @Test
    void aWatchdogThatExistsIsTheProofAndFailoverNeedsNoFenceAgent() {
        String d = describe("", true);
        assertTrue(d.startsWith("proof: watchdog /dev/watchdog (auto: the device exists)\n"), d);
        assertTrue(d.contains("another node is promoted once its lease has ended (at most 1500 ms"), d);
        assertTrue(d.contains("resets this host 1050 ms after its daemon stops"), d);
    }

    @Test
    void withoutAWatchdogACrashedPrimaryIsNotFailedOver() {
        String d = describe("", false);
        assertTrue(d.startsWith("proof: none (node.watchdog.mode: auto, but /dev/watchdog does not exist: load softdog"), d);
        assertTrue(d.contains("no automatic failover — the leader waits in FENCING_REQUIRED"), d);
        assertEquals(d, describe("  watchdog: {mode: auto}\n", false), "the same with the section written out");
        assertTrue(describe("  watchdog: {mode: off}\n", true).startsWith("proof: none (node.watchdog.mode: off)\n"));
    }

    @Test
    void failoverWithoutFencingSaysWhatItRisks() {
        LoadResult r = fx.load(PostgresConfigTest.WITH_PG.replace("    replication_password_file: PASS\n",
                "    failover_without_fencing: true\n") + "  watchdog: {mode: off}\n");
        assertTrue(r.ok(), dump(r));
        String d = CrashProof.describe(r.config().orElseThrow(), p -> false);
        assertTrue(d.contains("promoted once its lease has ended, without any proof (failover_without_fencing: true)"
                + " — if this node was only cut off, its PostgreSQL may still accept writes that will be lost"), d);
    }

    @Test
    void withoutPostgresThereIsNothingToProve() {
        LoadResult r = fx.load(BadInputTest.THREE_NODES);
        assertTrue(r.ok(), dump(r));
        assertTrue(CrashProof.describe(r.config().orElseThrow(), p -> true).startsWith("proof: not needed"));
    }

    @Test
    void fenceLevelsAreNamedWithTheNodesTheyCanFence() {
        String withN1 = PostgresConfigTest.WITH_PG.replace("- {name: n1, address: 10.232.1.11}",
                "- {name: n1, address: 10.232.1.11, fence: [{agent: /usr/sbin/fence_ipmilan, ip: 10.232.9.11},"
                        + " {agent: /usr/sbin/fence_apc, ip: pdu-a, plug: \"3\"}, {agent: /usr/sbin/fence_apc, ip: pdu-b,"
                        + " plug: \"3\", level: 2}]}");
        String d = describe("", false);
        assertTrue(!d.contains("fence levels"), "nothing configured, nothing said: " + d);
        LoadResult r = fx.load(withN1.replace("PASS", passFile.toString()) + "  watchdog: {mode: off}\n");
        assertTrue(r.ok(), dump(r));
        String lines = CrashProof.describe(r.config().orElseThrow(), p -> false);
        assertTrue(lines.startsWith("proof: none (node.watchdog.mode: off)\n"), "the current lines stay: " + lines);
        assertTrue(lines.endsWith("\nfence levels configured for n1; this node can be fenced with level 1:"
                + " fence_ipmilan@10.232.9.11 + fence_apc@pdu-a, then level 2: fence_apc@pdu-b"), lines);
        LoadResult other = ConfigLoader.load(fx.write("vigil.yaml", withN1.replace("PASS", passFile.toString())), "n2");
        assertTrue(other.ok(), dump(other));
        assertTrue(CrashProof.describe(other.config().orElseThrow(), p -> true).endsWith("\nfence levels configured"
                + " for n1; none for this node (n2): add cluster.nodes[].fence under it to be able to fence it"));
    }
}
