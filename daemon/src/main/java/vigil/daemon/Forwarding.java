package vigil.daemon;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.Decoded;
import vigil.protocol.admin.ErrorCode;
import vigil.protocol.peer.BadFrameException;
import vigil.protocol.peer.OperatorFrame;
import vigil.protocol.peer.PeerCodec;

/**
 * Operator requests carried out by another node: {@code vigilctl pause} typed on a standby goes to the leader, which
 * alone writes the cluster record; {@code vigilctl cleanup n2} goes to n2, which keeps its own failcount. The request
 * travels as its admin JSON in an authenticated peer frame ({@link OperatorFrame}), the other node answers it as if it
 * had come from its own socket, and the answer is this node's reply to the operator.
 *
 * <p>A request is forwarded at most once: the forwarded copy carries {@link #FORWARDED_BY}, and a node that receives
 * it never forwards it again (if leadership moved meanwhile, it refuses, naming the leader it knows). Only the
 * commands in {@link #CARRIED} are taken from a peer; the peer frame must come from the node it names as the sender.
 * An answer that does not come within {@link #ANSWER_WITHIN} fails the request saying that it may or may not have
 * been carried out: the operator then reads the status rather than repeating a switchover blindly.
 *
 * <p>Every frame goes both ways ({@link Paths}): by JGroups, and as one authenticated datagram on the peer port.
 * JGroups drops a frame for a node outside its view, and the views of live nodes can stay apart for seconds (a
 * restarted node that started alone, a coordinator that died while a merge was pending, TCP blocked between them)
 * while the election, over datagrams, already names the leader; a request given meanwhile vanished and timed out. The
 * receiver carries out the first copy of a request and drops the second; an answer completes its request once. A
 * datagram can be replayed (PeerDatagrams authenticates it, but it is UDP), so a request that came by datagram is
 * carried out only if it names when it was sent ({@link #FORWARDED_AT}, within {@link #FRESH} of this node's clock,
 * and not before this vigild started); ids start from the wall clock at start, so an answer to an earlier
 * incarnation's request never matches a new one. The datagram copies are encrypted ({@link OperatorSeal}), as JGroups'
 * are: a status or history answer holds logged command lines and their output.
 */
final class Forwarding {
    /** The argument a forwarded request carries: the node it was given on. */
    static final String FORWARDED_BY = "forwarded_by";

    /** The argument a forwarded request carries: when it was sent, in ms since the epoch (the sender's clock). */
    static final String FORWARDED_AT = "forwarded_at";

    /** How far a request that came by datagram may be from this node's clock, either way: clock skew, not delay. */
    static final Duration FRESH = Duration.ofSeconds(30);

    /**
     * How far a dated request that came by JGroups may be from this node's clock, and how long a request is remembered
     * as taken: longer than any copy of it can take to arrive, so a late copy is never carried out a second time.
     */
    static final Duration TAKEN_FOR = Duration.ofMinutes(10);

    /** How a frame reaches a peer. */
    interface Paths {
        /** Whether {@code node} is in this node's JGroups view: JGroups drops a frame for any other node. */
        boolean inView(String node);

        /** The reliable path (JGroups, one sender thread per peer). */
        void reliable(String node, byte[] frame);

        /** One authenticated datagram, best effort; false when it could not go (too large, no datagram socket). */
        boolean datagram(String node, byte[] frame);
    }

    /** Below vigilctl's own 5 s wait, so that the operator reads this node's explanation rather than a timeout. */
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(3);

    /**
     * What a node carries out for a peer: the leader's commands, and a node's own failcount, restart, status, history;
     * a failover order (to its target, and from the target to the leader it asks to resign).
     */
    static final Set<AdminCommand> CARRIED = Set.of(AdminCommand.SWITCHOVER, AdminCommand.PAUSE, AdminCommand.RESUME,
            AdminCommand.BAN, AdminCommand.UNBAN, AdminCommand.CONFIRM_DOWN, AdminCommand.CLEANUP, AdminCommand.HISTORY,
            AdminCommand.RESTART_PG, AdminCommand.STATUS, AdminCommand.FAILOVER);

    private final String self;
    private final PeerCodec codec;
    private final Paths paths;
    private final Log log;
    private final java.time.Clock wall;
    private final AtomicLong ids;
    /** When this vigild started (its wall clock): a request by datagram dated before it is a replay. */
    private final long started;
    /** Requests that came by datagram and were taken, "from/id", with when they may be forgotten (this clock's ms). */
    private final Map<String, Long> taken = new ConcurrentHashMap<>();
    /** A request sent and not answered yet: to whom, and the future its answer completes. */
    private record Waiting(String node, CompletableFuture<AdminReply> reply) {}

