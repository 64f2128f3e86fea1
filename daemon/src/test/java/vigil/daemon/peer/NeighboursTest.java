package vigil.daemon.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import vigil.daemon.exec.BoundedCommand;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/** When a silent peer's neighbour entry is deleted and its datagram sent again, and when it is left alone. */
class NeighboursTest {
    static final long SILENT_AFTER = 300;
    static final long WINDOW = 3000;

    /** A neighbour table the test sets: entries by address, carrier by device; deletes recorded. */
    static final class FakeTable implements Neighbours.Table {
        final Map<String, Neighbours.Entry> entries = new HashMap<>();
        final Map<String, Boolean> carrier = new HashMap<>();
        final List<String> forgotten = new ArrayList<>();
        int exit = 0;

        @Override public Neighbours.Entry entry(String address) { return entries.get(address); }
        @Override public boolean carrier(String device) { return carrier.getOrDefault(device, false); }
        @Override public BoundedCommand.Ran forget(String address, String device) {
            List<String> gone = address != null ? List.of(address) : entries.entrySet().stream()
                    .filter(e -> e.getValue().device().equals(device) && !e.getValue().resolved()).map(Map.Entry::getKey)
                    .sorted().toList();
            forgotten.add(String.join(",", gone) + "@" + device);
            if (exit == 0) gone.forEach(entries::remove);
            return new BoundedCommand.Ran(exit, exit == 0 ? "" : "RTNETLINK answers: Operation not permitted", false, false, 3);
        }
        @Override public List<String> forgetArgv(String address, String device) {
            return address != null ? List.of("ip", "-4", "neigh", "del", address, "dev", device)
                    : List.of("ip", "-4", "neigh", "flush", "dev", device, "nud", "incomplete", "nud", "failed");
        }
    }

    final AtomicLong now = new AtomicLong(1_000);
    final FakeTable table = new FakeTable();
    final List<String> resent = new ArrayList<>();
    record Logged(Priority priority, String event, Map<String, String> fields) {
    }

    final List<Logged> logged = new ArrayList<>();
    final Neighbours neighbours = new Neighbours(Map.of("n2", "10.232.1.2", "n3", "10.232.1.3"), table, resent::add,
            now::get, log(), SILENT_AFTER, WINDOW);

    Log log() {
        Log log = new Log("n1", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Priority.ERR);
        log.tap((priority, event, fields, line) -> logged.add(new Logged(priority, event, fields)));
        return log;
    }

    /** Time passes with {@code peers} heard every half silence: none of them is silent or returning afterwards. */
    void heardSteadily(long ms, String... peers) {
        for (long t = 0; t < ms; t += SILENT_AFTER / 2) {
            now.addAndGet(SILENT_AFTER / 2);
            for (String p : peers) neighbours.heard(p);
        }
    }

    Neighbours.Entry unresolved() {
        return new Neighbours.Entry("eth0", false);
    }

    @Test
    void anUnresolvedEntryOfASilentPeerIsDeletedOnceTheCarrierIsBackAndItsDatagramSentAgain() {
        neighbours.heard("n2");
        neighbours.heard("n3");
        table.entries.put("10.232.1.2", unresolved());
        table.carrier.put("eth0", false);
        now.addAndGet(SILENT_AFTER + 1);
        assertTrue(neighbours.check(now.get()), "silent peers are looked at again");
        assertEquals(List.of(), table.forgotten, "with no carrier a new ARP request would be lost as well");

        table.carrier.put("eth0", true);
        now.addAndGet(Neighbours.POLL_MS);
        assertTrue(neighbours.check(now.get()));
        assertEquals(List.of("10.232.1.2@eth0"), table.forgotten);
        assertEquals(List.of("n2"), resent);
        assertEquals(1, logged.size());
        Logged l = logged.get(0);
        assertEquals(Priority.INFO, l.priority(), "the first delete of a silence is news");
        assertEquals("neighbour_forgotten", l.event());
        assertEquals("n2", l.fields().get("peer"));
        assertEquals("PEER_SILENT_ENTRY_UNRESOLVED", l.fields().get("reason"));
        assertEquals(String.valueOf(SILENT_AFTER + 1 + Neighbours.POLL_MS), l.fields().get("silent_ms"));
        assertEquals("[ip, -4, neigh, flush, dev, eth0, nud, incomplete, nud, failed]", l.fields().get("argv"),
                "the link came back (seen without carrier): every unresolved entry on it");
        assertEquals("0", l.fields().get("exit"));
    }

