package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import vigil.testkit.ExecResult;
import vigil.testkit.LogEvent;
import vigil.testkit.NetnsRig;
import vigil.testkit.PgOptions;
import vigil.testkit.RigException;
import vigil.testkit.RigWatchdog;
import vigil.testkit.Timing;
import vigil.testkit.VigilCluster;

/**
 * The database VIP on three real vigild with PostgreSQL 15 in network namespaces, with the shipped defaults (a
 * failover needs a proof: here the test watchdog device; no failover_without_fencing). A stale holder on the LAN
 * blocks the claim until it is gone; the VIP is on the primary only, and clients reach the primary through it; when the
 * primary's host crashes it moves to the new primary, and the client's neighbour entry names the new MAC within 1 s of
 * the promotion without the client sending anything (gratuitous ARP); the crashed node comes back and does not take it;
 * a holder cut off from the others drops the VIP before its lease ends.
 * Every node's addresses are watched throughout: the VIP is never answered for by two live nodes. Needs root.
 */
class VipIT {
    private static final Duration SETTLE = Duration.ofSeconds(150);
    private NetnsRig rig;
    private VigilCluster cluster;

    @AfterEach
    void cleanUp() {
        if (cluster != null) cluster.close();
        if (rig != null) rig.close();
    }

    @Test
    void theDbVipFollowsThePrimaryAndTheLanLearnsItAtOnce() {
        Optional<String> why = NetnsRig.precondition();
        org.junit.jupiter.api.Assumptions.assumeTrue(why.isEmpty(), why.orElse(""));
        rig = NetnsRig.create(3);
        String vip = rig.dbVip();
        String client = NetnsRig.CLIENT;
        // A stale holder: the client namespace answers for the VIP before the cluster starts.
        rig.exec(rig.clientNs(), "ip", "addr", "add", vip + "/24", "dev", "eth0").orThrow("stale holder");
        cluster = VigilCluster.clusterWithPrimary(rig, Timing.DEFAULT, PgOptions.PROOF_REQUIRED, SETTLE,
                RigWatchdog.DEFAULT, true);
        String p = cluster.pg().awaitPrimaryWithStandbys(SETTLE);
        LogEvent conflict = cluster.awaitEvent(p + " refusing to claim an address another host answers for",
                Duration.ofSeconds(20), e -> e.node().equals(p) && e.is("vip_conflict"));
        assertEquals("VIP_HELD_ELSEWHERE", conflict.field("reason").orElse(""), conflict.toString());
        assertEquals(List.of(), holders(), "nobody claims it while the stale holder answers");
        rig.exec(rig.clientNs(), "ip", "addr", "del", vip + "/24", "dev", "eth0").orThrow("stale holder gone");
        await("the VIP on " + p, Duration.ofSeconds(20), () -> holders().equals(List.of(p)));
        assertEquals("f", psqlThroughVip("SELECT pg_is_in_recovery()"), "the VIP reaches the primary");
        String macP = rig.mac(p);
        assertEquals(Optional.of(macP), neighbour(vip), "the client learned the VIP at " + p + "'s MAC by connecting");

        // Its postmaster crashes: PostgreSQL is restarted in place and the VIP stays on p throughout (its clients are
        // refused at once instead of sending into the void until it is claimed again).
        double crash = cluster.pg().kill9Postmaster(p);
        long restartBy = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (cluster.events(p).stream().noneMatch(e -> e.monoMs() > crash && e.is("pg_action_done")
                && e.field("action").filter(a -> a.startsWith("StartPrimary[")).isPresent())) {
            assertEquals(List.of(p), holders(), "the VIP stays on " + p + " while its PostgreSQL restarts in place");
            if (System.nanoTime() > restartBy) throw new AssertionError("no restart in place\n" + cluster.dumpLogs(40));
            pause();
        }
        assertEquals(p, cluster.pg().awaitPrimaryWithStandbys(SETTLE), "restarted in place");
        assertEquals(List.of(), cluster.events(p).stream().filter(e -> e.monoMs() > crash && e.is("vip_released"))
                .toList(), "the VIP was never released");
        assertEquals("f", psqlThroughVip("SELECT pg_is_in_recovery()"), "the VIP reaches the restarted primary");

        // The primary's host crashes: every process gone, cable pulled, addresses lost as in a reboot.
        double fault = VigilCluster.monoNowMs();
        cluster.kill9Vigild(p);
        rig.killAll(rig.ns(p));
        rig.linkDown(p);
        rig.forgetAddresses(p);
        List<String> watched = new ArrayList<>();
        String macQ = null;
        double learned = -1;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String q = null;
        while (System.nanoTime() < deadline) {
            List<String> h = holders();
            if (h.size() > 1) throw new AssertionError("the VIP is on two live nodes: " + h);
            if (!h.isEmpty() && !h.equals(watched)) watched = h;
            if (!h.isEmpty() && !h.get(0).equals(p)) {
                q = h.get(0);
                macQ = rig.mac(q);
                Optional<String> n = neighbour(vip);
                if (n.equals(Optional.of(macQ))) {
                    learned = VigilCluster.monoNowMs();
                    break;
                }
            }
            pause();
        }
        if (learned < 0) throw new AssertionError("the client never learned the VIP's new MAC; holders " + watched
                + ", neighbour " + neighbour(vip) + "\n" + cluster.dumpLogs(40));
        String newPrimary = q;
        // pg_promote's own end (the command line returning 0): the Promote action ends later, after a reload, and the
        // VIP may be claimed in between, as soon as a probe sees the primary.
        LogEvent promoted = cluster.awaitEvent("the promotion of " + newPrimary, Duration.ofSeconds(10),
                e -> e.node().equals(newPrimary) && e.monoMs() > fault && e.is("command")
                        && e.field("argv").filter(a -> a.contains("pg_promote")).isPresent()
                        && e.field("exit").filter("0"::equals).isPresent());
        LogEvent acquired = cluster.awaitEvent(q + " acquiring the VIP", Duration.ofSeconds(5),
                e -> e.node().equals(newPrimary) && e.monoMs() > fault && e.is("vip_acquired"));
        double vipMove = learned - promoted.monoMs();
        System.out.printf("db VIP: %s crashed; %s promoted %+.0f ms, VIP acquired %+.0f ms (claim %s ms, checked"
                        + " in the claim: %s), client's neighbour entry at %s's MAC %+.0f ms; %.0f ms after the promotion%n",
                p, q, promoted.monoMs() - fault, acquired.monoMs() - fault, acquired.field("duration_ms").orElse("?"),
                acquired.field("checked_in_claim").orElse("?"), q, learned - fault, vipMove);
        assertTrue(vipMove <= 1000, "the LAN learned the new holder " + vipMove + " ms after the promotion (limit 1 s)");
        assertEquals("f", psqlThroughVip("SELECT pg_is_in_recovery()"), "the VIP reaches the new primary");

        // The crashed node comes back: it does not take the VIP, and the client stays with the new holder.
        rig.linkUp(p);
        cluster.startNode(p);
        cluster.pg().await(p + " streaming from " + q, Duration.ofSeconds(90),
                m -> vigil.testkit.PgNodes.primaryWithStandbys(m, cluster.nodes()).filter(newPrimary::equals));
        assertEquals(List.of(q), holders(), "the VIP stays on " + q);
        assertEquals(Optional.of(macQ), neighbour(vip));

        // The holder is cut off from the others (cable pulled, processes alive): it drops the VIP before its lease ends.
        double cut = cluster.isolate(q);
        LogEvent stepDown = cluster.awaitEvent(q + " losing its lease", Duration.ofSeconds(10),
                e -> e.node().equals(newPrimary) && e.monoMs() > cut && e.is("role") && e.roleFrom().equals("leader"));
        LogEvent released = cluster.awaitEvent(q + " releasing the VIP", Duration.ofSeconds(10),
                e -> e.node().equals(newPrimary) && e.monoMs() > cut && e.is("vip_released"));
        double leaseEnd = stepDown.mono("lease_ended_mono_ms");
        System.out.printf("partitioned holder %s: VIP released %+.0f ms after the cut, %.0f ms before its lease ended%n",
                q, released.monoMs() - cut, leaseEnd - released.monoMs());
        assertTrue(released.monoMs() < leaseEnd, "released before the lease ended: " + released + " / " + stepDown);
        assertTrue(!rig.addresses(q).contains(vip + "/24"), "the VIP is gone from " + q + ": " + rig.addresses(q));
        cluster.heal(q);
    }

