package vigil.daemon.loop;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import vigil.core.election.Event;
import vigil.core.election.Message;
import vigil.core.election.Role;
import vigil.core.election.Voter;
import vigil.core.node.AckDeferral;
import vigil.core.node.Arrivals;
import vigil.core.node.Effect;
import vigil.core.node.Input;
import vigil.core.node.Commands;
import vigil.core.node.Node;
import vigil.core.node.NodeConfig;
import vigil.core.node.NodeDecision;
import vigil.core.node.NodeState;
import vigil.core.node.Wake;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.loop.Drivers.Disk;
import vigil.daemon.loop.Drivers.Fencing;
import vigil.daemon.loop.Drivers.Peers;
import vigil.daemon.loop.Drivers.Pg;
import vigil.daemon.loop.Drivers.Vips;
import vigil.daemon.loop.Drivers.Watchdog;
import vigil.protocol.admin.StatusView;
import vigil.protocol.peer.BadFrameException;
import vigil.protocol.peer.PeerCodec;

/**
 * observe → decide → act, on one thread. Every input (a peer frame, a probe, an action's end, an admin query, a tick)
 * is handled to completion before the next: {@link Node#decide} — the very step the simulator runs — returns the
 * effects, which are carried out in order (a fence first, then every fsync before any later send). The loop decides
 * nothing itself. A failed fsync halts it: a node that cannot remember its term must not vote.
 */
public final class NodeLoop implements Runnable {

    private sealed interface In {}

    private record Frame(String from, byte[] bytes) implements In {}

    /** A frame decoded by the thread that received it. */
    private record Decoded(String from, Message message) implements In {}

    /** Wakes the loop to read the acknowledgements left waiting ({@link #onFrame}). */
    private record Nudge() implements In {}

    private record View(Set<String> members) implements In {}

    private record StatusQuery(CompletableFuture<StatusView> reply) implements In {}

    private record Step(Input input) implements In {}

    private record Shutdown(CompletableFuture<Void> done) implements In {}

    private record Operator(OperatorRequests.Request request) implements In {}

    /** A switchover this leader has begun: to {@code target}, in {@code term}. */
    public record SwitchoverBegun(String target, long term) {}

    /** Every input but the acknowledgements left waiting, and the peer datagram socket once {@link #readsDatagrams}. */
    private final Inbox<In> inputs = new Inbox<>();
    /**
     * Heartbeat acknowledgements that arrived while {@link AckDeferral} let them wait: read before anything else each
     * time the loop goes round, without waking it for each.
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<Decoded> waiting = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Set by the loop after each decision: acknowledgements may wait for its next wake. */
    private volatile boolean acksMayWait;
    /** How often the loop went round, and how many acknowledgements it read that had waited (for tests). */
    private volatile long turns;
    private volatile long acksWaited;
    private final NodeConfig config;
    private final String cluster;
    private final Pg pg;
    private final PeerCodec codec;
    /** Carries out the effects of each decision on the drivers. */
    private final Actuators actuators;
    private final Log log;
    private final LongSupplier clock;
    private final Map<String, Long> badFrameLoggedAt = new HashMap<>();
    /** Heartbeats and acknowledgements come by two paths: the first copy of each goes on, the other is dropped. */
    private final Arrivals arrivals = new Arrivals();
    private final java.util.List<CompletableFuture<Void>> stopWaiters = new java.util.ArrayList<>();
    /** Written by the loop only; volatile so that {@link #snapshot} may read the newest from another thread. */
    private volatile NodeState state;
    /** When the primary's position reached each value: the standbys' lag in seconds, for status and metrics. */
    private final PrimaryProgress progress = new PrimaryProgress();
    private final OperatorRequests operators;
    private volatile Set<String> members = Set.of();
    private volatile boolean halted;
    /** The loop halted for {@code vigilctl restart-daemon}: the process exits for systemd to start it again. */
    private volatile boolean restarting;
    private volatile long progressAt;
    /** The instant the core asked to be ticked at, and when the last tick was ({@link #run}). */
    private long wakeAt;
    private long lastTickAt;
    /** The instant of the last tick, up to which every rule was tried (Wake#after); none yet: Long.MIN_VALUE. */
    private long triedUntil = Long.MIN_VALUE;
    /**
     * The last vote refusal logged. A request from a peer outside the JGroups view comes by both paths and is refused
     * twice, for the same cause but for the milliseconds it may name: logged once ({@link #sameRefusal}). A second
     * copy refused for another cause (the no-vote window ended between the copies) is logged. The replies still go.
     */
    private Event.VoteRefused lastRefusal;