    /** A client's SYN-ACK waits in the same kind of entry after the link came back: it goes in the same flush. */
    @Test
    void onceTheLinkComesBackEveryUnresolvedEntryOnThatDeviceGoesAndNothingElse() {
        neighbours.heard("n3");
        table.entries.put("10.232.1.2", unresolved());
        table.carrier.put("eth0", false);
        now.addAndGet(SILENT_AFTER + 1);
        neighbours.check(now.get());
        table.carrier.put("eth0", true);
        table.entries.put("10.232.1.2", unresolved());
        table.entries.put("10.232.1.50", unresolved()); // a client
        table.entries.put("10.232.1.51", new Neighbours.Entry("eth0", true));
        table.entries.put("192.0.2.9", new Neighbours.Entry("eth1", false));
        now.addAndGet(Neighbours.POLL_MS);
        neighbours.check(now.get());
        assertEquals(List.of("10.232.1.2,10.232.1.50@eth0"), table.forgotten);
        assertEquals(java.util.Set.of("10.232.1.51", "192.0.2.9"), table.entries.keySet());
        table.entries.put("10.232.1.2", unresolved());
        table.entries.put("10.232.1.50", unresolved());
        now.addAndGet(Neighbours.RETRY_MS);
        neighbours.check(now.get());
        assertEquals("10.232.1.2@eth0", table.forgotten.get(1), "once per link return; then the peer's own only");
        assertTrue(table.entries.containsKey("10.232.1.50"));
    }

    /** Without a link that came back, a stranger's waiting connection is not failed: the peer's own entry only. */
    @Test
    void withoutALinkThatCameBackOnlyThePeersOwnEntryGoes() {
        neighbours.heard("n3");
        table.carrier.put("eth0", true);
        table.entries.put("10.232.1.2", unresolved());
        table.entries.put("10.232.1.50", unresolved());
        now.addAndGet(SILENT_AFTER + 1);
        neighbours.check(now.get());
        assertEquals(List.of("10.232.1.2@eth0"), table.forgotten);
        assertTrue(table.entries.containsKey("10.232.1.50"));
        assertEquals("[ip, -4, neigh, del, 10.232.1.2, dev, eth0]", logged.get(0).fields().get("argv"));
    }

    @Test
    void aResolvedEntryOrAPeerThatIsHeardIsLeftAlone() {
        table.carrier.put("eth0", true);
        table.entries.put("10.232.1.2", new Neighbours.Entry("eth0", true));
        table.entries.put("10.232.1.3", unresolved());
        heardSteadily(SILENT_AFTER + 1, "n3");
        assertTrue(neighbours.check(now.get()), "n2 is silent");
        assertEquals(List.of(), table.forgotten, "n2's entry has an address; n3 is heard");
        assertEquals(List.of(), resent);
    }

    @Test
    void aSilenceLongerThanTheWindowCostsNothing() {
        table.carrier.put("eth0", true);
        table.entries.put("10.232.1.2", unresolved());
        table.entries.put("10.232.1.3", unresolved());
        now.addAndGet(WINDOW + 1);
        assertFalse(neighbours.check(now.get()), "nobody is silent within the window: stop looking");
        assertEquals(List.of(), table.forgotten);
    }

    @Test
    void aDeletedEntryIsDeletedAgainOnlyAfterTheRetryInterval() {
        table.carrier.put("eth0", true);
        neighbours.heard("n3");
        table.entries.put("10.232.1.2", unresolved());
        now.addAndGet(SILENT_AFTER + 1);
        neighbours.check(now.get());
        table.entries.put("10.232.1.2", unresolved()); // the resent datagram made a new entry; its request was lost
        now.addAndGet(Neighbours.POLL_MS);
        neighbours.check(now.get());
        assertEquals(1, table.forgotten.size(), "not again within " + Neighbours.RETRY_MS + " ms");
        now.addAndGet(Neighbours.RETRY_MS);
        neighbours.check(now.get());
        assertEquals(2, table.forgotten.size());
        assertEquals(List.of(Priority.INFO, Priority.DEBUG), logged.stream().map(Logged::priority).toList(),
                "the second delete of one silence is not news");
    }

