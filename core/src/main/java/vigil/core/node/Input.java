package vigil.core.node;

import vigil.core.election.Message;
import vigil.core.ha.Outcome;
import vigil.core.ha.PeerPg;
import vigil.core.ha.PgView;

/** Inputs to the node step. {@code now} is the node's monotonic clock in milliseconds. */
public sealed interface Input {
    long now();

    /**
     * Time passed: the driver sends one at the instant {@link Wake} asks for, and after any other input whose decision
     * left that instant come ({@link Wake#after(NodeConfig, NodeState, NodeDecision, Input, long)}).
     */
    record Tick(long now) implements Input {}

    record Received(long now, String from, Message message) implements Input {}

    /** The local PostgreSQL as one probe saw it. */
    record Probed(long now, PgView view) implements Input {}

    /** @param deadlineMs the deadline the probe was run with (an UNKNOWN of a short one is no full check) */
    record PeerProbed(long now, String node, PeerPg result, long startedAt, String detail, long deadlineMs) implements Input {
        public PeerProbed(long now, String node, PeerPg result, long startedAt, String detail) {
            this(now, node, result, startedAt, detail, vigil.core.ha.PgAction.ProbePeer.DEADLINE_MS);
        }
    }

    /** Action or fence {@code id} ended. */
    record ActionEnded(long now, long id, Outcome outcome) implements Input {}

    /**
     * The outcome of {@link Effect.ArmWatchdog}: armed, failed (no device, refused), or {@code late}: not opened
     * because the driver's clock had passed its {@code notAfter}.
     */
    record WatchdogArmed(long now, boolean ok, String detail, boolean late) implements Input {
        public WatchdogArmed(long now, boolean ok, String detail) {
            this(now, ok, detail, false);
        }
    }

    /**
     * {@code vigilctl confirm-down}: an operator swears {@code node} is off (the loop passes it only to a leader);
     * {@code at} is the wall-clock time as text, for the record.
     */
    record ConfirmedDown(long now, String node, String operator, String at) implements Input {
        public ConfirmedDown(long now, String node, String operator) {
            this(now, node, operator, "an unknown time");
        }
    }

    /**
     * {@code vigilctl cleanup}: an operator resets this node's failcount (the local restarts counted against
     * migration_threshold, and the back-off of failed actions), as Pacemaker's resource cleanup does.
     */
    record Cleanup(long now, String operator) implements Input {}

    /** {@code vigilctl restart-pg}: restart this node's standby (passed only once {@link Commands#refusesRestart} accepted it). */
    record RestartPg(long now, String operator) implements Input {}

    /**
     * {@code vigilctl switchover}: hand the primary role to {@code target} (null: the best standby). The loop passes it
     * only once {@link Commands#switchover} accepted it; the step checks again and begins it.
     */
    record Switchover(long now, String target, String operator) implements Input {}

    /**
     * {@code vigilctl failover --to target}, on the target ({@link Commands#refusesFailover} accepted it) or on the leader
     * that hands over to it ({@link Commands#refusesHandOver} accepted it).
     */
    record FailoverOrdered(long now, String target, String operator, boolean acceptDataLoss) implements Input {}

    /** The order this node holds is withdrawn: the leader it asked would not hand over ({@code why}). */
    record FailoverCancelled(long now, String why) implements Input {}

    /**
     * {@code vigilctl pause} ({@code on}) or {@code resume}: maintenance mode, written into the cluster record by the
     * leader (the loop passes it only once {@link Commands#refusesPause} accepted it); {@code at}: wall clock, as text.
     */
    record Pause(long now, boolean on, String operator, String at) implements Input {}

    /** {@code vigilctl ban} ({@code on}) or {@code unban} of {@code node} (passed only once {@link Commands#refusesBan} accepted it). */
    record Ban(long now, String node, boolean on, String operator) implements Input {}

    /** The outcome of {@link Effect.FenceNode}: {@code off} when a level turned the host off and status confirmed it. */
    record NodeFenced(long now, String node, boolean off, long startedAt, String detail) implements Input {}

    /** The outcome of {@link Effect.VipCheck}: {@code clean} when nobody answered for any VIP. */
    record VipChecked(long now, boolean clean, String detail) implements Input {}

    /** The outcome of {@link Effect.VipUp} for {@code group}. */
    record VipClaimed(long now, VipClaim claim, String detail, VipGroup group) implements Input {
        public VipClaimed(long now, VipClaim claim, String detail) {
            this(now, claim, detail, VipGroup.PRIMARY);
        }
    }

    /** How a claim ended: every VIP added and announced; another host answers for one (not added); a command failed. */
    enum VipClaim { CLAIMED, DUPLICATE, FAILED }

    /** The outcome of {@link Effect.VipDown}: {@code ok} when no VIP of {@code group} is on this host any more. */
    record VipReleased(long now, boolean ok, String detail, VipGroup group) implements Input {
        public VipReleased(long now, boolean ok, String detail) {
            this(now, ok, detail, VipGroup.PRIMARY);
        }
    }

    /**
     * A guard removed {@code group}'s VIPs on its own, behind the loop's back: the release guard of the VIPs placed by
     * checks ({@link Effect.VipDownAt}) or, for the VIPs that follow the primary, the lease guard before it fences
     * ({@link Effect.FenceAt}). Told under the driver's lock, in the order of what happened on the host: a claim
     * reported before this one was on the host before the removal; a claim the removal overlapped reports itself
     * failed. {@code all}: no VIP of the group is left on the host.
     */
    record VipGuardReleased(long now, VipGroup group, boolean all, String detail) implements Input {}

    /**
     * The verdict of this node's tracked checks changed (or was reached for the first time): {@code pass} when every
     * check passes; {@code detail} names the failing check and how it failed.
     */
    record Tracked(long now, boolean pass, String detail) implements Input {}

    /**
     * {@code vigilctl restart-daemon} (passed only once {@link Commands#refusesRestartDaemon} accepted it): end vigild for
     * systemd to start again, PostgreSQL left running ({@link DaemonRestart}).
     */
    record RestartDaemon(long now, String operator) implements Input {}

    /** A planned stop (SIGTERM): stop PostgreSQL cleanly, resign, disarm, then {@link Effect.Halt}. */
    record Shutdown(long now) implements Input {}

    /** The answer to {@link Effect.Freeze}: {@code ok} once the request was written; not ok when it cannot be. */
    record Frozen(long now, boolean frozen, boolean ok, String detail) implements Input {}
}
