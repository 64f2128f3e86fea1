package vigil.core.node;

import vigil.core.election.ElectionState;
import vigil.core.election.ElectionWake;
import vigil.core.election.Role;

/**
 * When a node's loop must next go round without an input: the earliest instant at which a tick
 * ({@link Input.Tick}) could change the {@link NodeState} or call for an effect. Between inputs the daemon's loop
 * sleeps until then instead of ticking every few milliseconds, and so does the simulator's; nothing else changes.
 *
 * <p>The invariant: a tick at any instant before {@link #at} decides nothing (the same state, no effect, nothing to
 * log). Every rule of the node step that time alone can trigger has its instant here: the election's
 * ({@link ElectionWake}), the executor's deadlines, the watchdog's keep-alives, the lease's end for the VIPs, the
 * supervisor's timers ({@link vigil.core.ha.Supervisor#wakeAt}) and those of the VIPs placed by checks. A rule left
 * out is a rule acted on late, so the simulator checks the invariant on every schedule, at every instant a tick would
 * have come before (it fails a schedule that shows a tick before the wake deciding something). Waking early is
 * harmless: a tick that finds nothing to do is what the loop did a hundred times a second before.
 */
public final class Wake {
    /** Ticks never come closer together than this (as before wakes were computed), whatever {@link #at} says. */
    public static final long MIN_TICK_MS = 10;
    /** Nor further apart than this: a net, so a daemon never sleeps for long whatever the state. */
    public static final long MAX_SLEEP_MS = 1_000;

    private Wake() {}

    /**
     * The next tick after decision {@code d} took {@code before} to {@code d.next()} on input {@code in}: {@link #at},
     * or at once (the loop's next turn) when the decision did more than keep the lease and the watchdog going. A step
     * of the supervisor reads some of what it changed only on its next pass: the record it has just written (a new
     * primary, a bootstrap), a restart or a need to rewind that its candidacy, computed first, has not seen yet, a fence
     * run it has just asked for; and the election's tick, which runs first, reads the candidacy and report the
     * supervisor changes after it. That pass must not wait for a timer; it came within a tick before wakes were computed.
     *
     * <p>The loop passes the instant of its last tick ({@code lastTickAt}, {@link Long#MIN_VALUE} before the first), so
     * that the tick after an input can be skipped when this lies ahead (the daemon's loop and the simulator skip it; the simulator checks on every skip that
     * the tick would have decided nothing, and everywhere before the wake, as for any wake): an idle node's heartbeats,
     * acknowledgements and probes are then decided once, not twice. Which rules count as tried:
     * <ul>
     * <li>after a tick, every rule due by its instant;</li>
     * <li>after a message from a peer (a heartbeat, an acknowledgement, a vote...) or a probe, whose step runs the
     *     supervisor's whole pass and every rule after it as a tick does (the executor's deadlines, the watchdog, the
     *     VIPs, a restart of vigild), those due by the last tick; but no rule of the election's tick, which such a step
     *     does not run: a message can set what a rule past due reads (the simulator found a primary handed leadership
     *     back, named in the resignation, that would have stood only at its next timer);</li>
     * <li>after any other input (an action's end, a VIP's report, an operator's request), none: it can change what a
     *     rule past due reads without running that rule (the simulator found a switchover whose VIPs' reported
     *     release was to start PostgreSQL again on the next tick).</li>
     * </ul>
     */
    public static long after(NodeConfig cfg, NodeState before, NodeDecision d, Input in, long lastTickAt) {
        long now = in.now();
        if (!settles(before, d, now)) return now;
        if (in instanceof Input.Tick) return at(cfg, d.next(), now, now, now);
        boolean wholePass = in instanceof Input.Received || in instanceof Input.Probed;
        return at(cfg, d.next(), now, wholePass ? Math.min(lastTickAt, now) : Long.MIN_VALUE, Long.MIN_VALUE);
    }