    @Test
    void aFailedDeleteIsLoggedAsAWarningAndNothingIsResent() {
        table.carrier.put("eth0", true);
        table.exit = 2;
        neighbours.heard("n3");
        table.entries.put("10.232.1.2", unresolved());
        now.addAndGet(SILENT_AFTER + 1);
        neighbours.check(now.get());
        assertEquals(List.of(), resent);
        assertEquals(Priority.WARNING, logged.get(0).priority());
        assertTrue(logged.get(0).fields().get("output").contains("Operation not permitted"), logged.toString());
    }

    /** A follower whose own link came back hears its leader first; its acknowledgements wait in its own entry. */
    @Test
    void aPeerHeardAgainAfterASilenceHasItsUnresolvedEntryDeletedForAWhile() {
        table.carrier.put("eth0", true);
        now.addAndGet(SILENT_AFTER + 1);
        neighbours.heard("n2"); // the leader's heartbeat, after the cut
        neighbours.heard("n3"); // n3 had been heard all along in this story: its entry is fine
        table.entries.put("10.232.1.3", new Neighbours.Entry("eth0", true));
        table.entries.put("10.232.1.2", unresolved());
        assertTrue(neighbours.check(now.get()), "a returning peer is looked at again");
        assertEquals(List.of("10.232.1.2@eth0"), table.forgotten);
        assertEquals(List.of("n2"), resent, "the acknowledgement just sent goes again");
        assertEquals("PEER_RETURNED_ENTRY_UNRESOLVED", logged.get(0).fields().get("reason"));

        heardSteadily(Neighbours.RETURN_MS + 1, "n2", "n3");
        table.entries.put("10.232.1.2", unresolved());
        assertFalse(neighbours.check(now.get()), "heard steadily since: nothing more to look at");
        assertEquals(1, table.forgotten.size());
    }

    @Test
    void procNetArpIsReadByAddressWithItsCompleteFlag() {
        String arp = "IP address       HW type     Flags       HW address            Mask     Device\n"
                + "10.232.1.2       0x1         0x0         00:00:00:00:00:00     *        eth0\n"
                + "10.232.1.3       0x1         0x2         02:fc:00:00:00:05     *        eth1\n";
        assertEquals(new Neighbours.Entry("eth0", false), KernelNeighbours.parse(arp, "10.232.1.2"));
        assertEquals(new Neighbours.Entry("eth1", true), KernelNeighbours.parse(arp, "10.232.1.3"));
        assertNull(KernelNeighbours.parse(arp, "10.232.1.30"), "no prefix match");
        assertNull(KernelNeighbours.parse(arp, "10.232.1.4"));
    }

    /**
     * A steady leader reads a peer's acknowledgements when it wakes to send the next heartbeat: one read just after it
     * came and the next just before the following send are two heartbeats and a little apart, with nothing missing.
     * Judged from when the loop stopped watching the socket (just after its last send), that is no silence, and the
     * table is not read; judged from the read, it was a silence and a return, a few times a second on an idle leader.
     * A real return after a cut, read late the same way, is still one.
     */
    @Test
    void aLateReadJudgesTheSilenceFromWhenTheSocketWasLastWatched() {
        long heartbeat = SILENT_AFTER / 2;
        Neighbours neighbours = new Neighbours(Map.of("n2", "10.232.1.2"), table, resent::add, now::get, log(),
                SILENT_AFTER, WINDOW);
        table.entries.put("10.232.1.2", new Neighbours.Entry("eth0", false));
        table.carrier.put("eth0", true);
        neighbours.heard("n2");
        long parkedAt = now.addAndGet(heartbeat + 1); // sent the next heartbeat, parked without the socket
        now.addAndGet(heartbeat + 9);
        neighbours.heard("n2", parkedAt);
        assertFalse(neighbours.check(now.get()), "a peer read two heartbeats apart counted as returning");
        assertTrue(table.forgotten.isEmpty(), "entries deleted: " + table.forgotten);

        parkedAt = now.addAndGet(1000); // a cut: nothing from n2 for a second, then a late read again
        now.addAndGet(heartbeat);
        neighbours.heard("n2", parkedAt);
        assertTrue(neighbours.check(now.get()), "a peer heard again after a second of silence did not count as returning");
        assertEquals(List.of("10.232.1.2@eth0"), table.forgotten);
    }
}
