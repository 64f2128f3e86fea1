package vigil.daemon.peer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The fast path for heartbeats and their acknowledgements: one UDP socket on the peer port (the same number as
 * JGroups' TCP port, UDP), beside the JGroups channel. The frames also go over JGroups unless the peer says it hears
 * every datagram of ours ({@link DatagramHealth}); the receiver keeps the first copy of each (see
 * {@code vigil.core.node.Arrivals}). Every other election message goes this way too while its peer is outside the
 * JGroups view (a restarted vigild before it rejoins, a partition healing before the views merge), where JGroups would
 * drop it. An operator's request forwarded to another node, and its answer, always go this way as well as by JGroups
 * ({@code vigil.daemon.Forwarding}, which takes the first copy), encrypted ({@code vigil.daemon.OperatorSeal}).
 *
 * <p>Why: a heartbeat queued on a TCP connection during a link cut is resent by TCP's retransmission back-off, 1.4 s
 * after a 1 s cut, and every later frame waits behind it. A datagram sent after the link is back arrives at once, so
 * the lease is renewed within one heartbeat of the link coming back, whatever TCP's state.
 *
 * <p>Invariants:
 * <ul>
 * <li>{@link #send} never blocks: the socket is non-blocking and a datagram that does not fit is dropped (heartbeats
 *     are periodic; the protocol tolerates loss).</li>
 * <li>Only datagrams that name a configured sender and this node as receiver are delivered; with a cluster key each
 *     datagram ends in an HMAC-SHA256 over both names and the frame, under a key derived from the cluster key, so a
 *     frame cannot be presented as another node's or redirected to another node. Replays of genuine datagrams are
 *     possible (UDP); the receiver admits each heartbeat and acknowledgement at most once and in order, and each
 *     forwarded operator request at most once, dated within 30 s of its clock ({@code Forwarding}).</li>
 * <li>Datagrams are not encrypted here: heartbeats carry the cluster record, node names, WAL positions and report
 *     flags, no secret. An operator's request or answer (a status or history answer holds logged command lines and
 *     their output) arrives here already encrypted by {@code vigil.daemon.OperatorSeal}.</li>
 * </ul>
 *
 * <pre>datagram = 'W' flags:u8 seq:u32 fromLen:u8 from toLen:u8 to frame [hmac:32]</pre>
 * The sequence number counts per receiver (a frame sent once from another thread, an operator's request or answer,
 * repeats the last number: it stays outside the count that loss is judged by) and the flags say whether the sender hears the receiver's datagrams cleanly
 * ({@link DatagramHealth}); the older format {@code 'V' fromLen from toLen to frame [hmac]}, without either, is still
 * accepted from a vigild not yet upgraded (it cannot say it hears us, so it keeps getting the TCP copy too).
 */
public final class PeerDatagrams implements AutoCloseable {
    /** Called on the thread that reads the socket (see {@link #drain}), for datagrams that passed the checks; must be quick. */
    public interface Listener {
        void onDatagram(String fromNode, byte[] frame);
    }

    static final byte MAGIC = 'W';
    static final byte LEGACY_MAGIC = 'V';
    static final int MAC_BYTES = 32;
    /** After a datagram went missing either way, heartbeats and acknowledgements also go over JGroups this long. */
    static final long CLEAN_AFTER_GAP_MS = 2000;
    /** The most datagrams one {@link #drain} reads: a few heartbeats' worth from every peer of a large cluster. */
    static final int DRAIN_AT_MOST = 64;
    /** The largest datagram sent: a heartbeat of a few nodes is far smaller; larger frames go over JGroups only. */
    static final int MAX_DATAGRAM = 60_000;