    /**
     * @param pg       null when vigil manages no PostgreSQL here
     * @param watchdog null when there is no watchdog device
     */
    public NodeLoop(NodeConfig config, String cluster, NodeState initial, Disk disk, Peers peers, Pg pg,
                    Watchdog watchdog, PeerCodec codec, Log log, LongSupplier clock) {
        this.config = config;
        this.cluster = cluster;
        this.pg = pg;
        this.codec = codec;
        this.actuators = new Actuators(disk, peers, pg, watchdog, codec, log, clock, in -> inputs.add(new Step(in)));
        this.log = log;
        this.clock = clock;
        this.state = initial;
        this.progressAt = clock.getAsLong();
        this.operators = new OperatorRequests(config, log, clock, () -> state, this::decide);
    }

    /**
     * {@code vigilctl confirm-down}: an operator swears {@code node} is off. Only a leader takes it (it is the one
     * waiting for a proof); the future fails with the reason otherwise.
     */
    public CompletableFuture<String> confirmDown(String node, String operator) {
        return ask(reply -> new OperatorRequests.ConfirmDown(node, operator, reply));
    }

    /**
     * {@code vigilctl cleanup}: an operator resets this node's failcount (restarts counted against migration_threshold,
     * the back-off of failed actions). The future says what was reset.
     */
    public CompletableFuture<String> cleanup(String operator) {
        return ask(reply -> new OperatorRequests.Cleanup(operator, reply));
    }

    /**
     * {@code vigilctl switchover}: hand the primary role to {@code target} (null: the best standby). Only the leader,
     * running the primary, begins it, and only when the core finds it safe; the future fails with its reason otherwise.
     */
    public CompletableFuture<SwitchoverBegun> switchover(String target, String operator,
                                                         vigil.protocol.admin.SwitchoverPurpose purpose) {
        return ask(reply -> new OperatorRequests.Switchover(target, operator, purpose, reply));
    }

    /**
     * {@code vigilctl pause} ({@code on}) or {@code resume}: maintenance mode, written into the cluster record; only the
     * leader takes it, and the future fails with the reason otherwise.
     */
    public CompletableFuture<String> pause(boolean on, String operator) {
        return ask(reply -> new OperatorRequests.Pause(on, operator, reply));
    }

    /** {@code vigilctl ban} ({@code on}) or {@code unban} of {@code node}: only the leader takes it (it writes the record). */
    public CompletableFuture<String> ban(String node, boolean on, String operator) {
        return ask(reply -> new OperatorRequests.Ban(node, on, operator, reply));
    }

    /**
     * {@code vigilctl failover --to} this node: it holds the operator's order ({@link Commands#refusesFailover} says whether
     * it takes it). The future says what the order does, or fails with the core's reason.
     */
    public CompletableFuture<String> failover(boolean acceptDataLoss, String operator) {
        return ask(reply -> new OperatorRequests.Failover(acceptDataLoss, operator, reply));
    }

    /**
     * This leader resigns in favour of {@code target}, which holds an operator's order to take over
     * ({@link Commands#refusesHandOver} says whether it does).
     */
    public CompletableFuture<String> handOver(String target, String operator, boolean acceptDataLoss) {
        return ask(reply -> new OperatorRequests.HandOver(target, operator, acceptDataLoss, reply));
    }

    /**
     * {@code vigilctl restart-pg}: restart this node's standby (clean shutdown, then the ordinary start). The future says
     * what began, or fails with the core's reason (the primary, maintenance mode, an action under way).
     */
    public CompletableFuture<String> restartPg(String operator) {
        return ask(reply -> new OperatorRequests.RestartPg(operator, reply));
    }

    /** An operator's request for the loop, made with the future its answer completes; that future. */
    private <T> CompletableFuture<T> ask(java.util.function.Function<CompletableFuture<T>, OperatorRequests.Request> request) {
        CompletableFuture<T> reply = new CompletableFuture<>();
        inputs.add(new Operator(request.apply(reply)));
        return reply;
    }

