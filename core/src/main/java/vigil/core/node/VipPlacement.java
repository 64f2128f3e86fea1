package vigil.core.node;

import java.util.List;
import vigil.core.election.ElectionWake;
import vigil.core.node.VipState.Held;

/**
 * Where the VIPs that follow the primary go, and how a claim or release of either group runs (the VIPs placed by
 * checks are chosen by {@link TrackedPlacement}). Invariants of the primary's group, and why:
 * <ul>
 * <li>Claimed only by the leader whose PostgreSQL answers as a running primary, with nothing under way that stops or
 *     demotes it, and whose lease stays valid beyond the self-fence margin: a client that reaches the VIP reaches the
 *     one PostgreSQL that may write.</li>
 * <li>Released as soon as any of that stops being true, as an urgent effect (before anything else the same decision
 *     does: PostgreSQL is never stopped, demoted or fenced while clients still reach it through the VIP), and at the
 *     latest at the self-fence instant, lease end minus the margin. The next leader's lease starts only after this
 *     one's has ended, and it claims only after that, so the VIP is never on two nodes whose daemons run. A loop stuck
 *     past that instant is covered by the lease guard, which removes the VIPs with the fence; a frozen host by the
 *     watchdog. Two exceptions keep VIPs already held (never claim them) while this node's lease stays valid beyond
 *     the margin, because the server behind them comes back as this very primary, with every commit it
 *     acknowledged: a switchover stops PostgreSQL while the target catches up, and a crashed or hung primary is
 *     fenced and restarted in place (VIPs claimed and announced only; not once the node stands down or the fence
 *     fails). Clients are then refused at once by the stopped server and reach it the moment
 *     it answers, instead of sending into the void until the VIPs are claimed again.</li>
 * <li>The duplicate-address check is made while the new leader is still a standby (a promotion is coming), so the
 *     claim after the promotion costs only {@code ip addr add} and the announcement. An answer means a live holder:
 *     the VIP is not claimed, and tried again every {@link #RETRY_MS}.</li>
 * <li>A claim or release that reports nothing within {@link #REPORT_WITHIN_MS} is treated as possibly held: released
 *     (again).</li>
 * <li>A node that claimed the primary's VIPs in the term it still leads, and released them less than
 *     {@link #CHECK_VALID_MS} ago (a self-fence at the margin followed by a lease renewed in time, a restart in place),
 *     claims them again without a check. A claim needs this node's lease of that term; a voter that moved to a higher
 *     term answers that term's heartbeats as stale, and any two majorities share a voter, so while this node holds a
 *     lease of the term no leader of a higher term has been elected, and none can have claimed them. Claiming again so
 *     soon is then hardly riskier than having kept them, which the protocol allows (a holder it cannot see, a host
 *     suspended past its lease, would have answered beside them either way). A failed claim, another term or a step
 *     without leading forgets it.</li>
 * </ul>
 */
final class VipPlacement {
    /** A clean duplicate-address check stands in for the claim's own for this long. */
    static final long CHECK_VALID_MS = 5_000;
    /** A refused or failed claim, or a failed release, is tried again after this. */
    static final long RETRY_MS = 1_000;
    /** A claim waits this long at most for the check under way (its own deadline is 300 ms, plus starting arping). */
    static final long CHECK_WAIT_MS = 1_000;
    /** A claim or release not reported within this is treated as unknown. */
    static final long REPORT_WITHIN_MS = 5_000;

    private VipPlacement() {}

    /**
     * @param hold       the VIPs should be on this node now
     * @param precheck   this node leads, so a claim may come (after a promotion): check the addresses ahead of it
     * @param why        for a release: what stopped holding them from being right
     * @param leaderTerm the term this node leads now (0: it does not lead)
     * @param keepFound  VIPs found on this host at start may stay: this node is the recorded primary, restarted, not
     *                   led since, and its PostgreSQL serves within the reclaim window (or is not probed yet)
     */
    record Want(boolean hold, boolean precheck, String why, long leaderTerm, boolean keepFound) {
        Want(boolean hold, boolean precheck, String why, long leaderTerm) {
            this(hold, precheck, why, leaderTerm, false);
        }

        Want(boolean hold, boolean precheck, String why) {
            this(hold, precheck, why, 0);
        }
    }

    /** What the step does about the VIPs. */
    record Placed(VipState next, List<Effect> urgent, List<Effect> effects, String note) {}

