package vigil.core.node;

import vigil.core.election.Durable;
import vigil.core.election.Message;
import vigil.core.ha.HaDurable;
import vigil.core.ha.PgAction;

/**
 * What one node step asks the drivers to do, in list order. The daemon carries these out; the simulator models
 * them. Nothing here decides anything.
 */
public sealed interface Effect {
    /** Write both durable parts (fsync) before carrying out any later effect of the same decision. */
    record Persist(Durable election, HaDurable ha) implements Effect {}

    /** Send to one peer; loss is tolerated. */
    record Send(String to, Message message) implements Effect {}

    /** Start {@code action} (one at a time); report its end with {@link Input.ActionEnded}{@code (id)}. */
    record Start(long id, PgAction action, long deadlineAt) implements Effect {}

    /** Stop action {@code id} now (kill what it runs); its end, if reported, is ignored. */
    record Cancel(long id, String why) implements Effect {}

    /**
     * Kill every process of the local PostgreSQL at once and verify none is left, on a path of its own that nothing
     * queues behind; give up (not verified) at {@code deadlineAt}. Reported as {@link Input.ActionEnded}{@code (id)}.
     */
    record Fence(long id, long deadlineAt) implements Effect {}

    /**
     * The lease guard: if the clock reaches {@code at} before another {@code FenceAt} replaces this one, remove the
     * VIPs that follow the primary (reported as {@link Input.VipGuardReleased}, if any was there), then fence on your
     * own ({@link Fence} semantics, reported as {@link Input.ActionEnded} with id {@link Executor#GUARD_ID}),
     * without waiting for the loop: a loop blocked in an fsync or a log write must not delay the self-fence.
     * {@link Long#MAX_VALUE}: no guard.
     */
    record FenceAt(long at) implements Effect {}

    /**
     * Run {@code node}'s fence agents, level by level (off, then status); report with {@link Input.NodeFenced} within
     * {@code deadlineMs}. Runs beside everything else: it acts on another host.
     */
    record FenceNode(String node, long deadlineMs) implements Effect {}

    /**
     * Freeze (or thaw) every process of the local PostgreSQL at once, on a path of its own beside any action; report
     * with {@link Input.Frozen}. A probe that was under way across the change is not reported (a frozen server's
     * silence is no news).
     */
    record Freeze(boolean frozen) implements Effect {}

    /** Ask {@code node}'s PostgreSQL directly whether it is in recovery; answer within {@code deadlineMs}. */
    record ProbePeer(String node, long deadlineMs) implements Effect {}

    /**
     * Open the watchdog device and set its timeout; report with {@link Input.WatchdogArmed}. Opening starts the
     * timer, so it is a keep-alive: the driver opens it only if its clock still reads at most {@code notAfter}, and
     * otherwise reports it late without opening.
     */
    record ArmWatchdog(long timeoutMs, long notAfter) implements Effect {}

    /** One keep-alive, only if the driver's clock still reads at most {@code notAfter}. */
    record KickWatchdog(long notAfter) implements Effect {}

    /**
     * Magic close: the watchdog stops. Only when PostgreSQL is proven unable to write, or just before a
     * {@code restart-daemon} ends the process once a majority acknowledged the record withdrawing the watchdog
     * announcement.
     */
    record DisarmWatchdog() implements Effect {}

    /**
     * Duplicate-address check of every VIP, ahead of a claim (a standby about to be promoted), so that the claim
     * itself costs no failover time; report with {@link Input.VipChecked}.
     */
    record VipCheck() implements Effect {}

    /**
     * Claim every VIP of {@code group}: a duplicate-address check first unless {@code checked} (a recent check found
     * nobody), then add and announce; report with {@link Input.VipClaimed}. Carried out in order with {@link VipDown}.
     * {@code keptFromStart}: the claim of VIPs found on this host at start and kept while it reclaimed the primary that
     * kept serving; one found still there never left this host, so its claim runs no service action (services bound
     * to it were never without it), while one missing from the host is added and claimed as any other.
     */
    record VipUp(VipGroup group, boolean checked, boolean keptFromStart) implements Effect {
        public VipUp(VipGroup group, boolean checked) {
            this(group, checked, false);
        }

        /** The VIPs that follow the primary. */
        public VipUp(boolean checked) {
            this(VipGroup.PRIMARY, checked);
        }
    }

    /**
     * Remove every VIP of {@code group} from this host at once; report with {@link Input.VipReleased}. Goes before any
     * other effect of the same decision (nothing that stops or demotes PostgreSQL runs while a client can still reach
     * it there).
     */
    record VipDown(VipGroup group, String why) implements Effect {
        /** The VIPs that follow the primary. */
        public VipDown(String why) {
            this(VipGroup.PRIMARY, why);
        }
    }

    /**
     * The release guard of {@code group}: if the clock reaches {@code at} before another {@code VipDownAt} of the group
     * replaces this one, remove its VIPs on a thread of its own, without waiting for the loop (a loop blocked in an
     * fsync must not keep them past the grant), reported as {@link Input.VipGuardReleased} if any was there.
     * {@link Long#MAX_VALUE}: no guard.
     */
    record VipDownAt(VipGroup group, long at) implements Effect {}

    /**
     * A planned stop is complete: PostgreSQL verified stopped, leadership resigned, watchdog disarmed. Or, with
     * {@code restart}, {@code vigilctl restart-daemon} may end the process now: PostgreSQL keeps running, a majority
     * acknowledged the record saying that the watchdog no longer covers it, the watchdog is disarmed; the process exits for systemd to start it
     * again ({@link DaemonRestart}).
     */
    record Halt(boolean restart) implements Effect {
        public Halt() {
            this(false);
        }
    }
}
