package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.assertError;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cluster.vips}: what a VIP is made of, and the combinations that could not work refused at load. */
class VipConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fx;

    @BeforeEach
    void setUp() {
        fx = new ConfigFixture(dir);
    }

    /** The VIP list starts on line 13 (after security), its first entry on line 14. */
    LoadResult load(String vips) {
        return fx.load(ConfigFixture.VALID.replace("node:\n", "  vips:\n" + vips + "node:\n"));
    }

    @Test
    void vipsAreReadWithDefaultsAndALabelPerVip() {
        LoadResult r = load("""
                    - {name: db, address: 10.232.0.100, prefix: 24, device: lo}
                    - {name: region, address: 10.232.0.101, prefix: 24, device: lo, announce_count: 1,
                       announce_interval: 50ms, reannounce_interval: 30s}
                """);
        assertTrue(r.ok(), dump(r));
        assertEquals(List.of(
                new VipSettings("db", "10.232.0.100", 24, "lo", "lo:db", 3, Duration.ofMillis(200), Duration.ofSeconds(10)),
                new VipSettings("region", "10.232.0.101", 24, "lo", "lo:region", 1, Duration.ofMillis(50), Duration.ofSeconds(30))),
                r.config().orElseThrow().cluster().vips());
    }

    @Test
    void theVipsAreInTheClusterHash() {
        String without = fx.load(ConfigFixture.VALID).config().orElseThrow().clusterHash();
        String with = load("    - {name: db, address: 10.232.0.100, prefix: 24, device: lo}\n").config().orElseThrow().clusterHash();
        String moved = load("    - {name: db, address: 10.232.0.100, prefix: 25, device: lo}\n").config().orElseThrow().clusterHash();
        assertNotEquals(without, with);
        assertNotEquals(with, moved, "a different prefix is a different cluster section");
    }

    @Test
    void anIpv6AddressIsRefusedForNow() {
        assertError(load("    - {name: db, address: 'fd00::100', prefix: 64, device: lo}\n"), "cluster.vips[0].address", 14,
                27, "is not an IPv4 address — write e.g. 10.0.0.100 (IPv6 VIPs are not supported yet");
    }

    @Test
    void aMissingDeviceOnADataNodeIsAnError() {
        assertError(load("    - {name: db, address: 10.232.0.100, prefix: 24, device: nosuch9}\n"), "cluster.vips[0].device",
                14, 61, "this host has no network interface nosuch9");
    }

    @Test
    void aLabelLongerThanIpAcceptsIsAnError() {
        assertError(load("    - {name: a-very-long-vip, address: 10.232.0.100, prefix: 24, device: lo}\n"),
                "cluster.vips[0].name", 14, 14, "is longer than 15 characters, which ip refuses — use a shorter VIP name"
                        + " (at most 12 characters on lo)");
    }

    @Test
    void duplicateNamesAndAddressesAreErrors() {
        LoadResult r = load("""
                    - {name: db, address: 10.232.0.100, prefix: 24, device: lo}
                    - {name: db, address: 10.232.0.100, prefix: 24, device: lo}
                """);
        assertError(r, "cluster.vips[1].name", 15, 14, "VIP name \"db\" is used twice");
        assertError(r, "cluster.vips[1].address", 15, 27, "VIP address 10.232.0.100 is listed twice");
    }

    @Test
    void aMembersOwnAddressIsNotAVip() {
        assertError(load("    - {name: db, address: 10.232.1.12, prefix: 24, device: lo}\n"), "cluster.vips[0].address", 14,
                27, "VIP address 10.232.1.12 is member n2's own address");
    }

    @Test
    void aPrefixOutOfRangeIsAnError() {
        assertError(load("    - {name: db, address: 10.232.0.100, prefix: 33, device: lo}\n"), "cluster.vips[0].prefix", 14,
                49, "prefix");
    }

    @Test
    void postgresMustListenOnTheWildcardWhenClientsComeThroughAVip() {
        String pg = "  postgres: {}\n  vips:\n    - {name: db, address: 10.232.0.100, prefix: 24, device: lo}\nnode:\n";
        String yaml = ConfigFixture.VALID.replace("node:\n", pg) + "  postgres:\n    data_dir: /var/lib/postgresql/15/main\n";
        LoadResult r = fx.load(yaml);
        assertError(r, "node.postgres.listen_address", 18, 3, "set listen_address: 0.0.0.0");
        assertTrue(fx.load(yaml + "    listen_address: 0.0.0.0\n").ok());
    }
}
