package vigil.daemon.peer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import javax.crypto.spec.SecretKeySpec;

import org.jgroups.JChannel;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.SERIALIZE;
import org.jgroups.protocols.SYM_ENCRYPT;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.DiagnosticsHandler;
import org.jgroups.stack.IpAddress;
import org.jgroups.stack.Protocol;

/**
 * Builds vigild's JGroups 5.5 protocol stack in code, bottom (transport) first.
 *
 * <p>Why each choice (3-5 nodes, static member list, a lease protocol on top that needs prompt,
 * not high-throughput, delivery):
 * <ul>
 * <li>TCP only, {@code port_range=0}: every node listens on exactly its configured port, so the static
 *     TCPPING list is complete and no node can silently end up on a neighbouring port. Diagnostics
 *     (probe) are off: they open extra sockets (UDP multicast by default) and answer unauthenticated
 *     queries. Thread pool tiny. No bundler ({@code no-bundler}): each message is written by the thread
 *     that sends it, and vigild sends from one thread per peer ({@code PeerSender}), so a dead or
 *     unreachable peer (connect timeout {@value #SOCK_CONN_TIMEOUT_MS} ms) holds up only its own thread.
 *     JGroups 5.5's {@code per-destination} bundler, despite its name, runs one thread for every
 *     destination: thread dumps of the survivors of a crashed node showed it in {@code connect()} to the
 *     dead member again and again (failure detection, merge and retransmissions address it), and every
 *     frame to the live peer waited behind it, 0.5 to 1.1 s (docs/architecture.md, "Late delivery").
 *     Connections to live peers stay open, so their sends never take the connect lock that a connect to
 *     the dead member holds. TCP {@code non_blocking_sends} is deliberately off: with it, JOIN requests
 *     were lost when all nodes started at once (concurrent connects), and a 3-node boot took ~11 s
 *     instead of ~1.2 s.</li>
 * <li>TCPPING with all peers, {@code send_cache_on_join} so every member learns every logical name.</li>
 * <li>MERGE3 with short intervals (INFO every 1-3 s, check every 2.5 s): after a partition heals, or when a
 *     restarted former coordinator came back as a singleton, the views merge within ~3 s (~5 s with
 *     JGroups' computed default check interval of 1.6 x 3 s). Its INFO goes straight to the configured peers
 *     ({@link StaticMerge}), not after a TCPPING discovery round each time: the member list is static.</li>
 * <li>FD_SOCK2 catches a crashed process at once (its socket closes); FD_ALL3 catches a hung node or a
 *     cut link after {@code failureDetectionTimeout}; VERIFY_SUSPECT2 double-checks before exclusion. FD_ALL3
 *     counts every message as a sign of life and sends its own heartbeat every quarter of that timeout (never more
 *     often than vigil's heartbeat): vigil's own heartbeats and acknowledgements already flow between the leader and
 *     each follower every {@code heartbeatInterval}, so a faster rate only cost an idle daemon CPU.
 *     FD_SOCK2 listens on the peer port + 100 (JGroups' default offset, trying up to 5 ports above it):
 *     firewalls must allow that port between the nodes too.</li>
 * <li>SYM_ENCRYPT (AES/CBC/PKCS5Padding, key injected, no keystore) directly under NAKACK2 as the
 *     JGroups documentation places it, with SERIALIZE right above it: SERIALIZE turns each message,
 *     headers and all, into the payload of a carrier message that SYM_ENCRYPT then encrypts, so
 *     NAKACK2/UNICAST3/GMS headers (seqnos, views, joins) are encrypted too. A node without the key can
 *     therefore never join (its JOIN request cannot be decrypted) nor inject application messages.</li>
 * <li>NAKACK2/UNICAST3/STABLE/GMS: reliable FIFO delivery and membership. GMS view-ack and leave
 *     timeouts are short so that a dead member does not delay the next view. At most
 *     {@value #MAX_JOIN_ATTEMPTS} JOIN attempts: a joiner whose JOIN is never answered (the coordinator it
 *     discovered is dead but still listed, or it holds another key) starts alone after
 *     3 x join timeout and MERGE3 reunites it later, instead of blocking {@code open()} for 10 attempts.</li>
 * <li>FRAG4 only as a safety net; vigil's messages are small. No flow control (UFC/MFC): traffic is a few
 *     small messages per heartbeat, and flow control could block the sender.</li>
 * </ul>
 */
final class PeerStack {
    static final String SYM_ALGORITHM = "AES/CBC/PKCS5Padding";
    static final int AES_BLOCK_BYTES = 16;
    static final long VIEW_ACK_TIMEOUT_MS = 500;
    static final long LEAVE_TIMEOUT_MS = 1000;
    static final int MAX_JOIN_ATTEMPTS = 3;
    /** A connect on a LAN takes well under a millisecond; a dead host must not hold a thread for long. */
    static final int SOCK_CONN_TIMEOUT_MS = 150;
    static final long MERGE_MIN_INTERVAL_MS = 1000;
    static final long MERGE_MAX_INTERVAL_MS = 2000;
    static final long MERGE_CHECK_INTERVAL_MS = 2500;

