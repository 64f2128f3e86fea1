package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cluster.vips[].follows} and {@code node.track}: the VIPs placed by checks, and the checks behind them. */
class TrackConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fx;

    @BeforeEach
    void setUp() {
        fx = new ConfigFixture(dir);
    }

    LoadResult load(String vips, String node) {
        return fx.load(ConfigFixture.VALID.replace("node:\n", "  vips:\n" + vips + "node:\n") + node);
    }

    @Test
    void aVipThatFollowsChecksAndTheChecksAreRead() {
        LoadResult r = load("""
                    - {name: db, address: 10.232.0.100, prefix: 24, device: lo}
                    - {name: region, address: 10.232.0.101, prefix: 24, device: lo, follows: checks}
                """, """
                  track:
                    - {unit: apache2}
                    - {command: "/usr/bin/test -e /run/maas-ok"}
                  track_interval: 500ms
                  track_timeout: 400ms
                  track_fall: 3
                """);
        assertTrue(r.ok(), dump(r));
        VigilConfig c = r.config().orElseThrow();
        assertEquals(List.of(false, true), c.cluster().vips().stream().map(VipSettings::followsChecks).toList());
        TrackSettings t = c.node().track();
        assertEquals(List.of(List.of("systemctl", "is-active", "--quiet", "apache2"), List.of("/usr/bin/test", "-e", "/run/maas-ok")),
                t.checks().stream().map(TrackSettings.Check::argv).toList());
        assertEquals(List.of("unit apache2", "/usr/bin/test -e /run/maas-ok"), t.checks().stream().map(TrackSettings.Check::label).toList());
        assertEquals(new TrackSettings(t.checks(), Duration.ofMillis(500), Duration.ofMillis(400), 3, TrackSettings.DEFAULT_RISE), t);
    }

    @Test
    void anUnknownPlacementIsRefused() {
        ConfigFixture.assertError(load("    - {name: db, address: 10.232.0.100, prefix: 24, device: lo, follows: standby}\n", ""),
                "cluster.vips[0].follows", 14, 74, "unknown placement \"standby\" — write primary");
    }

    @Test
    void checksWithoutAVipThatFollowsThemAreRefused() {
        ConfigFixture.assertError(load("    - {name: db, address: 10.232.0.100, prefix: 24, device: lo}\n",
                "  track:\n    - {unit: apache2}\n"), "node.track", 17, 3, "no VIP of cluster.vips follows checks");
    }

    @Test
    void aCheckNeedsExactlyOneOfUnitAndCommandAndATimeoutWithinTheInterval() {
        String vip = "    - {name: region, address: 10.232.0.101, prefix: 24, device: lo, follows: checks}\n";
        ConfigFixture.assertError(load(vip, "  track:\n    - {unit: apache2, command: /usr/bin/true}\n"), "node.track[0]", 18, 7,
                "both unit and command are given");
        ConfigFixture.assertError(load(vip, "  track:\n    - {command: \"bin/check\"}\n"), "node.track[0].command", 18, 17,
                "is not an absolute path");
        ConfigFixture.assertError(load(vip, "  track_interval: 1s\n  track_timeout: 2s\n"), "node.track_timeout", 18, 18,
                "is longer than node.track_interval");
    }
}
