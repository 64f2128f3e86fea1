package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterHashTest {
    @TempDir
    Path dir;
    ConfigFixture fx;

    @BeforeEach
    void setUp() {
        fx = new ConfigFixture(dir);
    }

    private String hash(String yaml, String hostname) {
        LoadResult r = ConfigLoader.load(fx.write("c" + yaml.hashCode() + ".yaml", yaml), hostname);
        assertTrue(r.ok(), dump(r));
        return r.config().orElseThrow().clusterHash();
    }

    @Test
    void reformattedEqualClusterSectionsAgree() {
        String reformatted = """
                # same cluster, other layout: flow style, other key order, explicit defaults, other spelling
                node: {name: n2, state_dir: /srv/vigil}
                cluster:
                  security: {key_file: "KEY"}
                  timing: {lease: 1.5s, heartbeat_interval: 0.15s, failure_detection_timeout: 3000ms}
                  nodes:
                    - {role: witness, address: 10.232.1.13, name: w1, priority: 100}
                    - name: n2       # second data node
                      address: 10.232.1.12
                      port: 7800
                    - {name: n1, address: 10.232.1.11, role: data}
                  name: 'maas'
                """;
        assertEquals(hash(ConfigFixture.VALID, "n1"), hash(reformatted, "n2"));
    }

    @Test
    void changedTimingChangesTheHash() {
        String slower = ConfigFixture.VALID.replace("  security:", "  timing:\n    lease: 1600ms\n  security:");
        assertNotEquals(hash(ConfigFixture.VALID, "n1"), hash(slower, "n1"));
    }

    @Test
    void changedNodeChangesTheHash() {
        String moved = ConfigFixture.VALID.replace("10.232.1.12", "10.232.1.22");
        assertNotEquals(hash(ConfigFixture.VALID, "n1"), hash(moved, "n1"));
    }

    @Test
    void hashIsHexSha256OfTheCanonicalText() {
        LoadResult r = fx.load(ConfigFixture.VALID);
        ClusterSettings c = r.config().orElseThrow().cluster();
        String canonical = CanonicalCluster.text(c);
        assertTrue(canonical.contains("cluster.timing.lease=1500000000\n"), canonical);
        assertTrue(r.config().orElseThrow().clusterHash().matches("[0-9a-f]{64}"));
    }
}
