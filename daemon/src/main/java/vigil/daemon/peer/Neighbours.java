package vigil.daemon.peer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import vigil.daemon.exec.BoundedCommand;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/**
 * Makes the kernel resolve a silent peer's link-layer address afresh, so that a link that comes back carries the next
 * heartbeat at once instead of up to a second later.
 *
 * <p>Why: when this node's own link loses its carrier, the kernel forgets its neighbour (ARP) entries on it. The next
 * datagram to a peer creates a new entry that waits for resolution ({@code INCOMPLETE}) and holds the datagram; its ARP
 * request is lost with the link. The next request goes only when the entry's retransmission timer fires
 * ({@code net.ipv4.neigh.DEV.retrans_time_ms}, 1 s by default), whatever happens to the link meanwhile: after a 1 s cut
 * on the test rig, every heartbeat waited 0.99 s more in that queue, and a 1.5 s lease cannot ride that out. An entry
 * deleted while the link is up is resolved on the next send, at once; this class deletes such an entry and sends the
 * peer's last frame again (the receiver admits each heartbeat once, so a copy is harmless). When this node saw the
 * device without its carrier during the silence, the link itself came back: every other unresolved entry on it went
 * stale the same way, the clients' among them (a writer's SYN-ACK waited up to a second in one), and all of them are
 * deleted in one command, once. Otherwise only the peer's own entry is: deleting an entry fails at once (host
 * unreachable) whatever waits in it, which is right for a peer's heartbeat but not for a stranger's connection.
 *
 * <p>Invariants:
 * <ul>
 * <li>Only entries that cannot carry anything (no link-layer address: incomplete or failed) are deleted, only while
 *     the device's carrier is up (before that, the new requests would be lost too): the silent peer's own, or, once
 *     after the carrier came back, every such entry on that device.</li>
 * <li>Only while the peer is silent (no datagram from it for {@code silentAfterMs}) and at most {@code windowMs} into the
 *     silence (the lease's time scale), or for {@link #RETURN_MS} after it is heard again: a peer that stays away costs
 *     nothing, nor does a healthy one.</li>
 * <li>Never on the loop's thread: {@link #sent} only reads a time and may wake this class's own thread, which reads the
 *     table and runs {@code ip}.</li>
 * </ul>
 */
public final class Neighbours implements AutoCloseable {
    /** The kernel's neighbour table, as far as this class needs it (a fake one in unit tests). */
    interface Table {
        /** The entry for {@code address}, or null when the kernel has none. */
        Entry entry(String address);

        /** Whether {@code device} has its carrier (false when that cannot be read). */
        boolean carrier(String device);

        /**
         * Deletes the entry of {@code address} on {@code device}, or (null) every entry on it that has no link-layer
         * address (incomplete or failed).
         */
        BoundedCommand.Ran forget(String address, String device);

        /** The command {@link #forget} runs, for the log. */
        List<String> forgetArgv(String address, String device);
    }

    /** A neighbour entry: the device it is on, and whether it has a link-layer address. */
    record Entry(String device, boolean resolved) {
    }

    /** How often a silent peer's entry is looked at: the link's return is noticed within this. */
    static final long POLL_MS = 20;
    /** How long a peer heard again after a silence has its entry looked at (ARP's own retry would take up to 1 s). */
    static final long RETURN_MS = 1000;
    /** A deleted entry that is still unresolved this long after is deleted again (its own request was lost too). */
    static final long RETRY_MS = 250;

    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    /** Devices seen without their carrier, and when (only this class's thread uses it): a link that comes back. */
    private final Map<String, Long> noCarrierAt = new java.util.HashMap<>();
    private final Table table;
    private final Consumer<String> resend;
    private final LongSupplier clock;
    private final Log log;
    private final long silentAfterMs;
    private final long windowMs;
    private final Thread thread;
    private volatile boolean active;
    private volatile boolean closed;

    private static final class Peer {
        final String address;
        volatile long heardMs;
        /** When it was heard again after a silence: this node's own entry for it may still hold what it sends. */
        volatile long returnedMs = Long.MIN_VALUE / 2;
        long forgotMs = Long.MIN_VALUE / 2;
        long episodeMs = Long.MIN_VALUE; // the heardMs of the silence already reported at INFO

        Peer(String address, long now) {
            this.address = address;
            this.heardMs = now;
        }
    }

    /**
     * @param addresses each peer's address by node name (this node left out)
     * @param resend sends the peer's last datagram again
     */
    Neighbours(Map<String, String> addresses, Table table, Consumer<String> resend, LongSupplier clock, Log log,
               long silentAfterMs, long windowMs) {
        long now = clock.getAsLong();
        addresses.forEach((node, address) -> peers.put(node, new Peer(address, now)));
        this.table = table;
        this.resend = resend;
        this.clock = clock;
        this.log = log;
        this.silentAfterMs = silentAfterMs;
        this.windowMs = windowMs;
        this.thread = new Thread(this::run, "vigil-neighbours");
        this.thread.setDaemon(true);
    }