    /**
     * Whether decision {@code d} only kept things going (so the next tick may wait for a timer): no record written, no
     * change of role, candidacy or report, no reason given, and no effect beyond heartbeats and acknowledgements sent,
     * the watchdog kept alive and the guards moved to the renewed lease's end (the step that moves a guard records where
     * it now stands; nothing reads it again).
     */
    private static boolean settles(NodeState before, NodeDecision d, long now) {
        ElectionState was = before.election();
        ElectionState is = d.next().election();
        if (!was.durable().record().equals(is.durable().record())) return false;
        // The election's tick ran before the supervisor changed what it reads (this node's candidacy, its report):
        // a node that just became eligible must not wait for a timer to stand.
        if (was.role() != is.role() || !was.own().equals(is.own()) || !was.ownReport().equals(is.ownReport())) return false;
        if (d.why() != null) return false;
        for (Effect e : d.effects()) {
            if (!(e instanceof Effect.Send || e instanceof Effect.KickWatchdog || e instanceof Effect.FenceAt
                    || e instanceof Effect.VipDownAt)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The instant (the node's clock) of the next tick; at most {@link #MAX_SLEEP_MS} after {@code now}. {@code
     * afterTick}: the decision just made was a tick, which tried every rule whose instant is past; those are left out
     * (otherwise they are due at once).
     */
    public static long at(NodeConfig cfg, NodeState s, long now, boolean afterTick) {
        long after = afterTick ? now : Long.MIN_VALUE;
        return at(cfg, s, now, after, after);
    }

    /**
     * As {@link #at(NodeConfig, NodeState, long, boolean)}, leaving out the rules of the election's tick whose instant
     * is at or before {@code electionAfter}, and the others whose instant is at or before {@code after}.
     */
    private static long at(NodeConfig cfg, NodeState s, long now, long after, long electionAfter) {
        long at = Math.min(now + MAX_SLEEP_MS, ElectionWake.at(s.election(), electionAfter));
        Executor x = s.executor();
        if (x.running() != null) at = ElectionWake.first(at, x.running().deadlineAt(), after);
        if (x.fence() != null) at = ElectionWake.first(at, x.fence().deadlineAt(), after);
        if (cfg.watchdog().enabled() && s.watchdog().status() == WatchdogState.Status.ARMED) {
            at = ElectionWake.first(at, nextKick(cfg, s.election(), s.watchdog()), after);
        }
        ElectionState e = s.election();
        if (s.restart() != null) at = ElectionWake.first(at, s.restart().since() + DaemonRestart.WITHDRAW_MS, after);
        if (s.supervisor() != null) {
            // the lease's end less the self-fence margin (the VIPs release there too) is among the supervisor's
            if (cfg.tracked() && e.role() == Role.LEADER && e.leadership() != null && e.leadership().leaseEstablished()) {
                at = ElectionWake.first(at, e.leadership().leaseUntil() - cfg.policyMargin(), after);
            }
            at = Math.min(at, vigil.core.ha.Supervisor.wakeAt(s.supervisor(), e, cfg.policy(), after));
            if (cfg.vips()) at = Math.min(at, VipPlacement.wakeAt(s.vips(), after));
            if (cfg.tracked()) {
                at = Math.min(at, VipPlacement.wakeAt(s.tracked().held(), after));
                at = Math.min(at, TrackedPlacement.wakeAt(s.tracked(), e, cfg.policyMargin(), after));
            }
        }
        return at;
    }

    /**
     * When an armed watchdog is next kept alive: {@link Node#KICK_PERIOD_MS} (at most a quarter of its timeout) after
     * the last keep-alive; and, while a lease bounds the keep-alives (PostgreSQL may write), every
     * {@link Node#KICK_EVERY_MS} over the last {@link #FINAL_KICKS_MS} before that bound, so that the last keep-alive
     * the lease allows comes no earlier than the early reach of {@link WatchdogConfig} assumes, even from a loop that
     * wakes a little late. Whether a keep-alive is allowed at all is the caller's rule.
     */
    static long nextKick(NodeConfig cfg, ElectionState e, WatchdogState w) {
        long period = Math.max(Node.KICK_EVERY_MS, Math.min(Node.KICK_PERIOD_MS, cfg.watchdog().timeoutMs() / 4));
        long next = w.lastKick() + period;
        if (e.role() == Role.LEADER && e.leadership() != null && e.leadership().leaseEstablished()) {
            // From FINAL_KICKS_MS before the bound on, every KICK_EVERY_MS: a wake a little late still leaves a
            // keep-alive within KICK_EVERY_MS of the bound, as when the loop ticked every 10 ms. One later than
            // FINAL_KICKS_MS - KICK_EVERY_MS (the simulator's wakes come up to 30 ms late) leaves the last one earlier
            // by the difference: the device may fire that much sooner, within the room the margin leaves the fence. Also while PostgreSQL is proven
            // safe: a promotion may start at any moment, and from then on no keep-alive past the bound is allowed;
            // had the last one come a whole period before the bound, the device would fire before the self-fence's
            // room ends (the simulator's seed 4498: a promotion began at the bound, the last keep-alive 250 ms
            // earlier, and the host was reset 66 ms into its fence).
            long last = e.leadership().leaseUntil() - cfg.watchdog().effectiveMs() - Node.KICK_GUARD_MS;
            // Only up to the bound: past it (possible only while safe) the ordinary period, not a burst every 10 ms.
            if (w.lastKick() < last) next = Math.min(next, Math.max(last - FINAL_KICKS_MS, w.lastKick() + Node.KICK_EVERY_MS));
        }
        return next;
    }

    /** How long before the last keep-alive the lease allows the watchdog is kept alive every {@link Node#KICK_EVERY_MS}. */
    static final long FINAL_KICKS_MS = 50;
}
