package vigil.daemon.vip;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import vigil.config.VipSettings;
import vigil.core.node.Input;
import vigil.core.node.VipGroup;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/**
 * Carries out the node step's VIP effects ({@code VipCheck}, {@code VipUp}, {@code VipDown}, {@code VipDownAt}) for
 * each group of VIPs ({@link VipGroup}: those that follow the primary, those placed by checks), in order, on one
 * thread of its own, and reports each outcome to the loop. Invariants:
 * <ul>
 * <li>The loop never waits for a command: every call returns at once.</li>
 * <li>A claim is all or nothing: if one VIP of the group cannot be claimed, those already added are removed before
 *     the failure is reported, so the step's "DOWN" is true of the host.</li>
 * <li>{@link #releaseNow} removes the primary's VIPs on the caller's thread, queued behind nothing: the lease guard
 *     calls it before it fences PostgreSQL, when the loop may be stuck.</li>
 * <li>The release guard of a group ({@link #guard}) removes its VIPs at the instant the node step gave, on a timer
 *     thread of its own; a claim adds nothing past that instant (the check and the add are one step under the group's
 *     lock, the duplicate-address wait is outside it), so a grant that ran out while the loop was stuck, or while the
 *     claim waited, leaves no VIP behind.</li>
 * <li>A guard's removal (the lease guard's {@link #releaseNow}, a release guard) is told to the loop under the group's
 *     lock, in the order of what happened on the host: a claim it overlapped reports itself failed and takes off what
 *     it added, so the step never counts as held a VIP a guard took behind its back.</li>
 * <li>While held, each VIP is announced {@code announce_count} times at {@code announce_interval}, then again every
 *     {@code reannounce_interval}; announcements stop at the release.</li>
 * </ul>
 */
public final class VipCarrier implements AutoCloseable {
    /**
     * How long a duplicate-address check waits for an answer: a live holder on the LAN answers within milliseconds.
     * arping counts only whole seconds, so nobody answering always costs the whole wait: at 300 ms it held a
     * switchover's claim back by 0.2 s (the promotion comes 0.13 s after the election there).
     */
    public static final Duration DAD_WAIT = Duration.ofMillis(100);

    /** What the carrier calls when VIPs were claimed or released (the service actions). */
    public interface Listener {
        void acquired(String vip);

        /**
         * A VIP kept from start, found still on this host when claimed in place: it never left. The listener decides
         * whether its {@code acquired} actions must run again (by default they do).
         */
        default void kept(String vip) {
            acquired(vip);
        }

        void released(String vip);
    }

    private record Held(Vip vip, VipSettings settings, VipGroup group) {}