    /** For the daemon: the kernel's table, silence after two heartbeats, for the first two leases of it. */
    static Neighbours kernel(Map<String, String> addresses, Consumer<String> resend, LongSupplier clock, Log log,
                             long heartbeatMs, long leaseMs) {
        Neighbours n = new Neighbours(addresses, new KernelNeighbours(), resend, clock, log, 2 * heartbeatMs, 2 * leaseMs);
        n.thread.start();
        return n;
    }

    /**
     * A datagram from {@code node} passed the checks. After a silence, the peer's entry here is looked at for a while
     * too: a follower whose own link came back hears its leader first, and its acknowledgements then wait in its own
     * unresolved entry for the leader.
     */
    void heard(String node) {
        heard(node, Long.MAX_VALUE);
    }

    /**
     * As {@link #heard(String)}, for a datagram read late: it arrived at some instant after {@code arrivedAfterMs} (when
     * the reader stopped watching the socket), not necessarily just now. The silence it ends is judged from that
     * instant: a steady leader's loop reads its acknowledgements when it wakes to send the next heartbeat, so one
     * peer's datagrams can be read two heartbeats and a little apart with none missing (one read just after it came,
     * the next just before the following send); judged from the read, that looked like a silence and a return, a few
     * times a second, and this class's thread read the table for nothing (0.18 CPU s/min on an idle leader,
     * docs/benchmarks.md). The time it was heard is the read's.
     */
    void heard(String node, long arrivedAfterMs) {
        Peer p = peers.get(node);
        if (p == null) return;
        long now = clock.getAsLong();
        if (Math.min(now, arrivedAfterMs) - p.heardMs > silentAfterMs) {
            p.returnedMs = now;
            if (!active && !closed) {
                active = true;
                LockSupport.unpark(thread);
            }
        }
        p.heardMs = now;
    }

    /** A datagram went to {@code node}: if it is silent, the table is looked at until it is heard again. */
    void sent(String node) {
        Peer p = peers.get(node);
        if (p == null || active || closed) return;
        long silent = clock.getAsLong() - p.heardMs;
        if (silent > silentAfterMs && silent <= windowMs) {
            active = true;
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        while (!closed) {
            if (!active) {
                LockSupport.park(this);
                continue;
            }
            boolean again;
            try {
                again = check(clock.getAsLong());
            } catch (RuntimeException e) {
                log.event(Priority.WARNING, "neighbour_check_failed", "error", String.valueOf(e));
                again = false;
            }
            if (!again) {
                active = false;
                continue;
            }
            LockSupport.parkNanos(this, POLL_MS * 1_000_000L);
        }
    }

    /**
     * One look at the entry of every peer that is silent or was just heard again after a silence; deletes those that
     * cannot carry a datagram while the link is up and sends that peer's last datagram again. Returns whether any peer is still silent within the window or returning (look
     * again).
     */
    boolean check(long now) {
        boolean again = false;
        List<String> forgotten = new ArrayList<>();
        for (Map.Entry<String, Peer> e : peers.entrySet()) {
            Peer p = e.getValue();
            long heard = p.heardMs;
            long silent = now - heard;
            boolean returning = now - p.returnedMs <= RETURN_MS;
            if ((silent <= silentAfterMs || silent > windowMs) && !returning) continue;
            again = true;
            if (now - p.forgotMs < RETRY_MS) continue;
            Entry entry = table.entry(p.address);
            if (entry == null || entry.resolved()) continue;
            long episode = returning ? p.returnedMs : heard;
            if (!table.carrier(entry.device())) {
                noCarrierAt.put(entry.device(), now);
                continue;
            }
            // Once per link return, every unresolved entry on the device (the clients' held SYN-ACKs too); otherwise
            // the peer's own only: deleting an entry fails what waits in it at once (host unreachable).
            Long down = noCarrierAt.remove(entry.device());
            boolean linkBack = down != null && now - down <= windowMs;
            String only = linkBack ? null : p.address;
            BoundedCommand.Ran ran = table.forget(only, entry.device());
            p.forgotMs = now;
            boolean first = p.episodeMs != episode;
            p.episodeMs = episode;
            log.event(!ran.ok() ? Priority.WARNING : first ? Priority.INFO : Priority.DEBUG, "neighbour_forgotten",
                    "peer", e.getKey(), "address", p.address, "device", entry.device(), "silent_ms", silent,
                    "reason", returning ? "PEER_RETURNED_ENTRY_UNRESOLVED" : "PEER_SILENT_ENTRY_UNRESOLVED",
                    "argv", table.forgetArgv(only, entry.device()),
                    "exit", ran.exit(), "duration_ms", ran.durationMs(),
                    "output", ran.output().isEmpty() ? null : ran.output());
            if (ran.ok()) forgotten.add(e.getKey());
        }
        forgotten.forEach(resend);
        return again;
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }
}
