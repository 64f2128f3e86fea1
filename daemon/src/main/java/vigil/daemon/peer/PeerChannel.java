package vigil.daemon.peer;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.NameCache;

/**
 * vigild's membership transport: one JGroups channel over TCP whose members are known by their
 * configured node names.
 *
 * <p>Invariants:
 * <ul>
 * <li>Names, not JGroups addresses, cross this API. Each member's address carries its node name inside
 *     it (an {@link ExtendedUUID} entry), so a view can always be translated to names, even before the
 *     name cache has caught up.</li>
 * <li>{@link #send} never throws and never waits on the network: a peer that is not in the current view
 *     is skipped, and a send only enqueues on that peer's own bundler queue (see {@link PeerStack}), so the
 *     lease loop keeps its rhythm whatever a peer does.</li>
 * <li>Messages are delivered only from configured peer names; per sender in send order (UNICAST3 FIFO).
 *     Different senders may be delivered concurrently: the listener must be thread-safe and quick.</li>
 * <li>If a restarted node joins while its previous incarnation is still in the view, the name maps to
 *     the newest incarnation (the later one in view order). Until this node has installed that view, a
 *     send to the name still goes to the dead incarnation and is lost.</li>
 * <li>Delivery is best effort: reliable and FIFO while both ends stay in one view, but anything may be
 *     lost across crashes, restarts and partitions. The protocol on top must tolerate loss (vigil's
 *     heartbeats are periodic and idempotent).</li>
 * </ul>
 */
public final class PeerChannel implements AutoCloseable {
    /**
     * Callbacks run on JGroups threads, possibly before {@link #open} has returned; they must be quick and
     * thread-safe. Exceptions are logged and swallowed.
     */
    public interface Listener {
        void onMessage(String fromNode, byte[] payload);

        /** The full membership, this node included, each time it changes. */
        void onView(Set<String> memberNames);
    }

    static final String NODE_NAME_KEY = "vigil.node";
    private static final Logger LOG = System.getLogger(PeerChannel.class.getName());

    private final JChannel channel;
    private final Listener listener;
    private final Set<String> configuredNames;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Name to address of the current view, in view order; replaced wholesale on each view. */
    private volatile Map<String, Address> members = Map.of();

    private PeerChannel(JChannel channel, PeerSettings settings, Listener listener) {
        this.channel = channel;
        this.listener = listener;
        Set<String> names = new java.util.HashSet<>();
        settings.peers().forEach(p -> names.add(p.name()));
        this.configuredNames = Set.copyOf(names);
    }

    /**
     * Builds the stack, joins the cluster and returns once this node has a view — possibly a view of
     * itself alone when no other peer answered within the join timeout; later merges are reported by
     * {@link Listener#onView}.
     */
    public static PeerChannel open(PeerSettings settings, Listener listener) throws PeerChannelException {
        java.util.Objects.requireNonNull(listener, "listener");
        JChannel ch;
        try {
            ch = new JChannel(PeerStack.build(settings));
        } catch (PeerChannelException e) {
            throw e;
        } catch (Exception e) {
            throw new PeerChannelException("cannot build the JGroups stack: " + e.getMessage(), e);
        }
        try {
            PeerStack.disableDiagnostics(ch);
            String self = settings.selfName();
            ch.name(self);
            ch.addAddressGenerator(() -> ExtendedUUID.randomUUID(self)
                    .put(NODE_NAME_KEY, self.getBytes(StandardCharsets.UTF_8)));
            PeerChannel pc = new PeerChannel(ch, settings, listener);
            ch.setReceiver(pc.new Delivery());
            ch.connect(settings.clusterName());
            return pc;
        } catch (Exception e) {
            ch.close();
            if (e instanceof PeerChannelException pce)
                throw pce;
            throw new PeerChannelException("cannot join cluster \"" + settings.clusterName() + "\" on "
                    + settings.bindAddress() + ":" + settings.bindPort() + ": " + rootMessage(e), e);
        }
    }

    /** Reads the base64 key file (one line, 16/24/32 bytes); see the config contract's {@code security.key_file}. */
    public static byte[] readKeyFile(Path file) throws PeerChannelException {
        return SharedKey.read(file);
    }

    /** Unicast to a member of the current view; silently dropped otherwise. Never throws, never blocks long. */
    public void send(String toNode, byte[] payload) {
        if (closed.get() || toNode == null || payload == null)
            return;
        Address dest = members.get(toNode);
        if (dest == null)
            return;
        try {
            channel.send(new BytesMessage(dest, payload.clone()));
        } catch (Throwable e) {
            LOG.log(Level.DEBUG, () -> "dropped message to " + toNode + ": " + e);
        }
    }

    /** The node names of the current view, this node included. */
    public Set<String> members() {
        return members.keySet();
    }

    /** Leaves the cluster (others see a prompt view change) and releases sockets and threads. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            members = Map.of();
            channel.close();
        }
    }

    /** For tests: the underlying channel, e.g. to simulate a crash. */
    JChannel jchannel() {
        return channel;
    }

    /** For tests: stop without sending LEAVE and without closing gracefully, as a crashed process would. */
    void crash() throws Exception {
        if (closed.compareAndSet(false, true)) {
            members = Map.of();
            org.jgroups.util.Util.shutdown(channel);
        }
    }

    static String nodeName(Address a) {
        if (a instanceof ExtendedUUID e) {
            byte[] name = e.get(NODE_NAME_KEY);
            if (name != null)
                return new String(name, StandardCharsets.UTF_8);
        }
        String cached = NameCache.get(a);
        return cached != null ? cached : String.valueOf(a);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t)
            t = t.getCause();
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
    }

    private final class Delivery implements Receiver {
        @Override
        public void receive(Message msg) {
            if (closed.get() || !msg.hasArray())
                return;
            String from = nodeName(msg.getSrc());
            if (!configuredNames.contains(from)) {
                LOG.log(Level.WARNING, () -> "ignored message from unconfigured node " + from);
                return;
            }
            byte[] payload = Arrays.copyOfRange(msg.getArray(), msg.getOffset(), msg.getOffset() + msg.getLength());
            try {
                listener.onMessage(from, payload);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "listener failed on message from " + from, e);
            }
        }

        @Override
        public void viewAccepted(View view) {
            if (closed.get())
                return;
            Map<String, Address> byName = new LinkedHashMap<>();
            for (Address a : view.getMembersRaw())
                byName.put(nodeName(a), a); // later (newer) incarnation wins
            Map<String, Address> snapshot = Collections.unmodifiableMap(byName);
            members = snapshot;
            try {
                listener.onView(snapshot.keySet());
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "listener failed on view " + view, e);
            }
        }
    }
}
