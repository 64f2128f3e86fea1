package vigil.core.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import vigil.core.election.Action;
import vigil.core.election.Decision;
import vigil.core.election.Durable;
import vigil.core.election.Election;
import vigil.core.election.ElectionState;
import vigil.core.election.Electorate;
import vigil.core.election.Event;
import vigil.core.election.Message;
import vigil.core.election.Observation;
import vigil.core.election.Role;
import vigil.core.election.Voter;

/**
 * Runs N election cores against a simulated network and clock, in real time measured in microseconds, and checks
 * the promise after every step. Everything random comes from one seed, so a failing schedule replays exactly.
 *
 * <p>Modelled: partitions and one-way links, message loss, delay, duplication and reordering, crashes that keep
 * only the persisted {@link Durable} (a restarted process gets a new clock with an arbitrary origin), process
 * pauses (the process keeps its clock but handles nothing; messages wait in its socket buffer) and per-process clock
 * rates anywhere within {@code 1 ± drift}.
 */
final class Simulation {
    static final long TICK_LOCAL_MS = 10;

    private final SimSpec spec;
    private final SplittableRandom random;
    private final PriorityQueue<SimEvent> queue = new PriorityQueue<>();
    private final Map<String, SimNode> nodes = new HashMap<>();
    private final Map<Long, String> leaderOfTerm = new HashMap<>();
    private final Deque<String> trace = new ArrayDeque<>();
    private final FaultState faults = new FaultState();
    private final SimHa ha;
    private long nowUs;
    private long seq;
    private long events;

    Simulation(SimSpec spec) {
        this.spec = spec;
        this.random = new SplittableRandom(spec.seed());
        for (Voter v : spec.voters()) nodes.put(v.name(), new SimNode(v.name()));
        this.ha = spec.postgres() ? new SimHa(new HaWorld(), spec.synchronous()) : null;
        // Drawn apart from the schedule's generator, so adding PostgreSQL never changes the election's schedule.
        SplittableRandom rates = new SplittableRandom(spec.seed() ^ 0x5DEECE66DL);
        for (Voter v : spec.voters()) nodes.get(v.name()).streamRate = 1 + rates.nextInt(9);
    }

    /** Runs the schedule; throws {@link AssertionError} naming the seed on the first broken promise. */
    SimResult run() {
        for (SimNode n : nodes.values()) start(n);
        for (FaultPlan.Fault f : FaultPlan.generate(spec, random.split())) {
            schedule(f.atUs(), new SimEvent.Apply(f));
        }
        long healAt = spec.faultPhaseUs();
        schedule(healAt, new SimEvent.HealAll());
        if (ha != null) schedule(20_000, new SimEvent.WriteTick());
        long end = healAt + spec.quietPhaseUs();
        long stableLeaderAtUs = -1;
        long servingAtUs = -1;
        while (!queue.isEmpty()) {
            SimEvent e = queue.poll();
            if (e.atUs() > end) break;
            nowUs = e.atUs();
            events++;
            handle(e);
            checkInvariants();
            if (DUMP_AT_US > 0 && nowUs >= DUMP_AT_US && !dumped) {
                dumped = true;
                note("state:\n" + nodeStates());
            }
            if (stableLeaderAtUs < 0 && nowUs >= healAt && leaseHolder() != null) stableLeaderAtUs = nowUs;
            if (ha != null && servingAtUs < 0 && nowUs >= healAt && serving()) servingAtUs = nowUs;
        }
        if (ha != null && (servingAtUs < 0 || servingAtUs - healAt > spec.servingBoundUs())) {
            fail("no leader serving writes within " + spec.servingBoundUs() / 1000 + " ms after all faults healed");
        }
        if (stableLeaderAtUs < 0) fail("no leader with a valid lease within " + spec.quietPhaseUs() / 1000
                + " ms after all faults healed");
        long recovery = stableLeaderAtUs - healAt;
        if (recovery > spec.livenessBoundUs()) {
            fail("leader elected " + recovery / 1000 + " ms after heal, bound is " + spec.livenessBoundUs() / 1000 + " ms");
        }
        return new SimResult(spec.seed(), events, recovery / 1000, maxTerm(), leaderOfTerm.size());
    }

    // ---- event handling -------------------------------------------------------------------------------------