    private final DatagramChannel channel;
    /** The receiving thread's, when it has one ({@link #startReceiving}); null when the node loop reads the socket. */
    private Selector selector;
    private final String self;
    private final Map<String, InetSocketAddress> peers = new HashMap<>();
    private final SecretKeySpec key;
    private final Listener listener;
    private final ThreadLocal<Mac> macs;
    private Thread receiver;
    /** The buffer {@link #drain} reads into: one reader at a time (the receiving thread, or the node loop). */
    private final ByteBuffer buf = ByteBuffer.allocateDirect(65_536);
    /** The last frame sent to each peer, for {@link Neighbours} to send again once the peer can be reached. */
    private final Map<String, byte[]> lastSent = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Neighbours neighbours;
    private final DatagramHealth health;
    private final java.util.function.LongSupplier clock;
    private volatile boolean closed;

    private PeerDatagrams(DatagramChannel channel, PeerSettings s, Listener listener) {
        this.channel = channel;
        this.self = s.selfName();
        for (PeerSettings.Peer p : s.peers()) {
            if (!p.name().equals(self)) peers.put(p.name(), new InetSocketAddress(p.address(), p.port()));
        }
        this.key = s.sharedKey().map(PeerDatagrams::deriveKey).orElse(null);
        this.macs = ThreadLocal.withInitial(this::keyedMac);
        this.listener = listener;
        long heartbeatMs = s.heartbeatInterval().toMillis();
        // One lost acknowledgement already brings the copy back for the next heartbeat: a lease falls in doubt
        // after 2.5 heartbeats without one, so two lost in a row must not both go without it.
        this.health = new DatagramHealth(heartbeatMs * 3 / 2, CLEAN_AFTER_GAP_MS);
        this.clock = () -> System.nanoTime() / 1_000_000;
    }

    /**
     * As {@link #open(PeerSettings, Listener)}, and a silent peer's neighbour entry is resolved afresh once the link is
     * back ({@link Neighbours}: silence after two heartbeats, looked after for the first two leases of it).
     */
    public static PeerDatagrams open(PeerSettings s, Listener listener, vigil.daemon.log.Log log, long leaseMs)
            throws PeerChannelException {
        PeerDatagrams d = bind(s, listener, log, leaseMs);
        d.startReceiving();
        return d;
    }

    /**
     * As {@link #open(PeerSettings, Listener, vigil.daemon.log.Log, long)}, without a receiving thread: the caller reads
     * the socket, {@link #channel()} telling it when and {@link #drain(long)} reading (the node loop does, on its own
     * thread: a wake less per datagram, see {@code vigil.daemon.loop.Inbox}).
     */
    public static PeerDatagrams bind(PeerSettings s, Listener listener, vigil.daemon.log.Log log, long leaseMs)
            throws PeerChannelException {
        PeerDatagrams d = bind(s, listener);
        Map<String, String> addresses = new HashMap<>();
        d.peers.forEach((node, a) -> {
            if (a.getAddress() instanceof java.net.Inet4Address) addresses.put(node, a.getAddress().getHostAddress());
        });
        d.neighbours = Neighbours.kernel(addresses, d::resend, d.clock, log,
                s.heartbeatInterval().toMillis(), leaseMs);
        return d;
    }

    /** Binds the UDP socket on the peer address and port and starts receiving, on a thread of its own. */
    public static PeerDatagrams open(PeerSettings s, Listener listener) throws PeerChannelException {
        PeerDatagrams d = bind(s, listener);
        d.startReceiving();
        return d;
    }

