package vigil.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The namespace rig with stand-in processes (python http.server, sleep): no vigild needed. */
class NetnsRigIT {
    private static NetnsRig rig;
    private static NodeProcess server;

    @BeforeAll
    static void up() {
        assumeTrue(NetnsRig.precondition().isEmpty(), () -> "skipped: " + NetnsRig.precondition().orElse(""));
        rig = NetnsRig.create(2);
        server = rig.start(rig.ns("n1"),
                List.of("python3", "-m", "http.server", "8000", "--bind", rig.address("n1")),
                Map.of(), rig.runDir().resolve("n1/http.log"));
        await("http server in n1 reachable from the client", Duration.ofSeconds(20), () -> clientReaches("n1"));
    }

    @AfterAll
    static void down() {
        if (rig != null) {
            rig.close();
        }
    }

    private static boolean clientReaches(String node) {
        String py = "import socket; socket.create_connection(('" + rig.address(node) + "', 8000), timeout=0.5)";
        return rig.exec(rig.clientNs(), "python3", "-c", py).ok();
    }

    static void await(String what, Duration limit, BooleanSupplier cond) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit + ": " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void addressesFollowTheRunSubnet() {
        int x = rig.subnet();
        assertTrue(x >= 1 && x <= 250);
        assertEquals("10.232." + x + ".11", rig.address("n1"));
        assertEquals("10.232." + x + ".12", rig.address("n2"));
        assertEquals("10.232." + x + ".100", rig.address(NetnsRig.CLIENT));
        String addrs = rig.exec(rig.ns("n2"), "ip", "-4", "addr", "show").output();
        assertTrue(addrs.contains("10.232." + x + ".12/24"), addrs);
        assertTrue(addrs.contains("127.0.0.1"), "loopback up: " + addrs);
    }

    @Test
    void startedPidIsTheProcessItselfAndListedInItsNamespace() {
        assertTrue(ProcFs.comm(server.pid()).orElse("").startsWith("python"), "ip netns exec execs the target");
        assertTrue(rig.pidsIn(rig.ns("n1")).contains(server.pid()));
        assertFalse(rig.pidsIn(rig.ns("n2")).contains(server.pid()));
    }

    @Test
    void linkDownCutsTheNodeOffAndLinkUpRestoresIt() {
        rig.linkDown("n1");
        try {
            await("n1 unreachable with link down", Duration.ofSeconds(10), () -> !clientReaches("n1"));
        } finally {
            rig.linkUp("n1");
        }
        await("n1 reachable again after link up", Duration.ofSeconds(20), () -> clientReaches("n1"));
    }

    @Test
    void fullPacketLossCutsAndZeroRestores() {
        rig.loss("n1", 30);
        assertTrue(rig.exec(rig.ns("n1"), "nft", "list", "ruleset").output().contains("numgen random mod 100 < 30"));
        rig.loss("n1", 100);
        try {
            assertFalse(clientReaches("n1"), "100% loss drops the handshake");
        } finally {
            rig.loss("n1", 0);
        }
        await("n1 reachable after loss removed", Duration.ofSeconds(20), () -> clientReaches("n1"));
    }

    @Test
    void stopContAndKillAllInANamespace() {
        NodeProcess sleeper = rig.start(rig.ns("n2"), List.of("sleep", "300"), Map.of(),
                rig.runDir().resolve("n2/sleep.log"));
        await("sleep visible in n2", Duration.ofSeconds(5), () -> rig.pidsIn(rig.ns("n2")).contains(sleeper.pid()));
        rig.sigstop(sleeper.pid());
        await("state T after SIGSTOP", Duration.ofSeconds(5), () -> state(sleeper.pid()).equals("T"));
        rig.sigcont(sleeper.pid());
        await("running after SIGCONT", Duration.ofSeconds(5), () -> !state(sleeper.pid()).equals("T"));
        rig.killAll(rig.ns("n2"));
        assertTrue(rig.pidsIn(rig.ns("n2")).isEmpty());
        assertFalse(sleeper.isAlive());
    }

    private static String state(long pid) {
        return ProcFs.statFields(pid).map(f -> f[0]).orElse("?");
    }

    @Test
    void sweepDeletesNamespacesOfADeadRigOnly() throws Exception {
        String fakeRun = "ffff" + rig.runId().substring(0, 2);
        String ns = "vg" + fakeRun + "n1";
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        java.nio.file.Files.writeString(StaleRuns.pidFile(fakeRun), dead.pid() + " 1\n");
        Shell.run(Duration.ofSeconds(5), "ip", "netns", "add", ns).orThrow("ip netns add");
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", ns, "sleep", "300");
        Process orphan = pb.start();
        await("sleep in fake ns", Duration.ofSeconds(5), () -> NetnsRig.pidsOf(ns).contains(orphan.pid()));

        List<String> swept = NetnsRig.sweepStale();

        assertTrue(swept.contains(ns), "swept " + swept);
        assertFalse(NetnsRig.listNamespaces().contains(ns));
        assertTrue(NetnsRig.listNamespaces().contains(rig.ns("n1")), "a live rig is left alone");
        assertFalse(java.nio.file.Files.exists(StaleRuns.pidFile(fakeRun)));
        orphan.waitFor();
    }

    @Test
    void closeRemovesNamespacesAndProcesses() {
        NetnsRig other = NetnsRig.create(1);
        NodeProcess p = other.start(other.ns("n1"), List.of("sleep", "300"), Map.of(),
                Path.of(other.runDir().toString(), "n1", "sleep.log"));
        other.close();
        assertFalse(p.isAlive());
        assertTrue(NetnsRig.listNamespaces().stream().noneMatch(n -> n.startsWith("vg" + other.runId())));
        assertFalse(java.nio.file.Files.exists(StaleRuns.pidFile(other.runId())));
    }
}