    /** Commands that change nothing: a lost answer means only that nothing is known. */
    private static final Set<AdminCommand> READS = Set.of(AdminCommand.STATUS, AdminCommand.HISTORY);

    private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();
    private final Map<String, Long> badFrameLoggedAt = new ConcurrentHashMap<>();
    private final Duration answerWithin;
    private volatile Function<AdminRequest, CompletableFuture<AdminReply>> local;

    /**
     * @param paths how frames reach a peer: a frame to a node that is gone is dropped, and the request then fails after
     *              {@link #ANSWER_WITHIN}
     */
    Forwarding(String self, PeerCodec codec, Paths paths, Log log) {
        this(self, codec, paths, log, ANSWER_WITHIN, java.time.Clock.systemUTC());
    }

    /** Every peer in the view, by {@code send} alone (tests). */
    Forwarding(String self, PeerCodec codec, BiConsumer<String, byte[]> send, Log log) {
        this(self, codec, send, log, ANSWER_WITHIN);
    }

    Forwarding(String self, PeerCodec codec, BiConsumer<String, byte[]> send, Log log, Duration answerWithin) {
        this(self, codec, new Paths() {
            @Override public boolean inView(String node) { return true; }
            @Override public void reliable(String node, byte[] frame) { send.accept(node, frame); }
            @Override public boolean datagram(String node, byte[] frame) { return false; }
        }, log, answerWithin, java.time.Clock.systemUTC());
    }

    Forwarding(String self, PeerCodec codec, Paths paths, Log log, Duration answerWithin, java.time.Clock wall) {
        this.answerWithin = answerWithin;
        this.self = self;
        this.codec = codec;
        this.paths = paths;
        this.log = log;
        this.wall = wall;
        this.started = wall.millis();
        this.ids = new AtomicLong(started * 1000); // above every id an earlier incarnation of this node used
    }

    private volatile java.util.function.BooleanSupplier joined = () -> true;

    /**
     * Whether this node has joined its peers' channel yet. The admin socket answers before the join (vigild starts
     * it first); a request for another node meanwhile is refused at once, not sent into nothing and timed out with
     * "it may or may not have carried it out".
     */
    void joinedWhen(java.util.function.BooleanSupplier j) {
        joined = j;
    }

    /** Sets what answers requests from peers: this node's own admin commands. Before the first frame arrives. */
    void serve(Function<AdminRequest, CompletableFuture<AdminReply>> commands) {
        local = commands;
    }

    static boolean forwarded(AdminRequest request) {
        return request.args().get(FORWARDED_BY) != null;
    }

