package vigil.core.node;

import vigil.core.election.Role;
import vigil.core.ha.HaObservation;
import vigil.core.ha.Outcome;

/**
 * The watchdog's part of a {@link NodeStep}: it is opened only by a leader whose lease stays valid beyond the
 * watchdog's effective timeout, kept alive only while PostgreSQL is proven unable to write or the lease still covers a
 * reset (so that, the keep-alives stopped, the host is reset before the lease ends unless the fence has proven
 * PostgreSQL stopped by then), and closed only while PostgreSQL is proven unable to write and this node does not lead.
 * Peers rely on exactly this ({@link vigil.core.election.Report}).
 */
final class StepWatchdog {
    private StepWatchdog() {}

    static void keep(NodeStep s) {
        WatchdogConfig wc = s.cfg.watchdog();
        if (!wc.enabled()) return;
        boolean leads = s.election.role() == Role.LEADER;
        boolean leaseCovers = s.election.holdsLease(s.now + wc.effectiveMs() + Node.KICK_GUARD_MS);
        boolean safe = s.provenSafe();
        switch (s.watchdog.status()) {
            case DISARMED -> {
                if (leads && leaseCovers && !s.stopping && s.restart == null) arm(s);
            }
            case ARMED -> {
                if (safe && !leads && s.executor.running() == null) {
                    s.effects.add(new Effect.DisarmWatchdog());
                    s.watchdog = s.watchdog.with(WatchdogState.Status.DISARMED);
                } else if ((safe || leaseCovers) && s.now >= kickDue(s)) {
                    // While PostgreSQL is proven safe a keep-alive has no bound; a writable action then waits
                    // until one falls within the lease (startPending).
                    long notAfter = safe ? Long.MAX_VALUE : lastKeepAlive(s);
                    s.effects.add(new Effect.KickWatchdog(notAfter));
                    s.watchdog = new WatchdogState(WatchdogState.Status.ARMED, s.now);
                }
            }
            default -> { }
        }
    }

    /**
     * When this step keeps the watchdog alive: at {@link Wake#nextKick}; on a message from a peer (an idle
     * leader's acknowledgements come every heartbeat) up to a heartbeat before it, since the loop is awake anyway:
     * the keep-alive then needs no wake of its own. Earlier is never less safe (every keep-alive is bounded by the
     * lease, {@code leaseCovers}); a tick keeps the exact instant, which {@link Wake} gives (a tick before the wake
     * decides nothing). Only a message, which the loop stamps with its own clock as it takes it, and only
     * {@link Node#KICK_EVERY_MS} after the last keep-alive: an input stamped on another thread (a probe, an action's
     * end) may be decided after a later tick, and a keep-alive recorded at its older instant would understate the
     * last one, on which a writable action's start rests ({@code leaseCovers(lastKick)}).
     */
    static long kickDue(NodeStep s) {
        long due = Wake.nextKick(s.cfg, s.election, s.watchdog);
        if (!s.early) return due;
        return Math.max(due - s.election.electorate().timing().heartbeatMs(), s.watchdog.lastKick() + Node.KICK_EVERY_MS);
    }

    /** A writable action may start as far as the watchdog is concerned. */
    static boolean covers(NodeStep s) {
        WatchdogConfig wc = s.cfg.watchdog();
        if (!wc.enabled()) return true;
        return switch (s.watchdog.status()) {
            case FAILED -> wc.mode() == WatchdogConfig.Mode.AUTO; // announced as absent: no proof rests on it
            case ARMED -> leaseCovers(s, s.watchdog.lastKick());
            default -> false;
        };
    }

    /** This leader's lease outlasts a reset by the watchdog kept alive at {@code kick}, with the guard. */
    static boolean leaseCovers(NodeStep s, long kick) {
        return s.election.holdsLease(kick + s.cfg.watchdog().effectiveMs() + Node.KICK_GUARD_MS);
    }

    /** The last instant a keep-alive (opening the device is one) may reach the device while PostgreSQL may write. */
    static long lastKeepAlive(NodeStep s) {
        return s.election.leadership().leaseUntil() - s.cfg.watchdog().effectiveMs() - Node.KICK_GUARD_MS;
    }

    static void arm(NodeStep s) {
        if (s.watchdog.status() == WatchdogState.Status.DISARMED) {
            s.effects.add(new Effect.ArmWatchdog(s.cfg.watchdog().timeoutMs(), lastKeepAlive(s)));
            s.watchdog = s.watchdog.with(WatchdogState.Status.ARMING);
        }
    }

    static void armed(NodeStep s, Input.WatchdogArmed w) {
        if (s.watchdog.status() != WatchdogState.Status.ARMING) return;
        if (w.late()) {
            // The driver would have opened the device after the last safe instant: not opened, tried again.
            s.watchdog = s.watchdog.with(WatchdogState.Status.DISARMED);
            s.notes.add("watchdog not armed: " + w.detail());
            s.supervise(new HaObservation.Tick(s.now));
            return;
        }
        s.watchdog = w.ok() ? new WatchdogState(WatchdogState.Status.ARMED, s.now) : s.watchdog.with(WatchdogState.Status.FAILED);
        if (!w.ok()) {
            s.notes.add("watchdog could not be armed: " + w.detail());
            if (s.cfg.watchdog().mode() == WatchdogConfig.Mode.REQUIRED) {
                s.supervise(new HaObservation.Unfit(s.now, "the required watchdog could not be armed: " + w.detail()));
            }
        }
        Executor.Running r = s.executor.running();
        if (r != null && !r.started() && !w.ok() && s.cfg.watchdog().mode() == WatchdogConfig.Mode.REQUIRED) {
            s.executor = s.executor.withRunning(null);
            s.supervise(new HaObservation.ActionDone(s.now, r.action(),
                    Outcome.failed(Outcome.Failure.NOT_STARTED, "the required watchdog could not be armed")));
        } else {
            s.supervise(new HaObservation.Tick(s.now));
        }
    }
}
