package vigil.daemon.vip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.testkit.NetnsRig;

/**
 * The VIP driver with real {@code ip} and {@code arping} in network namespaces: two hosts and a client on one
 * bridge. Proves the duplicate-address check and that gratuitous ARP moves the client's neighbour entry to the new
 * holder's MAC without the client sending anything.
 */
class VipDriverIT {
    static final Duration LIMIT = Duration.ofSeconds(5);
    /** The duplicate-address check's deadline: short, so that it costs a failover almost nothing. */
    static final Duration DAD = Duration.ofMillis(300);
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final Log log = new Log("vip", new PrintStream(logged, true, StandardCharsets.UTF_8), Priority.DEBUG);
    NetnsRig rig;

    @BeforeEach
    void setUp() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NetnsRig.precondition().isEmpty(),
                () -> "VipDriverIT needs root and network namespaces: " + NetnsRig.precondition().orElse(""));
        rig = NetnsRig.create(2);
    }

    @AfterEach
    void tearDown() {
        if (rig != null) rig.close();
    }

    VipDriver driver(String node) {
        return new VipDriver(List.of("ip", "netns", "exec", rig.ns(node)), log);
    }

    String mac(String member) {
        String out = rig.exec(rig.ns(member), "ip", "-o", "link", "show", "eth0").orThrow("link of " + member).output();
        Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }

    /** A TCP connection attempt from the client (refused: nothing listens), which makes its kernel resolve the address. */
    void touch(String address) {
        rig.exec(rig.clientNs(), Duration.ofSeconds(5), "timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/" + address + "/9");
    }

    String clientEntry(String address) {
        return rig.exec(rig.clientNs(), "ip", "neigh", "show", address).output().strip();
    }

    @Test
    void aClaimChecksForAnOwnerAddsAndAnnouncesAndTheClientFollowsTheMove() throws Exception {
        String address = rig.address("n1").replaceAll("\\.\\d+$", ".200");
        Vip vip = new Vip("db", address, 24, "eth0", "eth0:db");
        VipDriver n1 = driver("n1");
        VipDriver n2 = driver("n2");

        assertEquals(VipDriver.Claim.CLAIMED, n1.claim(vip, DAD).claim(), logged.toString());
        assertTrue(n1.held(vip));
        assertEquals(VipDriver.Claim.ALREADY_HELD, n1.claim(vip, java.time.Duration.ZERO).claim(),
                "a claim without a check on a host that has it: ip says so, it is announced again");
        touch(address); // the client resolves the VIP: its neighbour table gets n1's MAC
        assertTrue(clientEntry(address).contains(mac("n1")), clientEntry(address));

        VipDriver.Outcome dup = n2.claim(vip, DAD);
        assertEquals(VipDriver.Claim.DUPLICATE, dup.claim(), dup + "\n" + logged);
        assertFalse(n2.held(vip), "nothing added beside a live holder");

        assertEquals(VipDriver.Release.RELEASED, n1.release(vip));
        assertFalse(n1.held(vip));
        assertEquals(VipDriver.Release.NOT_HELD, n1.release(vip));
        long claimStart = System.nanoTime();
        assertEquals(VipDriver.Claim.CLAIMED, n2.claim(vip, DAD).claim(), logged.toString());
        long claimedAt = System.nanoTime(); // the address is on n2 and the announcement is on its way
        String n2mac = mac("n2");
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!clientEntry(address).contains(n2mac)) { // the client sends nothing: only gratuitous ARP can do this
            assertTrue(System.nanoTime() < deadline, "the client still has " + clientEntry(address) + ", not " + n2mac
                    + "\n" + logged);
            Thread.sleep(20);
        }
        long movedMs = (System.nanoTime() - claimedAt) / 1_000_000;
        System.out.printf("VIP %s moved n1 -> n2: claim %d ms (duplicate-address check %d ms); the client's neighbour"
                + " entry names n2's MAC %d ms after the claim returned%n", address,
                (claimedAt - claimStart) / 1_000_000, DAD.toMillis(), movedMs);
        assertTrue(movedMs < 1000, "gratuitous ARP, not the client's own re-resolution, moved the entry: " + movedMs + " ms");
        assertTrue(logged.toString().contains("argv=\"[ip, netns, exec, " + rig.ns("n2") + ", ip, addr, add, " + address
                + "/24, dev, eth0, label, eth0:db]\" exit=0"), logged.toString());
    }
}