    private PeerStack() {
    }

    /** The protocols, transport first, as {@link org.jgroups.JChannel#JChannel(List)} expects. */
    static List<Protocol> build(PeerSettings s) throws PeerChannelException {
        InetAddress bind = resolve(s.bindAddress(), "bindAddress");
        List<InetSocketAddress> initialHosts = new ArrayList<>();
        List<IpAddress> others = new ArrayList<>(); // StaticMerge's: this node's bind address may differ (NAT)
        for (PeerSettings.Peer p : s.peers()) {
            InetAddress a = resolve(p.address(), "address of peer " + p.name());
            initialHosts.add(new InetSocketAddress(a, p.port()));
            if (!p.name().equals(s.selfName())) others.add(new IpAddress(a, p.port()));
        }

        long heartbeatMs = s.heartbeatInterval().toMillis();
        long fdTimeoutMs = s.failureDetectionTimeout().toMillis();

        TCP tcp = new TCP();
        tcp.setBindAddress(bind);
        tcp.setBindPort(s.bindPort());
        tcp.setPortRange(0);
        tcp.useVirtualThreads(false);
        tcp.setSockConnTimeout(SOCK_CONN_TIMEOUT_MS);
        tcp.setValue("tcp_nodelay", true);
        tcp.setBundlerType("no-bundler"); // see the class comment: never one thread for every destination
        // Regular messages go up on the connection's own receiver thread (vigil's listener only queues them): no
        // hand-off to a pool thread, one wake-up less per message. OOB messages (failure detection) still go to the pool.
        tcp.setMessageProcessingPolicy("direct");
        // Enough threads that some blocked on a vanished member (failure detection, merge, retransmission)
        // do not hold up the delivery of election messages between the survivors.
        tcp.getThreadPool().setMinThreads(1).setMaxThreads(32).setKeepAliveTime(30_000);

        TCPPING ping = new TCPPING();
        ping.setInitialHosts(initialHosts);
        ping.setPortRange(0);
        ping.sendCacheOnJoin(true);

        MERGE3 merge = new StaticMerge(others).setMinInterval(MERGE_MIN_INTERVAL_MS).setMaxInterval(MERGE_MAX_INTERVAL_MS)
                .setCheckInterval(MERGE_CHECK_INTERVAL_MS);

        FD_SOCK2 fdSock = new FD_SOCK2().setBindAddress(bind);

        FD_ALL3 fdAll = new FD_ALL3();
        fdAll.setTimeout(fdTimeoutMs);
        fdAll.setInterval(Math.max(heartbeatMs, fdTimeoutMs / 4));

        VERIFY_SUSPECT2 verify = new VERIFY_SUSPECT2().setTimeout(s.suspectVerifyTimeout().toMillis());

        NAKACK2 nakack = new NAKACK2();
        nakack.setValue("use_mcast_xmit", false);
        nakack.setXmitInterval(500);

        UNICAST3 unicast = new UNICAST3().setXmitInterval(500);

        STABLE stable = new STABLE().setDesiredAverageGossip(10_000).setMaxBytes(1_000_000);

        GMS gms = new GMS()
                .setJoinTimeout(s.joinTimeout().toMillis())
                .setMaxJoinAttempts(MAX_JOIN_ATTEMPTS)
                .setViewAckCollectionTimeout(VIEW_ACK_TIMEOUT_MS)
                .setLeaveTimeout(LEAVE_TIMEOUT_MS);
        gms.setValue("print_local_addr", false);

        FRAG4 frag = new FRAG4();

        List<Protocol> stack = new ArrayList<>(List.of(tcp, ping, merge, fdSock, fdAll, verify));
        s.sharedKey().ifPresent(key -> {
            stack.add(encryption(key));
            stack.add(new SERIALIZE());
        });
        stack.addAll(List.of(nakack, unicast, stable, gms, frag));
        return stack;
    }

    /**
     * Turns JGroups diagnostics (probe) off. Must run after the stack's {@code init()} (done by the JChannel
     * constructor) and before {@code connect()}: TP creates its DiagnosticsHandler in init(), enabled and
     * listening on UDP multicast by default, and starts it in start().
     */
    static void disableDiagnostics(JChannel ch) throws PeerChannelException {
        TP tp = ch.getProtocolStack().getTransport();
        DiagnosticsHandler diag = tp.getDiagnosticsHandler();
        if (diag == null)
            throw new PeerChannelException("JGroups transport has no diagnostics handler after init; cannot disable it");
        diag.setEnabled(false).enableUdp(false).enableTcp(false);
    }

    static SYM_ENCRYPT encryption(byte[] key) {
        SYM_ENCRYPT enc = new SYM_ENCRYPT();
        enc.symAlgorithm(SYM_ALGORITHM);
        enc.symIvLength(AES_BLOCK_BYTES);
        enc.symKeylength(key.length * 8);
        enc.setSecretKey(new SecretKeySpec(key, "AES"));
        return enc;
    }

    private static InetAddress resolve(String host, String what) throws PeerChannelException {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new PeerChannelException(what + " \"" + host + "\" cannot be resolved: " + e.getMessage(), e);
        }
    }
}