    private void handle(SimEvent e) {
        if (e instanceof SimEvent.Tick t) {
            SimNode n = nodes.get(t.node());
            if (!n.alive || n.incarnation != t.incarnation()) return;
            long nextLocal = n.localMs(nowUs) + TICK_LOCAL_MS;
            schedule(n.realUsAt(nextLocal), new SimEvent.Tick(t.node(), t.incarnation()));
            if (n.pausedUntilUs > nowUs) return;
            apply(n, new Observation.Tick(n.localMs(nowUs)));
        } else if (e instanceof SimEvent.Deliver d) {
            SimNode n = nodes.get(d.to());
            if (!n.alive) return;
            if (n.pausedUntilUs > nowUs) {
                n.buffered.add(d);
                return;
            }
            apply(n, new Observation.Received(n.localMs(nowUs), d.from(), d.message()));
        } else if (e instanceof SimEvent.Apply a) {
            applyFault(a.fault());
        } else if (e instanceof SimEvent.Resume r) {
            SimNode n = nodes.get(r.node());
            if (!n.alive || n.pausedUntilUs > nowUs) return;
            n.steadySinceUs = nowUs;
            List<SimEvent.Deliver> buffered = new ArrayList<>(n.buffered);
            n.buffered.clear();
            for (SimEvent.Deliver d : buffered) apply(n, new Observation.Received(n.localMs(nowUs), d.from(), d.message()));
        } else if (e instanceof SimEvent.Restart r) {
            SimNode n = nodes.get(r.node());
            if (!n.alive) start(n);
        } else if (e instanceof SimEvent.PgDone d) {
            SimNode n = nodes.get(d.node);
            // The action happened to PostgreSQL even if the vigild that asked for it has died or froze since;
            // a frozen vigild hears of it when it resumes.
            boolean sameProcess = n.alive && n.incarnation == d.incarnation;
            boolean paused = sameProcess && n.pausedUntilUs > nowUs;
            if (paused) schedule(n.pausedUntilUs, new SimEvent.PgDone(d.node, d.incarnation, d.action, true));
            if (d.notifyOnly) {
                if (sameProcess && !paused) ha.notifyDone(n, d.action, n.localMs(nowUs));
            } else {
                ha.complete(n, d.action, sameProcess ? n.localMs(nowUs) : 0, sameProcess && !paused);
            }
        } else if (e instanceof SimEvent.PeerProbeDone p) {
            SimNode n = nodes.get(p.node);
            if (n.alive && n.incarnation == p.incarnation && n.pausedUntilUs <= nowUs) {
                ha.decide(n, new vigil.core.ha.HaObservation.PeerProbed(n.localMs(nowUs), p.target, p.result));
            }
        } else if (e instanceof SimEvent.WriteTick) {
            ha.writeTick();
            schedule(nowUs + 20_000, new SimEvent.WriteTick());
        } else if (e instanceof SimEvent.WatchdogCheck w) {
            SimNode n = nodes.get(w.node);
            boolean gone = !n.alive && n.incarnation == w.incarnation;
            boolean frozen = n.alive && n.incarnation == w.incarnation && n.pausedUntilUs > nowUs;
            if (gone || frozen) {
                note(n.name + " watchdog resets the host");
                if (frozen) {
                    n.alive = false;
                    n.state = null;
                    n.buffered.clear();
                    schedule(n.pausedUntilUs, new SimEvent.Restart(n.name));
                }
                ha.watchdogReset(n);
            }
        } else if (e instanceof SimEvent.HealAll) {
            faults.healAll();
            faults.lastChangeUs = nowUs;
            for (SimNode n : nodes.values()) {
                if (!n.alive) start(n);
                if (n.pausedUntilUs > nowUs) {
                    n.pausedUntilUs = nowUs;
                    schedule(nowUs, new SimEvent.Resume(n.name));
                }
            }
        }
    }

    private void applyFault(FaultPlan.Fault f) {
        note("fault " + f);
        if (f.kind() != FaultPlan.Kind.CRASH && f.kind() != FaultPlan.Kind.PAUSE) faults.lastChangeUs = nowUs;
        switch (f.kind()) {
            case PARTITION -> faults.partition(f.groupA(), f.groupB());
            case ONE_WAY -> faults.block(f.groupA().get(0), f.groupB().get(0));
            case HEAL -> faults.healLinks();
            case LOSS -> faults.lossPercent = f.amount();
            case DELAY -> faults.extraDelayUs = f.amount() * 1000L;
            case DUPLICATE -> faults.duplicatePercent = f.amount();
            case CRASH -> {
                SimNode n = nodes.get(f.groupA().get(0));
                if (n.alive) {
                    n.alive = false;
                    n.state = null;
                    n.buffered.clear();
                    schedule(nowUs + f.amount() * 1000L, new SimEvent.Restart(n.name));
                    if (ha != null) {
                        // Half the crashes take the whole host (PostgreSQL too); the rest only vigild, whose
                        // watchdog resets the host unless vigild is back in time.
                        if (random.nextBoolean()) ha.watchdogReset(n);
                        else schedule(nowUs + SimHa.WATCHDOG_MS * 1000, new SimEvent.WatchdogCheck(n.name, n.incarnation));
                    }
                }
            }
            case PAUSE -> {
                SimNode n = nodes.get(f.groupA().get(0));
                if (n.alive) {
                    n.pausedUntilUs = Math.max(n.pausedUntilUs, nowUs + f.amount() * 1000L);
                    schedule(n.pausedUntilUs, new SimEvent.Resume(n.name));
                    if (ha != null) schedule(nowUs + SimHa.WATCHDOG_MS * 1000, new SimEvent.WatchdogCheck(n.name, n.incarnation));
                }
            }
        }
    }