    private static PeerDatagrams bind(PeerSettings s, Listener listener) throws PeerChannelException {
        DatagramChannel ch = null;
        try {
            ch = DatagramChannel.open(StandardProtocolFamily.INET);
            ch.bind(new InetSocketAddress(s.bindAddress(), s.bindPort()));
            ch.configureBlocking(false);
            return new PeerDatagrams(ch, s, listener);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing more to release
                }
            }
            throw new PeerChannelException("cannot bind UDP " + s.bindAddress() + ":" + s.bindPort() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sends {@code frame} to {@code toNode} if it fits; never throws, never blocks. Returns true when it went and
     * {@code toNode} said lately that it hears every datagram of ours ({@link DatagramHealth}): the frame then needs
     * no second copy over JGroups.
     */
    public boolean send(String toNode, byte[] frame) {
        return send(toNode, frame, true);
    }

    /**
     * As {@link #send(String, byte[])}; {@code resendable}: kept as the frame {@link Neighbours} sends again once the
     * peer can be reached (a heartbeat or acknowledgement; not a vote or a resignation, which would displace it).
     */
    public boolean send(String toNode, byte[] frame, boolean resendable) {
        long now = clock.getAsLong();
        return went(toNode, frame, resendable, true, now) && health.hearsMe(toNode, now);
    }

    /**
     * One datagram that is never sent again (an operator's request or its answer, which the receiver takes at most
     * once), outside the numbering that {@link DatagramHealth} judges loss by ({@link DatagramHealth#lastSeq}); true
     * when it fit and the socket took it, whether or not the peer hears us. From any thread.
     */
    public boolean sendOnce(String toNode, byte[] frame) {
        return went(toNode, frame, false, false, clock.getAsLong());
    }

    private boolean went(String toNode, byte[] frame, boolean resendable, boolean counted, long now) {
        InetSocketAddress to = peers.get(toNode);
        if (closed || to == null || frame == null) return false;
        int seq = counted ? health.nextSeq(toNode) : health.lastSeq(toNode);
        byte[] d = wrap(self, toNode, frame, health.flagsFor(toNode, now), seq);
        if (d.length > MAX_DATAGRAM) return false;
        if (resendable) lastSent.put(toNode, frame);
        boolean went = transmit(d, to);
        Neighbours n = neighbours;
        if (n != null) n.sent(toNode);
        return went;
    }

    /**
     * Sends the last frame sent to {@code toNode} again (the receiver admits it at most once), in a new datagram: its
     * number and flags are today's, not those of the first copy.
     */
    void resend(String toNode) {
        byte[] frame = lastSent.get(toNode);
        InetSocketAddress to = peers.get(toNode);
        if (closed || frame == null || to == null) return;
        transmit(wrap(self, toNode, frame, health.flagsFor(toNode, clock.getAsLong()), health.nextSeq(toNode)), to);
    }

    private boolean transmit(byte[] d, InetSocketAddress to) {
        try {
            return channel.send(ByteBuffer.wrap(d), to) > 0;
        } catch (IOException | RuntimeException e) {
            return false; // unreachable network, no route, a closed socket: the JGroups copy goes
        }
    }

    private void startReceiving() throws PeerChannelException {
        try {
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException e) {
            close();
            throw new PeerChannelException("cannot watch the UDP socket: " + e.getMessage(), e);
        }
        receiver = new Thread(this::receive, "vigil-datagrams");
        receiver.setDaemon(true);
        receiver.start();
    }

    /** The socket (non-blocking), for a caller that reads it itself ({@link #bind}): readable means {@link #drain(long)}. */
    public java.nio.channels.SelectableChannel channel() {
        return channel;
    }

    /**
     * Reads the datagrams waiting in the socket, at most {@link #DRAIN_AT_MOST} (a flood must not hold the node loop in
     * here: the rest wait for the next call), without blocking, and hands each that passes the checks to the listener,
     * on the calling thread. One caller at a time: the receiving thread of {@link #open}.
     */
    private void drain() {
        drain(Long.MAX_VALUE);
    }

    /**
     * As {@link #drain()}, for a reader that did not watch the socket since {@code unwatchedSinceMs} (this class's
     * clock: {@code System.nanoTime()} in ms; Long.MAX_VALUE: it watched all along, so what waits arrived just now):
     * what it reads arrived after that instant, and a peer's silence is judged from there ({@link Neighbours#heard}).
     */
    public void drain(long unwatchedSinceMs) {
        try {
            for (int n = 0; n < DRAIN_AT_MOST && !closed && channel.receive(buf.clear()) != null; n++) {
                buf.flip();
                byte[] d = new byte[buf.remaining()];
                buf.get(d);
                deliver(d, unwatchedSinceMs);
            }
        } catch (IOException | RuntimeException e) {
            // closed meanwhile, or an ICMP error reported on the socket (a peer's port closed): the next read goes on
        }
    }

    private void receive() {
        while (!closed) {
            try {
                selector.select();
                selector.selectedKeys().clear();
            } catch (ClosedSelectorException e) {
                return;
            } catch (IOException e) {
                if (closed) return;
            }
            drain();
        }
    }

    private void deliver(byte[] d, long arrivedAfterMs) {
        Unwrapped u = unwrap(d);
        if (u == null || !peers.containsKey(u.from) || !self.equals(u.to)) return;
        if (u.legacy) {
            health.receivedLegacy(u.from, clock.getAsLong());
        } else {
            health.received(u.from, u.seq, u.flags, clock.getAsLong());
        }
        Neighbours n = neighbours;
        if (n != null) n.heard(u.from, arrivedAfterMs);
        try {
            listener.onDatagram(u.from, u.frame);
        } catch (RuntimeException e) {
            // the listener only queues; nothing to do here
        }
    }

    /** @param legacy the older format, without flags and sequence number (both 0 then) */
    record Unwrapped(String from, String to, byte[] frame, int flags, int seq, boolean legacy) {
    }

    /** Header bytes before the names: magic, flags, sequence number. */
    private static final int HEAD = 6;

    byte[] wrap(String from, String to, byte[] frame, int flags, int seq) {
        byte[] f = from.getBytes(StandardCharsets.UTF_8);
        byte[] t = to.getBytes(StandardCharsets.UTF_8);
        int body = HEAD + 2 + f.length + t.length + frame.length;
        byte[] d = new byte[body + (key == null ? 0 : MAC_BYTES)];
        ByteBuffer b = ByteBuffer.wrap(d);
        b.put(MAGIC).put((byte) flags).putInt(seq).put((byte) f.length).put(f).put((byte) t.length).put(t).put(frame);
        if (key != null) b.put(mac(d, body));
        return d;
    }

    /** The parts of a well-formed, authentic datagram (either format); null otherwise. */
    Unwrapped unwrap(byte[] d) {
        int macBytes = key == null ? 0 : MAC_BYTES;
        int body = d.length - macBytes;
        if (body < 1 || d[0] != MAGIC && d[0] != LEGACY_MAGIC) return null;
        boolean legacy = d[0] == LEGACY_MAGIC;
        int head = legacy ? 1 : HEAD;
        if (head + 2 > body) return null;
        int fl = d[head] & 0xff;
        if (head + 1 + fl + 1 > body) return null;
        int tl = d[head + 1 + fl] & 0xff;
        int frameAt = head + 2 + fl + tl;
        if (frameAt > body) return null;
        if (key != null) {
            byte[] expected = mac(d, body);
            byte[] got = java.util.Arrays.copyOfRange(d, body, d.length);
            if (!MessageDigest.isEqual(expected, got)) return null;
        }
        int flags = legacy ? 0 : d[1] & 0xff;
        int seq = legacy ? 0 : ByteBuffer.wrap(d, 2, 4).getInt();
        return new Unwrapped(new String(d, head + 1, fl, StandardCharsets.UTF_8),
                new String(d, head + 2 + fl, tl, StandardCharsets.UTF_8), java.util.Arrays.copyOfRange(d, frameAt, body),
                flags, seq, legacy);
    }

    private byte[] mac(byte[] d, int length) {
        Mac m = macs.get();
        m.update(d, 0, length);
        return m.doFinal();
    }

    private Mac keyedMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static SecretKeySpec deriveKey(byte[] sharedKey) {
        return SharedKey.derive(sharedKey, "vigil peer datagram authentication v1", "HmacSHA256");
    }

    /** The local port, for tests that bind port 0. */
    int localPort() {
        try {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        closed = true;
        Neighbours n = neighbours;
        if (n != null) n.close();
        try {
            if (selector != null) selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            if (receiver != null) receiver.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