    /** Sets the fence-agent driver; before {@link #run}. */
    public void fencing(Fencing f) {
        actuators.fencing(f);
    }

    /** Sets the VIP driver; before {@link #run}. */
    public void vips(Vips v) {
        actuators.vips(v);
    }

    /** An input from a driver (a probe, an action's end, a peer probe's answer). */
    public void onInput(Input in) {
        inputs.add(new Step(in));
    }

    /**
     * A frame from a peer, on the thread that received it. While {@link AckDeferral} allows it, a heartbeat
     * acknowledgement waits for the loop's next wake (at most a heartbeat away) instead of waking it; anything else
     * wakes it. A frame that does not decode goes to the loop, which logs it.
     */
    public void onFrame(String from, byte[] bytes) {
        if (acksMayWait) {
            Message m;
            try {
                m = codec.decode(bytes);
            } catch (BadFrameException e) {
                inputs.add(new Frame(from, bytes));
                return;
            }
            if (m instanceof Message.HeartbeatAck) {
                waiting.add(new Decoded(from, m));
                // The loop stopped letting them wait meanwhile (and may have read the queue already): wake it.
                if (!acksMayWait) inputs.add(new Nudge());
            } else {
                inputs.add(new Decoded(from, m));
            }
            return;
        }
        inputs.add(new Frame(from, bytes));
    }

    /**
     * The loop reads the peer datagram socket itself ({@link Inbox}): {@code channel} (non-blocking) wakes it, and
     * {@code drain} reads the datagrams waiting in it and hands each to {@link #onFrame}, on the loop's thread (its
     * argument: see {@link Inbox.Socket#drain}). Call it before the loop's thread starts.
     */
    public void readsDatagrams(java.nio.channels.SelectableChannel channel, java.util.function.LongConsumer drain) {
        inputs.reads(new Inbox.Socket() {
            @Override public java.nio.channels.SelectableChannel channel() { return channel; }
            @Override public void drain(long unwatchedSinceMs) { drain.accept(unwatchedSinceMs); }
        });
    }

    public void onView(Set<String> memberNames) {
        inputs.add(new View(Set.copyOf(memberNames)));
    }

    /**
     * This node's status from any thread, without waiting for the loop: the newest state and membership it has
     * published (each immutable; the two may be one decision apart). For the unit's status line; {@link #status}
     * answers the admin socket in the loop's order.
     */
    public StatusView snapshot() {
        return StatusSnapshot.of(state, config, cluster, members, clock.getAsLong(), progress);
    }

    public CompletableFuture<StatusView> status() {
        CompletableFuture<StatusView> f = new CompletableFuture<>();
        if (halted) f.completeExceptionally(new IllegalStateException("the node loop has halted"));
        else inputs.add(new StatusQuery(f));
        return f;
    }

