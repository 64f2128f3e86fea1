package vigil.daemon.vip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import vigil.config.VipSettings;
import vigil.core.node.Input;
import vigil.core.node.VipGroup;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.testkit.NetnsRig;

/**
 * The VIP carrier with real {@code ip} in a network namespace: which claims tell the listener (the service actions)
 * that a VIP was acquired, and which that it was kept. A claim of VIPs kept from start (a {@code vigilctl
 * restart-daemon} on the primary left them there) says "kept" for an address that never left the host; the service
 * actions then run again only if they had not completed before the restart (ServiceActionsTest).
 */
class VipCarrierIT {
    static final Duration LIMIT = Duration.ofSeconds(10);
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final Log log = new Log("n1", new PrintStream(logged, true, StandardCharsets.UTF_8), Priority.DEBUG);
    final List<Input> reported = new CopyOnWriteArrayList<>();
    final List<String> acquired = new CopyOnWriteArrayList<>();
    final List<String> kept = new CopyOnWriteArrayList<>();
    NetnsRig rig;
    VipCarrier carrier;
    String address;

    @BeforeEach
    void setUp() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NetnsRig.precondition().isEmpty(),
                () -> "VipCarrierIT needs root and network namespaces: " + NetnsRig.precondition().orElse(""));
        rig = NetnsRig.create(1);
        address = rig.address("n1").replaceAll("\\.\\d+$", ".200");
        VipSettings db = new VipSettings("db", address, 24, "eth0", "eth0:db", 1, Duration.ofMillis(50),
                Duration.ofSeconds(30));
        carrier = carrier(db, new VipDriver(List.of("ip", "netns", "exec", rig.ns("n1")), log));
    }

    /** A carrier of {@code db} on n1 that reports to this test and tells its listener calls to it. */
    VipCarrier carrier(VipSettings db, VipDriver driver) {
        VipCarrier c = new VipCarrier(List.of(db), driver, reported::add, () -> System.nanoTime() / 1_000_000, log);
        c.listener(new VipCarrier.Listener() {
            @Override public void acquired(String vip) { acquired.add(vip); }
            @Override public void kept(String vip) { kept.add(vip); }
            @Override public void released(String vip) { }
        });
        return c;
    }

    /**
     * The lease guard removes the VIPs while a claim runs: the claim's first VIP is on the host, its second still in its
     * duplicate-address check (100 ms). The loop hears of the removal first, then of the claim as failed, and the host
     * keeps neither: a "claimed" told after the removal would have the step count as held VIPs the host has not (and,
     * the other way round, a removal told while the step counts them held must be the truth of the host).
     */
    @Test
    void aClaimTheLeaseGuardsRemovalOverlapsIsToldAsFailedAfterTheRemoval() throws Exception {
        carrier.close();
        String second = address.replaceAll("\\.\\d+$", ".201");
        VipSettings db = new VipSettings("db", address, 24, "eth0", "eth0:db", 1, Duration.ofMillis(50), Duration.ofSeconds(30));
        VipSettings db2 = new VipSettings("db2", second, 24, "eth0", "eth0:db2", 1, Duration.ofMillis(50),
                Duration.ofSeconds(30));
        carrier = new VipCarrier(List.of(db, db2), new VipDriver(List.of("ip", "netns", "exec", rig.ns("n1")), log),
                reported::add, () -> System.nanoTime() / 1_000_000, log);
        carrier.up(VipGroup.PRIMARY, false, false);
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (rig.addresses("n1").stream().noneMatch(a -> a.startsWith(address + "/")) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(reported.isEmpty(), "the claim reported before its second VIP's check: " + reported);
        carrier.releaseNow("the lease guard fired");
        while (reported.size() < 2 && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(2, reported.size(), reported + " " + logged);
        Input.VipGuardReleased removal = assertInstanceOf(Input.VipGuardReleased.class, reported.get(0));
        assertEquals(VipGroup.PRIMARY, removal.group());
        assertTrue(removal.all(), removal.detail());
        Input.VipClaimed claim = assertInstanceOf(Input.VipClaimed.class, reported.get(1));
        assertEquals(Input.VipClaim.FAILED, claim.claim(), claim.detail());
        assertEquals(List.of(), rig.addresses("n1").stream().filter(a -> a.startsWith(address + "/")
                || a.startsWith(second + "/")).toList(), "all or nothing");
    }

    @AfterEach
    void tearDown() {
        if (carrier != null) carrier.close();
        if (rig != null) rig.close();
    }

    void placeByHand() {
        rig.exec(rig.ns("n1"), "ip", "addr", "add", address + "/24", "dev", "eth0", "label", "eth0:db")
                .orThrow("ip addr add " + address);
    }

    /** Claims, waits for the claim's report and for the listener (it runs right after, on the same thread). */
    Input.VipClaimed claim(boolean keptFromStart) throws InterruptedException {
        int before = reported.size();
        carrier.up(VipGroup.PRIMARY, false, keptFromStart);
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (reported.size() == before && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(reported.size() > before, "no claim reported within " + LIMIT + ": " + logged);
        // The listener runs after the report, on the carrier's one worker: a check queued behind it has run after it.
        carrier.check();
        while (reported.size() == before + 1 && System.nanoTime() < deadline) Thread.sleep(10);
        return (Input.VipClaimed) reported.get(before);
    }

    @Test
    void aVipKeptFromStartThatNeverLeftRunsNoServiceAction() throws Exception {
        placeByHand();
        Input.VipClaimed c = claim(true);
        assertEquals(Input.VipClaim.CLAIMED, c.claim(), c.detail());
        assertEquals(List.of(), acquired, "the address never left this host");
        assertEquals(List.of("db"), kept, "the service actions decide whether to run again");
        assertTrue(logged.toString().contains("event=vip_acquired vip=db") && logged.toString().contains("kept_from_start=true"),
                logged.toString());
    }

    @Test
    void aVipKeptFromStartButGoneFromTheHostIsAddedAndRunsItsActions() throws Exception {
        Input.VipClaimed c = claim(true);
        assertEquals(Input.VipClaim.CLAIMED, c.claim(), c.detail());
        assertEquals(List.of("db"), acquired);
        assertEquals(List.of(), kept);
        assertTrue(rig.addresses("n1").stream().anyMatch(a -> a.startsWith(address)), rig.addresses("n1").toString());
    }

    @Test
    void anyOtherClaimRunsTheActionsEvenOfAnAddressAlreadyThere() throws Exception {
        placeByHand();
        Input.VipClaimed c = claim(false);
        assertEquals(Input.VipClaim.CLAIMED, c.claim(), c.detail());
        assertEquals(List.of("db"), acquired);
    }
    /**
     * While a VIP is held it is announced again every {@code reannounce_interval} (here 200 ms, 10 s shipped): the
     * claim's own announcement is logged, each arping once, but not the repeats that succeed like the one before (they
     * were two journal lines every 10 s per VIP for as long as it was held).
     */
    @Test
    void repeatedAnnouncementsThatSucceedAreNotLogged() throws Exception {
        carrier.close();
        VipSettings db = new VipSettings("db", address, 24, "eth0", "eth0:db", 1, Duration.ofMillis(50),
                Duration.ofMillis(200));
        VipDriver driver = new VipDriver(List.of("ip", "netns", "exec", rig.ns("n1")), log);
        carrier = carrier(db, driver);
        Input.VipClaimed c = claim(false);
        assertEquals(Input.VipClaim.CLAIMED, c.claim(), c.detail());
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (driver.reannounced() < 6 && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(driver.reannounced() >= 6, "three rounds of repeated announcements ran: " + driver.reannounced());
        List<String> arpings = logged.toString().lines()
                .filter(l -> l.contains("event=command") && l.contains("arping") && !l.contains("-D")).toList();
        assertEquals(2, arpings.size(), "the claim's -U and -A only: " + arpings);
    }
}
