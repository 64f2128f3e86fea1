package vigil.daemon.loop;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import vigil.core.election.Action;
import vigil.core.election.Decision;
import vigil.core.election.Durable;
import vigil.core.election.Election;
import vigil.core.election.ElectionState;
import vigil.core.election.Electorate;
import vigil.core.election.Event;
import vigil.core.election.Observation;
import vigil.core.election.Role;
import vigil.core.election.Voter;
import vigil.core.ha.HaDecision;
import vigil.core.ha.HaObservation;
import vigil.core.ha.HaPolicy;
import vigil.core.ha.HaReason;
import vigil.core.ha.PgAction;
import vigil.core.ha.Supervisor;
import vigil.core.ha.SupervisorState;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.state.StateException;
import vigil.core.election.Candidacy;
import vigil.core.ha.PgView;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.PgClusterView;
import vigil.protocol.admin.PgNodeView;
import vigil.protocol.admin.StatusView;
import vigil.protocol.peer.BadFrameException;
import vigil.protocol.peer.PeerCodec;

/**
 * observe → decide → act, on one thread. Every input (a peer frame, a view change, an admin query, a tick) is
 * handled to completion before the next, so the core sees one consistent sequence of observations and the driver
 * never acts on a decision that a later one already replaced. A failed fsync halts the loop: a node that cannot
 * remember its term must not vote.
 */
public final class NodeLoop implements Runnable {
    static final long TICK_MS = 10;

    /** Sends one encoded frame to a peer; loss is tolerated. */
    public interface Peers {
        void send(String node, byte[] frame);
    }

    /** Writes the durable state and returns only once it is on disk. */
    public interface Disk {
        void save(Durable durable) throws StateException;
    }

    private sealed interface Input {}

    private record Frame(String from, byte[] bytes) implements Input {}

    private record View(Set<String> members) implements Input {}

    private record StatusQuery(CompletableFuture<StatusView> reply) implements Input {}

    private record Stop(String reason, CompletableFuture<Void> done) implements Input {}

    private record Ha(HaObservation observation) implements Input {}

    /** The PostgreSQL side, present only when vigil manages PostgreSQL on this cluster. */
    public record Supervision(HaPolicy policy, Consumer<PgAction> actuator) {}

    private final LinkedBlockingQueue<Input> inputs = new LinkedBlockingQueue<>();
    private final Electorate electorate;
    private final String cluster;
    private final Disk disk;
    private final Peers peers;
    private final PeerCodec codec;
    private final Log log;
    private final LongSupplier clock;
    private final Map<String, Long> badFrameLoggedAt = new HashMap<>();
    private final Supervision supervision;
    private SupervisorState supervisor;
    private ElectionState state;
    private Set<String> members = Set.of();
    private volatile boolean halted;

    public NodeLoop(Electorate electorate, String cluster, Durable initial, Disk disk, Peers peers, PeerCodec codec,
                    Log log, LongSupplier clock) {
        this(electorate, cluster, initial, disk, peers, codec, log, clock, null);
    }

    public NodeLoop(Electorate electorate, String cluster, Durable initial, Disk disk, Peers peers, PeerCodec codec,
                    Log log, LongSupplier clock, Supervision supervision) {
        this.electorate = electorate;
        this.cluster = cluster;
        this.disk = disk;
        this.peers = peers;
        this.codec = codec;
        this.log = log;
        this.clock = clock;
        this.state = ElectionState.boot(electorate, initial, clock.getAsLong());
        this.supervision = supervision;
        this.supervisor = SupervisorState.boot(clock.getAsLong());
    }

    /** A PostgreSQL probe result, action outcome or peer probe answer from the agent. */
    public void onHa(HaObservation o) {
        inputs.add(new Ha(o));
    }

    public void onFrame(String from, byte[] bytes) {
        inputs.add(new Frame(from, bytes));
    }

    public void onView(Set<String> memberNames) {
        inputs.add(new View(Set.copyOf(memberNames)));
    }

    public CompletableFuture<StatusView> status() {
        CompletableFuture<StatusView> f = new CompletableFuture<>();
        if (halted) f.completeExceptionally(new IllegalStateException("the node loop has halted"));
        else inputs.add(new StatusQuery(f));
        return f;
    }