    /**
     * A planned stop: PostgreSQL is shut down cleanly (fenced if that fails or the lease ends), leadership resigned
     * with the report that it is stopped, the watchdog closed; then the loop ends. Completes when that is done.
     */
    public CompletableFuture<Void> shutdown() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (halted) done.complete(null);
        else inputs.add(new Shutdown(done));
        return done;
    }

    /**
     * The leader this node follows, or null when this node leads or knows of none: where an operator's request that
     * only the leader carries out is forwarded. A leader not heard from for a whole lease (crashed, cut off) is none:
     * the request is refused here, saying so, instead of waiting for an answer that cannot come. Read from the newest
     * published state, without waiting for the loop.
     */
    public String leaderElsewhere() {
        var e = state.election();
        return e.role() == Role.LEADER || e.leader() == null || e.leader().equals(config.electorate().self())
                || clock.getAsLong() >= e.noVoteUntil() ? null : e.leader();
    }

    /**
     * {@code read} applied to the newest published state at the loop clock's now, from any thread, without waiting for
     * the loop (the HTTP checks: what they answer is what the node step last decided, as time has moved on since).
     */
    public <T> T read(java.util.function.BiFunction<NodeState, Long, T> read) {
        return read.apply(state, clock.getAsLong());
    }

    /** {@code vigilctl simulate}: what losing {@code lost} would do, from the newest published state ({@link Commands#simulate}). */
    public List<String> simulate(java.util.Set<String> lost) {
        return Commands.simulate(config, state, lost);
    }

    /** Whether this node leads now (the newest published state). */
    public boolean leads() {
        return state.election().role() == Role.LEADER;
    }

    /** Whether {@code node} is a member of this cluster (cluster.nodes). */
    public boolean knows(String node) {
        return config.electorate().voter(node).isPresent();
    }

    /** The loop ended for {@code vigilctl restart-daemon} ({@link vigil.core.node.DaemonRestart}). */
    public boolean restarting() {
        return restarting;
    }

    /**
     * {@code vigilctl restart-daemon}: this vigild ends, PostgreSQL left running, once a majority acknowledged the record
     * saying that the watchdog no longer covers it ({@link Commands#refusesRestartDaemon} says whether it takes it). The future says what
     * happens next, or fails with the reason.
     */
    public CompletableFuture<String> restartDaemon(String operator) {
        return ask(reply -> new OperatorRequests.RestartDaemon(operator, reply));
    }

    public boolean halted() {
        return halted;
    }

    /** Milliseconds since the loop last went round: the systemd watchdog is fed only while this stays small. */
    public long sinceProgressMs() {
        return clock.getAsLong() - progressAt;
    }

    /**
     * Sleeps until the next input or the instant the core last asked to be woken ({@link Wake}), whichever comes first;
     * ticks at that instant, and after an input whose decision asked for a tick by now (at the input's instant: what
     * the input changed is acted on at once, and every rule that came due is tried; a tick before the wake would decide
     * nothing). Timer ticks never come closer together than {@link Wake#MIN_TICK_MS}; the core never asks for a sleep
     * longer than {@link Wake#MAX_SLEEP_MS}. An idle follower thus wakes only for its leader's heartbeats, and decides
     * each once.
     */
    @Override
    public void run() {
        lastTickAt = clock.getAsLong() - Wake.MIN_TICK_MS;
        wakeAt = lastTickAt;
        try {
            while (!halted) {
                long now = clock.getAsLong();
                progressAt = now;
                long wait = Math.max(wakeAt, lastTickAt + Wake.MIN_TICK_MS) - now;
                // A datagram wakes the loop unless acknowledgements may wait: then they (and any other datagram) are
                // read at the next wake, at most a heartbeat away (AckDeferral; the simulator holds them the same way).
                In in = inputs.poll(wait, !acksMayWait);
                turns++;
                readWaiting();
                if (in != null) handle(in);
                if (!acksMayWait) readWaiting(); // the last decision stopped letting them wait: not until the next wake
                now = clock.getAsLong();
                // After an input, a tick at once if the wake its decision set has come (every rule due by now is tried);
                // before the wake a tick decides nothing (Wake's invariant, checked by the simulator on every tick it
                // skips), so it is skipped: an idle node's heartbeats, acknowledgements and probes are decided once.
                if (!halted && (in != null && now >= wakeAt || now >= Math.max(wakeAt, lastTickAt + Wake.MIN_TICK_MS))) {
                    lastTickAt = now;
                    decide(new Input.Tick(now));
                    if (!acksMayWait) readWaiting(); // an acknowledgement that came while the tick was decided
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            halted = true;
        } catch (RuntimeException | Error e) {
            // Whatever broke, the node must stop acting and the process must exit non-zero so systemd restarts it.
            log.event(Priority.ERR, "halted", "reason", "INTERNAL_ERROR", "error", e.toString());
            halted = true;
        }
        failPending();
        inputs.close();
    }

    /** Decides the acknowledgements left waiting, in the order they came, each stamped as the loop takes it. */
    private void readWaiting() {
        Decoded d;
        while (!halted && (d = waiting.poll()) != null) {
            acksWaited++;
            received(d.from(), d.message());
        }
    }

    long turns() {
        return turns;
    }

    long acksWaited() {
        return acksWaited;
    }

    private void received(String from, Message m) {
        if (arrivals.admit(from, m)) decide(new Input.Received(clock.getAsLong(), from, m));
    }

    private void handle(In in) {
        if (in instanceof Decoded d) {
            received(d.from(), d.message());
        } else if (in instanceof Nudge) {
            readWaiting();
        } else if (in instanceof Frame f) {
            try {
                received(f.from(), codec.decode(f.bytes()));
            } catch (BadFrameException e) {
                long now = clock.getAsLong();
                Long last = badFrameLoggedAt.get(f.from());
                if (last == null || now - last > 60_000) {
                    badFrameLoggedAt.put(f.from(), now);
                    log.event(Priority.WARNING, "bad_frame", "peer", f.from(), "reason", e.getMessage());
                }
            }
        } else if (in instanceof View v) {
            if (!v.members().equals(members)) {
                members = v.members();
                log.event(Priority.INFO, "view", "members", String.join(",", members.stream().sorted().toList()),
                        "quorum", reachableVoters() >= config.electorate().quorum());
            }
        } else if (in instanceof Step s) {
            decide(s.input());
        } else if (in instanceof Operator o) {
            operators.handle(o.request());
        } else if (in instanceof StatusQuery q) {
            q.reply().complete(StatusSnapshot.of(state, config, cluster, members, clock.getAsLong(), progress));
        } else if (in instanceof Shutdown s) {
            stopWaiters.add(s.done());
            log.event(Priority.NOTICE, "stopping", "reason", "PLANNED_STOP", "term", state.election().term());
            decide(new Input.Shutdown(clock.getAsLong()));
        }
    }

    /** The same candidate, term and cause, numbers aside (a no-vote window's "heard 84 ms ago"). */
    static boolean sameRefusal(Event.VoteRefused v, Event.VoteRefused last) {
        return last != null && v.term() == last.term() && v.candidate().equals(last.candidate())
                && v.why().replaceAll("[0-9]+", "#").equals(last.why().replaceAll("[0-9]+", "#"));
    }

    private void decide(Input in) {
        NodeDecision d = Node.decide(config, state, in);
        wakeAt = Wake.after(config, state, d, in, triedUntil);
        if (in instanceof Input.Tick) triedUntil = in.now();
        boolean restartGivenUp = state.restart() != null && d.next().restart() == null && !d.next().halted();
        state = d.next();
        if (config.policy() != null) {
            var primary = StatusSnapshot.primaryPosition(state);
            if (primary != null) progress.saw(primary.timeline(), primary.lsn(), in.now());
        }
        for (Event e : d.events()) {
            if (e instanceof Event.VoteRefused v) {
                if (sameRefusal(v, lastRefusal)) continue;
                lastRefusal = v;
            }
            Logs.event(log, e);
        }
        Logs.decision(log, d, state);
        for (String note : d.notes()) {
            if (restartGivenUp && note.startsWith("restart-daemon given up")) {
                log.event(Priority.WARNING, "restart_daemon_given_up", "reason", "RESTART_GIVEN_UP", "cause", note);
            } else {
                log.event(Priority.NOTICE, "note", "detail", note);
            }
        }
        // Before the effects, as the simulator does: an fsync that blocks must not leave the old answer standing.
        acksMayWait = AckDeferral.allowed(config, state, in.now(), wakeAt);
        for (Effect e : d.effects()) {
            Actuators.Outcome done = actuators.carryOut(e, state.election().term(), members);
            if (done == Actuators.Outcome.RESTARTING) restarting = true;
            if (done != Actuators.Outcome.DONE) halted = true;
            if (done == Actuators.Outcome.UNSAVED) return; // nothing after an unsaved term may happen
        }
        if (pg != null) pg.steady(vigil.core.node.ProbeCadence.steady(state, in.now()));
    }

    private int reachableVoters() {
        int n = 0;
        for (Voter v : config.electorate().voters()) {
            if (v.name().equals(config.electorate().self()) || members.contains(v.name())) n++;
        }
        return n;
    }

    private void failPending() {
        In in;
        while ((in = inputs.poll()) != null) {
            if (in instanceof StatusQuery q) q.reply().completeExceptionally(new IllegalStateException("stopped"));
            if (in instanceof Shutdown s) stopWaiters.add(s.done());
            if (in instanceof Operator o) OperatorRequests.fail(o.request(), "vigild stopped");
        }
        for (CompletableFuture<Void> f : stopWaiters) f.complete(null);
    }

    /** The node's role, for tests and the daemon's own decisions about its exit. */
    Role role() {
        return state.election().role();
    }

    List<String> memberList() {
        return List.copyOf(members);
    }
}
