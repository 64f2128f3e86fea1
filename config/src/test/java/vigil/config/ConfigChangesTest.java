package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ConfigChanges}: what a reload finds changed, what it can apply, and what needs a restart. */
class ConfigChangesTest {
    @TempDir
    Path dir;
    ConfigFixture fx;

    @BeforeEach
    void setUp() {
        fx = new ConfigFixture(dir);
    }

    VigilConfig load(String yaml) {
        LoadResult r = fx.load(yaml);
        assertTrue(r.ok(), dump(r));
        return r.config().orElseThrow();
    }

    @Test
    void hooksAndTheHttpEndpointAreAppliedEverythingElseNeedsARestart() {
        VigilConfig running = load(ConfigFixture.VALID);
        assertTrue(ConfigChanges.between(running, load(ConfigFixture.VALID)).none());
        Path hook = fx.write("hook.sh", "#!/bin/sh\n");
        hook.toFile().setExecutable(true);
        VigilConfig changed = load(ConfigFixture.VALID + "  http:\n    listen: 127.0.0.1\n  hooks:\n    - {path: " + hook
                + "}\n  state_dir: " + dir.resolve("state2") + "\n");
        ConfigChanges c = ConfigChanges.between(running, changed);
        assertEquals(List.of("node.http", "node.hooks"), c.applicable());
        assertEquals(List.of("node.state_dir"), c.restart());
        assertFalse(c.cluster());
    }

    @Test
    void aChangedClusterSectionNeedsEveryNodeRestarted() {
        VigilConfig running = load(ConfigFixture.VALID);
        ConfigChanges c = ConfigChanges.between(running, load(ConfigFixture.VALID.replace("name: maas", "name: maas2")));
        assertTrue(c.cluster());
        assertTrue(c.applicable().isEmpty() && c.restart().isEmpty(), c.toString());
    }

    @Test
    void theClientRulesAreAppliedTheRestOfThePostgresSectionNeedsARestart() {
        String pass = fx.replicationPasswordFile().toString();
        String withPg = PostgresConfigTest.WITH_PG.replace("PASS", pass);
        String rule = "    client_access:\n      - {database: maasdb, user: maas, address: 10.0.0.0/24}\n";
        VigilConfig running = load(withPg);
        ConfigChanges rules = ConfigChanges.between(running, load(withPg + rule));
        assertEquals(List.of("node.postgres.client_access"), rules.applicable());
        assertTrue(rules.restart().isEmpty(), rules.toString());

        ConfigChanges port = ConfigChanges.between(running, load(withPg + rule + "    port: 5433\n"));
        assertEquals(List.of("node.postgres"), port.restart(), "a port with the rules: all of it at the next start");
        assertTrue(port.applicable().isEmpty(), port.toString());
    }
}