    /** Resigns leadership (followers may stand at once instead of waiting out the lease), then ends the loop. */
    public CompletableFuture<Void> stop(String reason) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (halted) done.complete(null);
        else inputs.add(new Stop(reason, done));
        return done;
    }

    public boolean halted() {
        return halted;
    }

    @Override
    public void run() {
        long lastTick = clock.getAsLong() - TICK_MS;
        try {
            while (!halted) {
                long now = clock.getAsLong();
                long wait = lastTick + TICK_MS - now;
                Input in = wait > 0 ? inputs.poll(wait, TimeUnit.MILLISECONDS) : inputs.poll();
                if (in != null) handle(in);
                now = clock.getAsLong();
                if (!halted && now - lastTick >= TICK_MS) {
                    decide(new Observation.Tick(now));
                    supervise(new HaObservation.Tick(now));
                    lastTick = now;
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
    }

    private void handle(Input in) {
        if (in instanceof Frame f) {
            try {
                decide(new Observation.Received(clock.getAsLong(), f.from(), codec.decode(f.bytes())));
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
                        "quorum", reachableVoters() >= electorate.quorum());
            }
        } else if (in instanceof Ha h) {
            supervise(h.observation());
        } else if (in instanceof StatusQuery q) {
            q.reply().complete(snapshot());
        } else if (in instanceof Stop s) {
            decide(new Observation.Resign(clock.getAsLong()));
            log.event(Priority.NOTICE, "stopped", "reason", s.reason(), "term", state.term());
            halted = true;
            s.done().complete(null);
        }
    }

    private void decide(Observation o) {
        Decision d = Election.decide(state, o);
        for (Action a : d.actions()) {
            if (a instanceof Action.Persist p) {
                try {
                    disk.save(p.durable());
                } catch (StateException e) {
                    log.event(Priority.ERR, "halted", "reason", "STATE_NOT_SAVED", "error", e.getMessage());
                    halted = true;
                    return; // nothing after an unsaved term may be sent
                }
            } else if (a instanceof Action.Send s) {
                peers.send(s.to(), codec.encode(s.message()));
            }
        }
        state = d.next();
        for (Event e : d.events()) logEvent(e);
    }

    /** The supervisor decides on PostgreSQL; its election inputs go through the election like any observation. */
    private void supervise(HaObservation o) {
        if (supervision == null || halted) return;
        HaDecision d = Supervisor.decide(supervisor, state, supervision.policy(), o);
        supervisor = d.next();
        for (Observation in : d.electionInputs()) decide(in);
        boolean acts = d.actions().stream().anyMatch(a -> !(a instanceof PgAction.ProbePeer));
        if (d.reason() != null || acts) { // each change of reason, and every action even for the same reason
            log.event(d.reason() == HaReason.SELF_FENCE ? Priority.WARNING : Priority.NOTICE, "pg",
                    "reason", d.reason() != null ? d.reason() : supervisor.reason(), "role", state.role().label(),
                    "term", state.term(),
                    "primary", state.durable().record().primary(), "actions", d.actions());
        }
        for (PgAction a : d.actions()) supervision.actuator().accept(a);
    }

    private void logEvent(Event e) {
        if (e instanceof Event.LeaseAcquired l) {
            log.event(Priority.NOTICE, "lease_acquired", "term", l.term(), "lease_start_mono_ms", l.start(),
                    "lease_until_mono_ms", l.until());
        } else if (e instanceof Event.RoleChanged rc) {
            if (rc.from() == rc.to()) {
                log.event(Priority.INFO, "leader", "leader", rc.leader(), "term", rc.term(), "reason", rc.reason());
                return;
            }
            boolean lostLeadership = rc.from() == Role.LEADER;
            Object[] kv = rc.leaseEndedAt() >= 0
                    ? new Object[] {"role", rc.from().label() + "→" + rc.to().label(), "term", rc.term(),
                            "leader", rc.leader(), "reason", rc.reason(), "lease_ended_mono_ms", rc.leaseEndedAt()}
                    : new Object[] {"role", rc.from().label() + "→" + rc.to().label(), "term", rc.term(),
                            "leader", rc.leader(), "reason", rc.reason()};
            log.event(lostLeadership ? Priority.WARNING : Priority.NOTICE, "role", kv);
        }
    }

    private int reachableVoters() {
        int n = 0;
        for (Voter v : electorate.voters()) {
            if (v.name().equals(electorate.self()) || members.contains(v.name())) n++;
        }
        return n;
    }

    private StatusView snapshot() {
        long now = clock.getAsLong();
        String leader = state.role() == Role.LEADER ? electorate.self() : state.leader();
        List<NodeStatusView> rows = electorate.voters().stream().map(v -> {
            boolean self = v.name().equals(electorate.self());
            boolean reachable = self || members.contains(v.name());
            String role;
            if (self) role = !v.canLead() ? "witness" : state.role().label();
            else if (!reachable) role = "unknown";
            else if (v.name().equals(leader)) role = "leader";
            else role = v.canLead() ? "follower" : "witness";
            PgNodeView pg = supervision == null || !v.canLead() ? null : pgOf(v.name(), self);
            return new NodeStatusView(v.name(), v.canLead() ? "data" : "witness", role, reachable, self, pg);
        }).toList();
        String myRole = electorate.me().canLead() ? state.role().label() : "witness";
        var record = state.durable().record();
        PgClusterView pgCluster = supervision == null ? null : new PgClusterView(record.primary(), record.timeline(),
                record.sync(), supervision.policy().synchronous(),
                supervisor.reason() == null ? null : supervisor.reason().name());
        return new StatusView(StatusView.FORMAT_VERSION, electorate.self(), cluster, myRole, state.term(), leader, state.leaseRemaining(now),
                reachableVoters() >= electorate.quorum(), electorate.voters().size(), reachableVoters(), rows,
                pgCluster);
    }

    /**
     * This node's PostgreSQL from its own probe; another's from the position it reported in the election (the
     * leader hears every follower; a follower knows what the leader relayed).
     */
    private PgNodeView pgOf(String name, boolean self) {
        var record = state.durable().record();
        boolean sync = record.sync().contains(name);
        Candidacy primaryPos = name.equals(record.primary()) ? null : positionOf(record.primary());
        if (self) {
            PgView v = supervisor.view();
            String role = switch (v.health()) {
                case UP -> v.role() == PgView.Role.PRIMARY ? "primary" : "standby";
                case DOWN -> "down";
                case HUNG -> "hung";
                case UNKNOWN -> "unknown";
            };
            boolean up = v.health() == PgView.Health.UP;
            return new PgNodeView(role, up ? v.timeline() : null, up ? PgNodeView.lsn(v.lsn()) : null,
                    lag(primaryPos, up && v.role() == PgView.Role.STANDBY ? v.lsn() : null, up ? v.timeline() : 0),
                    sync, state.own().eligible(), supervisor.restarts().size());
        }
        Candidacy c = positionOf(name);
        boolean known = c != null && c.lsn() != Long.MAX_VALUE && (c.timeline() > 0 || c.lsn() > 0);
        String role = name.equals(record.primary()) ? "primary" : known ? "standby" : "unknown";
        return new PgNodeView(role, known ? c.timeline() : null, known ? PgNodeView.lsn(c.lsn()) : null,
                known && !"primary".equals(role) ? lag(primaryPos, c.lsn(), c.timeline()) : null, sync,
                c != null && c.eligible(), null);
    }

    private Candidacy positionOf(String name) {
        if (name == null) return null;
        if (name.equals(electorate.self())) return state.own();
        return state.known().get(name);
    }

    private static Long lag(Candidacy primary, Long lsn, long timeline) {
        if (primary == null || lsn == null || primary.lsn() == Long.MAX_VALUE || primary.timeline() != timeline) {
            return null;
        }
        return Math.max(0, primary.lsn() - lsn);
    }

    private void failPending() {
        Input in;
        while ((in = inputs.poll()) != null) {
            if (in instanceof StatusQuery q) q.reply().completeExceptionally(new IllegalStateException("stopped"));
            if (in instanceof Stop s) s.done().complete(null);
        }
    }
}