    static Placed place(VipState s, Want w, long now) {
        return place(VipGroup.PRIMARY, s, w, now);
    }

    /** The same rules for either group; only {@link VipGroup#PRIMARY} checks ahead of a claim ({@code precheck}). */
    static Placed place(VipGroup g, VipState s, Want w, long now) {
        // What holding the VIPs in a term proves ends with this node's leadership of it (see the class comment).
        if (s.heldInTerm() != 0 && s.heldInTerm() != w.leaderTerm()) s = s.heldIn(0);
        boolean stale = now - s.since() >= REPORT_WITHIN_MS;
        switch (s.held()) {
            case FOUND -> {
                // On this host when vigild started: a restart of vigild alone (restart-daemon) leaves the VIPs with
                // the primary that keeps serving. Released at start, they were gone from then until the restarted node
                // led and claimed them again, 0.5-1.3 s of refused writes in every run (bin/bench restart-daemon). They
                // stay only while this node reclaims that primary, as its PostgreSQL itself does, and no other node
                // can have claimed them meanwhile: its duplicate-address check finds them answered here. Leading, it
                // claims them (the driver finds them on the host and adds nothing; one of several not found there is
                // checked and added as in any claim); otherwise they go at once.
                if (w.hold()) {
                    return new Placed(s.with(Held.CLAIMING, now).heldIn(g == VipGroup.PRIMARY ? w.leaderTerm() : 0),
                            List.of(), List.of(new Effect.VipUp(g, false, true)),
                            "keeping the VIPs found on this host at start: this node leads again, its PostgreSQL the"
                                    + " primary that kept serving while vigild restarted");
                }
                if (w.keepFound()) return new Placed(s, List.of(), List.of(), null);
                return release(g, s, now, "found on this host at start, and this node does not reclaim a primary"
                        + " that kept serving (" + w.why() + ")");
            }
            case DOWN -> {
                // Released within CHECK_VALID_MS (since: when it went DOWN) after a claim of this term.
                boolean heldInThisTerm = g == VipGroup.PRIMARY && s.heldInTerm() != 0 && s.heldInTerm() == w.leaderTerm()
                        && now - s.since() < CHECK_VALID_MS;
                if (w.hold() && now >= s.retryAt() && g == VipGroup.PRIMARY && s.checking() && !heldInThisTerm
                        && now - s.checkSince() < CHECK_WAIT_MS) {
                    // The check begun ahead of the promotion reports within its deadline: claim then, checked. A
                    // claim now would queue behind it on the driver's thread and check all over again.
                    return new Placed(s, List.of(), List.of(), null);
                }
                if (w.hold() && now >= s.retryAt()) {
                    boolean recent = s.checkedAt() != Long.MIN_VALUE && now - s.checkedAt() < CHECK_VALID_MS;
                    // A claim of this term: once it is reported CLAIMED, it stands for the term (reported() forgets a
                    // claim that failed).
                    VipState claiming = s.with(Held.CLAIMING, now).heldIn(g == VipGroup.PRIMARY ? w.leaderTerm() : 0);
                    return new Placed(claiming, List.of(),
                            List.of(new Effect.VipUp(g, heldInThisTerm || recent)),
                            "claiming the VIPs" + (g == VipGroup.PRIMARY
                                    ? ": this node's PostgreSQL is the primary under its lease"
                                    : " placed by checks: they pass, and the leader grants them to this node")
                                    + (recent ? " (addresses checked " + (now - s.checkedAt()) + " ms ago)"
                                    : heldInThisTerm ? " (held by this node in term " + s.heldInTerm()
                                    + ", led without a break since: no other node can have claimed them)" : ""));
                }
                // A check that found the address answered elsewhere is made again after RETRY_MS, as a claim is:
                // without the wait a leader whose old primary still held the VIPs (its vigild restarting) ran arping
                // and logged the conflict every 20 ms until they were released.
                if (!w.hold() && w.precheck() && !s.checking() && s.checkedAt() == Long.MIN_VALUE && !heldInThisTerm
                        && now >= s.retryAt()) {
                    return new Placed(s.checking(now), List.of(), List.of(new Effect.VipCheck()), null);
                }
                if (!w.precheck() && !w.hold() && s.checkedAt() != Long.MIN_VALUE) {
                    return new Placed(s.forgetCheck(), List.of(), List.of(), null);
                }
            }
            case CLAIMING, UP -> {
                if (!w.hold() && (s.held() == Held.CLAIMING || now >= s.retryAt())) {
                    return release(g, s, now, w.why());
                }
                if (s.held() == Held.CLAIMING && stale) {
                    return release(g, s, now, "the claim did not report within " + REPORT_WITHIN_MS + " ms");
                }
            }
            case RELEASING -> {
                if (stale) return release(g, s, now, "the release did not report within " + REPORT_WITHIN_MS + " ms");
            }
        }
        return new Placed(s, List.of(), List.of(), null);
    }