    private void start(SimNode n) {
        n.alive = true;
        n.incarnation++;
        n.pausedUntilUs = 0;
        n.steadySinceUs = nowUs;
        // A new process: arbitrary clock origin, a rate anywhere inside the drift bound.
        n.originLocalMs = random.nextLong(1_000_000_000L);
        n.originRealUs = nowUs;
        double drift = spec.actualDrift();
        n.rate = 1 + drift * (2 * random.nextDouble() - 1);
        Electorate electorate = new Electorate(n.name, spec.voters(), spec.timing());
        n.state = ElectionState.boot(electorate, n.disk, n.localMs(nowUs));
        if (ha != null) {
            ha.hostBack(n);
            ha.boot(n, n.localMs(nowUs));
        }
        note(n.name + " boots term=" + n.disk.term());
        schedule(nowUs + random.nextLong(1, TICK_LOCAL_MS * 1000), new SimEvent.Tick(n.name, n.incarnation));
    }

    private void apply(SimNode n, Observation o) {
        applyElection(n, o);
        if (ha != null && n.alive && n.state != null) ha.step(n, n.localMs(nowUs));
    }

    private void applyElection(SimNode n, Observation o) {
        Decision d = Election.decide(n.state, o);
        n.state = d.next();
        for (Event ev : d.events()) {
            note(n.name + " " + ev);
            if (ev instanceof Event.RoleChanged rc && rc.to() == Role.LEADER) {
                String previous = leaderOfTerm.putIfAbsent(rc.term(), n.name);
                if (previous != null && !previous.equals(n.name)) {
                    fail("two leaders in term " + rc.term() + ": " + previous + " and " + n.name);
                }
            }
        }
        for (Action a : d.actions()) {
            if (a instanceof Action.Persist p) {
                if (p.durable().term() < n.disk.term()) fail(n.name + " persisted a lower term " + p.durable().term());
                n.disk = p.durable();
            } else if (a instanceof Action.Send s) {
                transmit(n.name, s.to(), s.message());
            }
        }
    }