    /** Asks {@code node} to carry out {@code request}; completes with its reply, or a failure that says what is known. */
    CompletableFuture<AdminReply> ask(String node, AdminRequest request) {
        if (!joined.getAsBoolean()) {
            return CompletableFuture.completedFuture(AdminReply.failure(ErrorCode.REFUSED, "this node has not joined"
                    + " its peers yet (vigild is starting): nothing was sent to " + node + "; ask again in a moment"));
        }
        long id = ids.incrementAndGet();
        Map<String, Object> args = new LinkedHashMap<>(request.args());
        args.put(FORWARDED_BY, self);
        args.put(FORWARDED_AT, wall.millis());
        String json = AdminCodec.encodeRequest(new AdminRequest(request.version(), request.command(), args));
        byte[] frame;
        try {
            frame = codec.encode(new OperatorFrame(id, false, json));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(AdminReply.failure(ErrorCode.BAD_REQUEST, "too large to forward to "
                    + node + ": " + e.getMessage()));
        }
        boolean read = AdminCommand.fromWireName(request.command()).map(READS::contains).orElse(false);
        CompletableFuture<AdminReply> reply = new CompletableFuture<>();
        waiting.put(id, new Waiting(node, reply));
        String path = transmit(node, frame);
        log.event(Priority.INFO, "forwarded", "peer", node, "command", request.command(), "id", id,
                "operator", request.args().get("operator"), "path", path);
        return reply.completeOnTimeout(AdminReply.failure(ErrorCode.INTERNAL, node + " did not answer " + request.command()
                        + " within " + answerWithin.toMillis() / 1000.0 + " s" + (read ? " (unreachable, or built before"
                        + " forwarding)" : ": it may or may not have carried it out (see vigilctl status)")),
                        answerWithin.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((r, e) -> waiting.remove(id));
    }

    /**
     * The paths of a running vigild: its JGroups channel and sender threads, its datagram socket (either may be null),
     * each datagram sealed by {@code seal}.
     */
    static Paths paths(java.util.function.Supplier<vigil.daemon.peer.PeerChannel> channel,
                       vigil.daemon.peer.PeerSender sender,
                       java.util.function.Supplier<vigil.daemon.peer.PeerDatagrams> datagrams, OperatorSeal seal) {
        return new Paths() {
            @Override public boolean inView(String node) {
                var c = channel.get();
                return c != null && c.members().contains(node);
            }
            @Override public void reliable(String node, byte[] frame) { sender.send(node, frame); }
            @Override public boolean datagram(String node, byte[] frame) {
                var d = datagrams.get();
                return d != null && d.sendOnce(node, seal.seal(frame));
            }
        };
    }

    /**
     * What reads the datagram socket (the node loop's thread): an operator frame (sealed by {@code seal}, or in clear in
     * a cluster without a key) is opened and carried out on a thread of its own, since carrying one out may wait for the
     * loop; everything else goes to {@code election}. A datagram that claims to be an operator frame but does not open
     * (another key, tampered, in clear in a cluster with a key) is dropped and logged at most once a minute per peer.
     */
    vigil.daemon.peer.PeerDatagrams.Listener datagramsOr(OperatorSeal seal, BiConsumer<String, byte[]> election) {
        java.util.concurrent.Executor own = java.util.concurrent.Executors.newSingleThreadExecutor(r -> { // one per vigild
            Thread t = new Thread(r, "vigil-forwarded");
            t.setDaemon(true);
            return t;
        });
        return (from, frame) -> {
            if (!OperatorSeal.sealed(frame) && !PeerCodec.carriesOperator(frame)) {
                election.accept(from, frame);
                return;
            }
            own.execute(() -> {
                byte[] opened = seal.open(frame);
                if (opened != null) onFrame(from, opened, true);
                else logBad(from, "an operator datagram that does not open under this cluster's key (sealed under"
                        + " another, tampered with, or sent in clear)");
            });
        };
    }

    /**
     * Sends by JGroups (reliable while the two views hold each other; dropped otherwise) and as one datagram too, for
     * when the views are apart or one has not caught up (the election, by datagram, may name a
     * leader that one side's JGroups view lacks). The receiver carries out the first copy. Returns the paths, for the
     * log: {@code none} when neither could carry it (outside the view, and no datagram).
     */
    private String transmit(String node, byte[] frame) {
        boolean datagram = paths.datagram(node, frame);
        boolean jgroups = paths.inView(node);
        paths.reliable(node, frame);
        return datagram && jgroups ? "both" : datagram ? "datagram" : jgroups ? "jgroups" : "none";
    }

    /** A peer frame that {@link PeerCodec#carriesOperator} said is ours, by JGroups, on the transport's thread. */
    void onFrame(String from, byte[] bytes) {
        onFrame(from, bytes, false);
    }

    /** As {@link #onFrame(String, byte[])}; {@code byDatagram}: it came as a datagram, which may be a replay. */
    void onFrame(String from, byte[] bytes, boolean byDatagram) {
        OperatorFrame frame;
        try {
            frame = codec.decodeOperator(bytes);
        } catch (BadFrameException e) {
            logBad(from, e.getMessage());
            return;
        }
        if (frame.answer()) {
            Waiting w = waiting.get(frame.id());
            if (w == null || !w.node().equals(from)) return; // late (the request failed already), or not whom we asked
            waiting.remove(frame.id());
            Decoded<AdminReply> decoded = AdminCodec.decodeReply(frame.json());
            w.reply().complete(decoded.isValid() ? decoded.value() : AdminReply.failure(ErrorCode.INTERNAL,
                    from + " answered with something unusable: " + decoded.error()));
            return;
        }
        Decoded<AdminRequest> request = AdminCodec.decodeRequest(frame.json());
        if (!firstCopy(from, frame.id(), request, byDatagram)) return;
        carryOut(from, request).whenComplete((reply, e) -> {
            AdminReply answer = e == null ? reply : AdminReply.failure(ErrorCode.INTERNAL, String.valueOf(e.getMessage()));
            transmit(from, answerFrame(frame.id(), answer));
        });
    }

    /**
     * Whether a request is to be carried out: the first copy of it (each goes both ways, and a datagram may be
     * replayed), dated within {@link #TAKEN_FOR} of now (a copy JGroups delivers late finds it remembered until then),
     * and, when it came by datagram, within {@link #FRESH} of now and not before this vigild started (a replay after a
     * restart, when nothing is remembered). A second copy is dropped without a word (the node that asked has its
     * answer); a stale or undated one is logged at most once a minute per peer. A request by JGroups that does not say
     * when it was sent (from a vigild older than {@link #FORWARDED_AT}) is taken as it is: JGroups delivers it once.
     */
    private boolean firstCopy(String from, long id, Decoded<AdminRequest> request, boolean byDatagram) {
        long now = wall.millis();
        taken.values().removeIf(until -> until < now);
        Object at = request.isValid() ? request.value().args().get(FORWARDED_AT) : null;
        if (!(at instanceof Number n)) {
            if (byDatagram) logBad(from, "a request by datagram (id " + id + ") not carried out: it does not say when"
                    + " it was sent");
            return !byDatagram;
        }
        long sentAt = n.longValue();
        long window = (byDatagram ? FRESH : TAKEN_FOR).toMillis();
        String stale = Math.abs(now - sentAt) > window ? "sent " + (now - sentAt) + " ms ago by " + from + "'s clock"
                + " (a replay, or clocks more than " + window / 1000 + " s apart)"
                : byDatagram && sentAt < started ? "sent before this vigild started (a replay)" : null;
        if (stale != null) {
            logBad(from, "a request by " + (byDatagram ? "datagram" : "JGroups") + " (id " + id + ") not carried out: "
                    + stale);
            return false;
        }
        return taken.putIfAbsent(from + "/" + id, Math.max(sentAt, now) + TAKEN_FOR.toMillis()) == null;
    }

    private void logBad(String from, String why) {
        long now = System.nanoTime();
        Long last = badFrameLoggedAt.get(from);
        if (last == null || now - last > TimeUnit.MINUTES.toNanos(1)) {
            badFrameLoggedAt.put(from, now);
            log.event(Priority.WARNING, "bad_frame", "peer", from, "reason", why);
        }
    }

    /** The answer as a frame; one too large for the peer channel (a long history) becomes a failure that says so. */
    private byte[] answerFrame(long id, AdminReply answer) {
        String json = AdminCodec.encodeReply(answer);
        try {
            return codec.encode(new OperatorFrame(id, true, json));
        } catch (IllegalArgumentException e) {
            return codec.encode(new OperatorFrame(id, true, AdminCodec.encodeReply(AdminReply.failure(ErrorCode.REFUSED,
                    self + "'s answer (" + json.length() + " characters) is too large for the peer channel: ask for less"
                            + " (history -n)"))));
        }
    }

    private CompletableFuture<AdminReply> carryOut(String from, Decoded<AdminRequest> decoded) {
        try {
            return carryOutChecked(from, decoded);
        } catch (RuntimeException e) {
            return done(AdminReply.failure(ErrorCode.INTERNAL, self + " failed on " + from + "'s request: " + e));
        }
    }

    private CompletableFuture<AdminReply> carryOutChecked(String from, Decoded<AdminRequest> decoded) {
        if (!decoded.isValid()) {
            return done(AdminReply.failure(ErrorCode.BAD_REQUEST, "forwarded request from " + from + ": " + decoded.error()));
        }
        AdminRequest request = decoded.value();
        AdminCommand command = AdminCommand.fromWireName(request.command()).orElse(null);
        if (command == null || !CARRIED.contains(command)) {
            return done(AdminReply.failure(ErrorCode.REFUSED, self + " does not carry out " + request.command()
                    + " for another node"));
        }
        if (!from.equals(request.args().get(FORWARDED_BY))) {
            return done(AdminReply.failure(ErrorCode.BAD_REQUEST, "a forwarded request must name its sender " + from
                    + " in " + FORWARDED_BY + " (it names " + request.args().get(FORWARDED_BY) + ")"));
        }
        var commands = local;
        if (commands == null) return done(AdminReply.failure(ErrorCode.INTERNAL, self + " is still starting"));
        return commands.apply(request);
    }

    private static CompletableFuture<AdminReply> done(AdminReply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