    private final List<Held> vips;
    private final VipDriver driver;
    private final Consumer<Input> loop;
    private final LongSupplier clock;
    private final Log log;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> daemon(r, "vigil-vip"));
    private final ScheduledExecutorService announcer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "vigil-vip-announce"));
    private final ScheduledExecutorService guards = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "vigil-vip-guard"));
    private final Map<VipGroup, Object> locks = new EnumMap<>(VipGroup.class);
    private final Map<VipGroup, List<ScheduledFuture<?>>> announcing = new EnumMap<>(VipGroup.class);
    private final Map<VipGroup, Long> guardAt = new EnumMap<>(VipGroup.class);
    private final Map<VipGroup, ScheduledFuture<?>> guardTimers = new EnumMap<>(VipGroup.class);
    /** Removals by a guard, per group (changed under the group's lock): a claim they overlapped reports itself failed. */
    private final Map<VipGroup, AtomicInteger> removals = new EnumMap<>(VipGroup.class);
    private volatile Listener listener = new Listener() {
        @Override public void acquired(String vip) { }
        @Override public void released(String vip) { }
    };

    public VipCarrier(List<VipSettings> settings, VipDriver driver, Consumer<Input> loop, LongSupplier clock, Log log) {
        this.vips = settings.stream().map(s -> new Held(new Vip(s.name(), s.address(), s.prefix(), s.device(), s.label()), s,
                s.followsChecks() ? VipGroup.TRACKED : VipGroup.PRIMARY)).toList();
        for (VipGroup g : VipGroup.values()) {
            locks.put(g, new Object());
            announcing.put(g, new ArrayList<>());
            guardAt.put(g, Long.MAX_VALUE);
            removals.put(g, new AtomicInteger());
        }
        this.driver = driver;
        this.loop = loop;
        this.clock = clock;
        this.log = log;
    }

    public void listener(Listener l) {
        listener = l;
    }

    /** At start, before the loop runs: whether a VIP that follows the primary is on this host. */
    public boolean primaryFound() {
        for (Held h : of(VipGroup.PRIMARY)) if (driver.held(h.vip())) return true;
        return false;
    }

    /**
     * At start, before the loop runs: a VIP found on this host is held without a lease or grant (a vigild that crashed
     * while holding it, or a restart of vigild alone, left it there). The VIPs placed by checks go at once; so do those
     * that follow the primary unless {@code keepPrimary}: the node step then starts knowing them found, and keeps them
     * only while this node reclaims the primary that kept serving (vigil.core.node.VipPlacement). Returns the names
     * of the VIPs kept (all that follow the primary when {@code keepPrimary}, whether found or not).
     */
    public List<String> releaseFoundAtStart(boolean keepPrimary) {
        List<String> kept = new ArrayList<>();
        for (Held h : vips) {
            if (keepPrimary && h.group() == VipGroup.PRIMARY) {
                kept.add(h.vip().name());
                continue;
            }
            Vip v = h.vip();
            VipDriver.Release r = driver.release(v);
            if (r != VipDriver.Release.NOT_HELD) {
                log.event(r == VipDriver.Release.RELEASED ? Priority.WARNING : Priority.ERR, "vip_released", "vip",
                        v.name(), "address", v.cidr(), "device", v.device(), "reason", "HELD_WITHOUT_LEASE", "cause",
                        "found on this host at start, before any lease or grant", "released", r == VipDriver.Release.RELEASED);
            }
        }
        return kept;
    }

    /** The duplicate-address check ahead of a promotion: the primary's VIPs only. */
    public void check() {
        worker.execute(() -> {
            long start = clock.getAsLong();
            for (Held h : of(VipGroup.PRIMARY)) {
                Vip v = h.vip();
                VipDriver.Outcome o = driver.check(v, DAD_WAIT);
                if (o != null) {
                    log.event(Priority.WARNING, "vip_conflict", "vip", v.name(), "address", v.cidr(), "reason",
                            o.claim() == VipDriver.Claim.DUPLICATE ? "VIP_HELD_ELSEWHERE" : "VIP_CHECK_FAILED", "cause", o.detail());
                    loop.accept(new Input.VipChecked(clock.getAsLong(), false, v.name() + ": " + o.detail()));
                    return;
                }
            }
            log.event(Priority.INFO, "vip_checked", "vips", names(VipGroup.PRIMARY), "duration_ms", clock.getAsLong() - start);
            loop.accept(new Input.VipChecked(clock.getAsLong(), true, ""));
        });
    }

    public void up(VipGroup group, boolean checked) {
        up(group, checked, false);
    }

    /**
     * Claims the group's VIPs. {@code keptFromStart} (see {@code Effect.VipUp}): a VIP found still on the host never
     * left it; the listener hears {@link Listener#kept} instead of {@link Listener#acquired} (a {@code vigilctl
     * restart-daemon} on the primary would otherwise restart the services bound to it), and its line says
     * {@code kept_from_start=true}.
     */
    public void up(VipGroup group, boolean checked, boolean keptFromStart) {
        int removalsSeen = removals.get(group).get(); // as the step decided the claim
        worker.execute(() -> {
            long start = clock.getAsLong();
            List<Vip> added = new ArrayList<>();
            Set<String> neverLeft = new HashSet<>();
            for (Held h : of(group)) {
                Vip v = h.vip();
                // Our own address answers no duplicate-address check: ask the host first, as a claim always did.
                boolean there = (keptFromStart || !checked) && driver.held(v);
                if (keptFromStart && there) neverLeft.add(v.name());
                VipDriver.Outcome o = checked || there ? null : driver.check(v, DAD_WAIT);
                if (o == null) o = addBeforeGuard(group, v);
                if (o.claim() == VipDriver.Claim.CLAIMED || o.claim() == VipDriver.Claim.ALREADY_HELD) {
                    added.add(v);
                    continue;
                }
                for (Vip a : added) driver.release(a); // all or nothing
                if (o.claim() == VipDriver.Claim.FAILED) driver.release(v); // an add that timed out may have landed
                boolean duplicate = o.claim() == VipDriver.Claim.DUPLICATE;
                log.event(duplicate ? Priority.ERR : Priority.WARNING, duplicate ? "vip_conflict" : "vip_claim_failed",
                        "vip", v.name(), "address", v.cidr(), "reason", duplicate ? "VIP_HELD_ELSEWHERE" : "VIP_CLAIM_FAILED",
                        "cause", o.detail(), "released_again", added.stream().map(Vip::name).toList());
                loop.accept(new Input.VipClaimed(clock.getAsLong(), duplicate ? Input.VipClaim.DUPLICATE
                        : Input.VipClaim.FAILED, v.name() + ": " + o.detail(), group));
                return;
            }
            long took = clock.getAsLong() - start;
            synchronized (locks.get(group)) {
                // A guard that removed the group's VIPs since the step decided this claim has told the loop already;
                // the claim then counts as failed, and what it added goes: "claimed" reported after that removal
                // would make the step count as held VIPs the host no longer has.
                if (removals.get(group).get() != removalsSeen) {
                    for (Vip a : added) driver.release(a);
                    log.event(Priority.WARNING, "vip_claim_failed", "vips", names(group), "reason", "VIP_CLAIM_FAILED",
                            "cause", "a guard removed the VIPs while the claim ran", "duration_ms", took);
                    loop.accept(new Input.VipClaimed(clock.getAsLong(), Input.VipClaim.FAILED,
                            "a guard removed the VIPs while the claim ran", group));
                    return;
                }
                loop.accept(new Input.VipClaimed(clock.getAsLong(), Input.VipClaim.CLAIMED, "", group));
                for (Held h : of(group)) announceWhileHeld(group, h.vip(), h.settings()); // stopped by any release
            }
            for (Held h : of(group)) {
                Vip v = h.vip();
                boolean kept = neverLeft.contains(v.name());
                log.event(Priority.NOTICE, "vip_acquired", "vip", v.name(), "address", v.cidr(), "device", v.device(),
                        // Whether this claim ran its own duplicate-address check; when not, the decision's note says
                        // why (a check made moments before, or the VIPs held in the term this node still leads).
                        "follows", group.label(), "checked_in_claim", !checked && !kept, "kept_from_start", kept,
                        "duration_ms", took);
                if (kept) listener.kept(v.name());
                else listener.acquired(v.name());
            }
        });
    }

    /** {@code ip addr add} unless the group's release guard has passed; one step under the group's lock. */
    private VipDriver.Outcome addBeforeGuard(VipGroup group, Vip v) {
        synchronized (locks.get(group)) {
            long now = clock.getAsLong();
            if (now >= guardAt.get(group)) {
                return new VipDriver.Outcome(VipDriver.Claim.FAILED, "past the release guard (" + (now - guardAt.get(group))
                        + " ms): the grant ran out while the claim waited");
            }
            return driver.claim(v, Duration.ZERO);
        }
    }

    public void down(VipGroup group, String why) {
        worker.execute(() -> {
            boolean ok = release(group, why).all();
            loop.accept(new Input.VipReleased(clock.getAsLong(), ok, ok ? "" : "a VIP is still on " + devices(group), group));
        });
    }

    /**
     * Removes the primary's VIPs now, on the caller's thread (the lease guard, before it fences), and tells the loop
     * ({@link #removedByGuard}); the worker's release finds them gone.
     */
    public void releaseNow(String why) {
        removedByGuard(VipGroup.PRIMARY, why);
    }

    /** The release guard of {@code group}: at {@code at} (the loop's clock) its VIPs go, unless moved again first. */
    public void guard(VipGroup group, long at) {
        synchronized (locks.get(group)) {
            guardAt.put(group, at);
            ScheduledFuture<?> old = guardTimers.remove(group);
            if (old != null) old.cancel(false);
            if (at == Long.MAX_VALUE) return;
            long now = clock.getAsLong();
            long delay = at <= now ? 0 : at - now; // Long.MIN_VALUE: at once (no subtraction, it would wrap)
            guardTimers.put(group, guards.schedule(() -> fireGuard(group), delay, TimeUnit.MILLISECONDS));
        }
    }

    /**
     * Removes the group's VIPs if its guard instant has come, checked again under the group's lock (the loop may have
     * moved the guard meanwhile), and tells the loop, under the same lock: a claim made before the removal has been
     * reported already, one made after reports after this.
     */
    private void fireGuard(VipGroup group) {
        synchronized (locks.get(group)) {
            long now = clock.getAsLong();
            if (now < guardAt.get(group)) return;
            removedByGuard(group, "the release guard fired: the grant ended before the loop released them");
        }
    }

    /**
     * A guard's removal, behind the loop's back: counted and told under the group's lock, so the loop hears of it in
     * host order. A claim reported before it was on the host before it; a claim it overlapped reports itself failed
     * (see {@link #up}); one decided after it is still unreported, and its own report tells.
     */
    private void removedByGuard(VipGroup group, String why) {
        synchronized (locks.get(group)) {
            removals.get(group).incrementAndGet();
            Released r = release(group, why);
            if (r.removed() == 0 && r.all()) return; // none was there: nothing to tell
            loop.accept(new Input.VipGuardReleased(clock.getAsLong(), group, r.all(), r.all() ? "removed at the guard's"
                    + " instant" : "a VIP is still on " + devices(group)));
        }
    }

    /** @param all no VIP of the group is on the host any more; {@code removed} how many this call took off */
    private record Released(boolean all, int removed) {}

    private Released release(VipGroup group, String why) {
        synchronized (locks.get(group)) {
            stopAnnouncing(group);
            boolean all = true;
            int removed = 0;
            for (Held h : of(group)) {
                Vip v = h.vip();
                long start = clock.getAsLong();
                VipDriver.Release r = driver.release(v);
                if (r == VipDriver.Release.NOT_HELD) continue;
                boolean gone = r == VipDriver.Release.RELEASED;
                all &= gone;
                log.event(gone ? Priority.NOTICE : Priority.ERR, "vip_released", "vip", v.name(), "address", v.cidr(),
                        "device", v.device(), "reason", "VIP_RELEASED", "cause", why, "released", gone,
                        "duration_ms", clock.getAsLong() - start);
                if (gone) {
                    removed++;
                    listener.released(v.name());
                }
            }
            return new Released(all, removed);
        }
    }

    private void announceWhileHeld(VipGroup group, Vip v, VipSettings s) {
        synchronized (locks.get(group)) {
            List<ScheduledFuture<?>> list = announcing.get(group);
            long every = s.announceInterval().toMillis();
            for (int round = 1; round < s.announceCount(); round++) {
                list.add(announcer.schedule(() -> driver.announce(v), round * every, TimeUnit.MILLISECONDS));
            }
            long again = s.reannounceInterval().toMillis();
            list.add(announcer.scheduleAtFixedRate(() -> driver.reannounce(v), again, again, TimeUnit.MILLISECONDS));
        }
    }

    private void stopAnnouncing(VipGroup group) {
        for (ScheduledFuture<?> f : announcing.get(group)) f.cancel(false);
        announcing.get(group).clear();
    }

    private List<Held> of(VipGroup group) {
        return vips.stream().filter(h -> h.group() == group).toList();
    }

    private List<String> names(VipGroup group) {
        return of(group).stream().map(h -> h.vip().name()).toList();
    }

    private String devices(VipGroup group) {
        return String.join(",", of(group).stream().map(h -> h.vip().device()).distinct().toList());
    }

    @Override
    public void close() {
        worker.shutdownNow();
        announcer.shutdownNow();
        guards.shutdownNow();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