    private void transmit(String from, String to, Message m) {
        if (faults.blocked(from, to) || random.nextInt(100) < faults.lossPercent) return;
        int copies = random.nextInt(100) < faults.duplicatePercent ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = 100 + random.nextLong(900) + (faults.extraDelayUs > 0 ? random.nextLong(faults.extraDelayUs) : 0);
            schedule(nowUs + delay, new SimEvent.Deliver(from, to, m));
        }
    }

    // ---- the promise --------------------------------------------------------------------------------------

    private boolean serving() {
        for (SimNode n : nodes.values()) {
            if (n.alive && ha.serving(n, n.localMs(nowUs))) return true;
        }
        return false;
    }

    private void checkInvariants() {
        if (ha != null) ha.checkOneWriter();
        String holder = null;
        for (SimNode n : nodes.values()) {
            if (!n.alive) continue;
            if (n.state.holdsLease(n.localMs(nowUs))) {
                if (holder != null) fail("two nodes hold a valid lease at the same instant: " + holder + " and " + n.name);
                holder = n.name;
            }
            if (n.state.term() < n.maxTermSeen) fail(n.name + " term went backwards: " + n.maxTermSeen + " -> " + n.state.term());
            n.maxTermSeen = n.state.term();
        }
    }

    private String leaseHolder() {
        for (SimNode n : nodes.values()) {
            if (n.alive && n.state.holdsLease(n.localMs(nowUs))) return n.name;
        }
        return null;
    }

    private long maxTerm() {
        return nodes.values().stream().mapToLong(n -> n.disk.term()).max().orElse(0);
    }

    private void fail(String what) {
        StringBuilder sb = new StringBuilder();
        sb.append("seed ").append(spec.seed()).append(" (").append(spec.describe()).append(") at t=")
                .append(nowUs / 1000).append(" ms: ").append(what)
                .append("\nreplay: mvn -pl core test -Dtest=SimulationTest#replay -Dvigil.sim.seed=").append(spec.seed())
                .append("\nlast events:\n");
        trace.forEach(line -> sb.append("  ").append(line).append('\n'));
        sb.append("nodes now:\n").append(nodeStates());
        throw new AssertionError(sb.toString());
    }

    /** Debugging aid: -Dvigil.sim.dumpAtMs=T writes every node's state into the trace at simulated time T. */
    private static final long DUMP_AT_US = Long.getLong("vigil.sim.dumpAtMs", 0L) * 1000;
    private boolean dumped;

    private String nodeStates() {
        StringBuilder sb = new StringBuilder();
        for (SimNode n : nodes.values()) {
            sb.append("  ").append(n.name).append(n.alive ? "" : " DOWN");
            if (n.alive && n.state != null) {
                long local = n.localMs(nowUs);
                sb.append(" role=").append(n.state.role()).append(" term=").append(n.state.term())
                        .append(" own=").append(n.state.own()).append(" record=").append(n.state.durable().record())
                        .append(" windowLeft=").append(n.state.noVoteUntil() - local)
                        .append(" notBeforeLeft=").append(n.state.notBefore() - local)
                        .append(" paused=").append(n.pausedUntilUs > nowUs);
            }
            sb.append(" pg=").append(n.pg.state).append(n.pg.hostDown ? "(host down)" : "")
                    .append(" at (").append(n.pg.timeline).append(", ").append(n.pg.lsn).append(')');
            if (n.supervisor != null) sb.append(" ha=").append(n.supervisor.reason()).append(" restarts=").append(n.supervisor.restarts().size());
            sb.append('\n');
        }
        return sb.toString();
    }

    private void note(String line) {
        trace.addLast(nowUs / 1000 + "ms " + line);
        if (trace.size() > Integer.getInteger("vigil.sim.trace", 60)) trace.removeFirst();
    }

    private void schedule(long atUs, SimEvent e) {
        e.order = seq++;
        e.atUsField = atUs;
        queue.add(e);
    }

    /** Gives {@link SimHa} the handles it needs, and nothing else. */
    private final class HaWorld implements SimHa.World {
        @Override public long nowUs() { return nowUs; }

        @Override public SplittableRandom random() { return random; }

        @Override public void feedElection(SimNode n, Observation o) { applyElection(n, o); }

        @Override public void scheduleAction(SimNode n, vigil.core.ha.PgAction a, long afterUs) {
            note(n.name + " pg " + a);
            schedule(nowUs + afterUs, new SimEvent.PgDone(n.name, n.incarnation, a, false));
        }

        @Override public void schedulePeerProbe(SimNode n, String target, vigil.core.ha.PeerPg result, long afterUs) {
            schedule(nowUs + afterUs, new SimEvent.PeerProbeDone(n.name, n.incarnation, target, result));
        }

        @Override public boolean linkUp(String from, String to) { return !faults.blocked(from, to); }

        @Override public boolean calmFor(long us) {
            return nowUs - faults.lastChangeUs >= us && faults.lossPercent == 0 && faults.extraDelayUs == 0;
        }

        @Override public SimNode node(String name) { return nodes.get(name); }

        @Override public List<SimNode> nodes() { return new ArrayList<>(nodes.values()); }

        @Override public void fail(String what) { Simulation.this.fail(what); }

        @Override public void note(String line) { Simulation.this.note(line); }
    }

    /** One simulated process: its disk survives crashes, everything else does not. */
    static final class SimNode {
        final String name;
        final SimPostgres pg = new SimPostgres();
        vigil.core.ha.SupervisorState supervisor;
        boolean actionRunning;
        boolean lastActionOk;
        int streamRate = 8;
        /** Running, unpaused, since then. */
        long steadySinceUs;
        final List<SimEvent.Deliver> buffered = new ArrayList<>();
        Durable disk = Durable.INITIAL;
        ElectionState state;
        boolean alive;
        int incarnation;
        long pausedUntilUs;
        long originLocalMs;
        long originRealUs;
        double rate = 1;
        long maxTermSeen;

        SimNode(String name) {
            this.name = name;
        }

        long localMs(long realUs) {
            return originLocalMs + (long) Math.floor(rate * (realUs - originRealUs) / 1000.0);
        }

        long realUsAt(long localMs) {
            return originRealUs + (long) Math.ceil((localMs - originLocalMs) * 1000.0 / rate);
        }
    }
}