    /**
     * The first instant after {@code after} at which time alone changes what {@link #place} does with {@code s}
     * ({@link Wake}): the retry, the end of the wait for the check under way, the end of the time a release after a
     * claim of this term stands in for a check, the report deadline of a claim or release.
     */
    static long wakeAt(VipState s, long after) {
        long at = ElectionWake.first(Long.MAX_VALUE, s.retryAt(), after);
        if (s.checking()) at = ElectionWake.first(at, s.checkSince() + CHECK_WAIT_MS, after);
        // Released after a claim of the term this node leads: the check ahead of a claim is skipped until then.
        if (s.held() == Held.DOWN && s.heldInTerm() != 0) at = ElectionWake.first(at, s.since() + CHECK_VALID_MS, after);
        if (s.held() == Held.CLAIMING || s.held() == Held.RELEASING) {
            at = ElectionWake.first(at, s.since() + REPORT_WITHIN_MS, after);
        }
        return at;
    }

    private static Placed release(VipGroup g, VipState s, long now, String why) {
        return new Placed(s.with(Held.RELEASING, now), List.of(new Effect.VipDown(g, why)), List.of(),
                "releasing the VIPs" + (g == VipGroup.PRIMARY ? "" : " placed by checks") + ": " + why);
    }

    /** The group a driver's report is about. */
    static VipGroup groupOf(Input in) {
        if (in instanceof Input.VipClaimed c) return c.group();
        if (in instanceof Input.VipReleased r) return r.group();
        if (in instanceof Input.VipGuardReleased g) return g.group();
        return VipGroup.PRIMARY;
    }

    /** Folds a driver's report into the state; returns the note to log, or null. */
    static VipState reported(VipState s, Input in, StringBuilder note) {
        if (in instanceof Input.VipChecked c) {
            if (!s.checking()) return s;
            if (!c.clean()) note.append("duplicate-address check: ").append(c.detail());
            return c.clean() ? s.checkEnded(in.now()) : s.checkEnded(Long.MIN_VALUE).retryAt(in.now() + RETRY_MS);
        }
        if (in instanceof Input.VipClaimed c) {
            if (s.held() != Held.CLAIMING) return s; // released meanwhile: the release, queued after it, decides
            return switch (c.claim()) {
                case CLAIMED -> s.with(Held.UP, in.now());
                case DUPLICATE -> {
                    note.append("VIP not claimed, another host answers for it: ").append(c.detail());
                    yield s.with(Held.DOWN, in.now()).checkEnded(Long.MIN_VALUE).retryAt(in.now() + RETRY_MS).heldIn(0);
                }
                case FAILED -> {
                    // The driver took off what it had added before reporting the failure.
                    note.append("VIP claim failed: ").append(c.detail());
                    yield s.with(Held.DOWN, in.now()).retryAt(in.now() + RETRY_MS).heldIn(0);
                }
            };
        }
        if (in instanceof Input.VipGuardReleased g) {
            // Reported after the guard removed them, under the driver's lock: a claim made before is already folded
            // in (UP); one the removal overlapped reports itself failed, and one made after is still CLAIMING and its
            // own report tells. A RELEASING release finds them gone. Only UP is then wrong: DOWN if all went; if one
            // is left, UP stays, so the step releases what it does not want (a guard fires at the lease's or grant's
            // end: it releases).
            if (s.held() != Held.UP) return s;
            note.append(g.group() == VipGroup.PRIMARY ? "the lease guard removed the VIPs: "
                    : "the release guard removed the VIPs placed by checks: ").append(g.detail());
            return g.all() ? s.with(Held.DOWN, in.now()) : s;
        }
        if (in instanceof Input.VipReleased r) {
            if (s.held() != Held.RELEASING) return s;
            if (r.ok()) return s.with(Held.DOWN, in.now());
            note.append("VIP release failed, trying again: ").append(r.detail());
            return s.with(Held.UP, in.now()).retryAt(in.now() + RETRY_MS);
        }
        return s;
    }
}