    /** The live nodes (link up) whose eth0 has the VIP now. */
    private List<String> holders() {
        List<String> out = new ArrayList<>();
        for (String n : rig.nodes()) {
            if (rig.addresses(n).contains(rig.dbVip() + "/24") && linkUp(n)) out.add(n);
        }
        return out;
    }

    private boolean linkUp(String n) {
        ExecResult r = rig.exec(rig.ns(n), "cat", "/sys/class/net/eth0/carrier");
        return r.output().trim().equals("1");
    }

    /** The client's neighbour entry for {@code address}: its MAC, if it has a usable one. */
    private Optional<String> neighbour(String address) {
        String out = rig.exec(rig.clientNs(), "ip", "neigh", "show", address, "dev", "eth0").output().trim();
        String[] f = out.split("\\s+");
        for (int i = 0; i + 1 < f.length; i++) {
            if (f[i].equals("lladdr") && !out.contains("FAILED")) return Optional.of(f[i + 1]);
        }
        return Optional.empty();
    }

    private String psqlThroughVip(String sql) {
        ExecResult r = rig.exec(rig.clientNs(), Duration.ofSeconds(10), PgOptions.BINDIR.resolve("psql").toString(),
                "-X", "-A", "-t", "-h", rig.dbVip(), "-p", Integer.toString(PgOptions.PORT), "-U",
                vigil.testkit.PgNodes.WRITER_ROLE, "-d", "postgres", "-c", sql);
        if (r.exitCode() != 0) throw new RigException("psql through the VIP failed: " + r.output());
        return r.output().trim();
    }

    private static void await(String what, Duration limit, Supplier<Boolean> ok) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!ok.get()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + limit + ": " + what);
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RigException("interrupted");
        }
    }
}
