package vigil.daemon.vip;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import vigil.config.VipSettings;
import vigil.core.node.Input;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/**
 * Carries out the node step's VIP effects ({@code VipCheck}, {@code VipUp}, {@code VipDown}) for every configured VIP,
 * in order, on one thread of its own, and reports each outcome to the loop. Invariants:
 * <ul>
 * <li>The loop never waits for a command: every call returns at once.</li>
 * <li>A claim is all or nothing: if one VIP cannot be claimed, those already added are removed before the failure
 *     is reported, so the step's "DOWN" is true of the host.</li>
 * <li>{@link #releaseNow} removes every VIP on the caller's thread, queued behind nothing: the lease guard calls it
 *     before it fences PostgreSQL, when the loop may be stuck.</li>
 * <li>While held, each VIP is announced {@code announce_count} times at {@code announce_interval}, then again every
 *     {@code reannounce_interval}; announcements stop at the release.</li>
 * </ul>
 */
public final class VipCarrier implements AutoCloseable {
    /** How long a duplicate-address check waits for an answer: a live holder on the LAN answers within milliseconds. */
    public static final Duration DAD_WAIT = Duration.ofMillis(300);

    /** What the carrier calls when VIPs were claimed or released (the service actions). */
    public interface Listener {
        void acquired(String vip);

        void released(String vip);
    }

    private final List<VipSettings> settings;
    private final List<Vip> vips;
    private final VipDriver driver;
    private final Consumer<Input> loop;
    private final LongSupplier clock;
    private final Log log;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> daemon(r, "vigil-vip"));
    private final ScheduledExecutorService announcer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "vigil-vip-announce"));
    private final List<ScheduledFuture<?>> announcing = new ArrayList<>();
    private volatile Listener listener = new Listener() {
        @Override public void acquired(String vip) { }
        @Override public void released(String vip) { }
    };

    public VipCarrier(List<VipSettings> settings, VipDriver driver, Consumer<Input> loop, LongSupplier clock, Log log) {
        this.settings = List.copyOf(settings);
        this.vips = this.settings.stream().map(s -> new Vip(s.name(), s.address(), s.prefix(), s.device(), s.label())).toList();
        this.driver = driver;
        this.loop = loop;
        this.clock = clock;
        this.log = log;
    }

    public void listener(Listener l) {
        listener = l;
    }

    /**
     * At start, before the loop runs: a VIP found on this host is held without a lease (a vigild that crashed while
     * primary left it there). It goes at once; the node step starts from "no VIP held".
     */
    public void releaseFoundAtStart() {
        for (Vip v : vips) {
            VipDriver.Release r = driver.release(v);
            if (r != VipDriver.Release.NOT_HELD) {
                log.event(r == VipDriver.Release.RELEASED ? Priority.WARNING : Priority.ERR, "vip_released", "vip",
                        v.name(), "address", v.cidr(), "device", v.device(), "reason", "HELD_WITHOUT_LEASE", "cause",
                        "found on this host at start, before any lease", "released", r == VipDriver.Release.RELEASED);
            }
        }
    }

    public void check() {
        worker.execute(() -> {
            long start = clock.getAsLong();
            for (Vip v : vips) {
                VipDriver.Outcome o = driver.check(v, DAD_WAIT);
                if (o != null) {
                    log.event(Priority.WARNING, "vip_conflict", "vip", v.name(), "address", v.cidr(), "reason",
                            o.claim() == VipDriver.Claim.DUPLICATE ? "VIP_HELD_ELSEWHERE" : "VIP_CHECK_FAILED", "cause", o.detail());
                    loop.accept(new Input.VipChecked(clock.getAsLong(), false, v.name() + ": " + o.detail()));
                    return;
                }
            }
            log.event(Priority.INFO, "vip_checked", "vips", names(), "duration_ms", clock.getAsLong() - start);
            loop.accept(new Input.VipChecked(clock.getAsLong(), true, ""));
        });
    }

    public void up(boolean checked) {
        worker.execute(() -> {
            long start = clock.getAsLong();
            List<Vip> added = new ArrayList<>();
            for (Vip v : vips) {
                VipDriver.Outcome o = driver.claim(v, checked ? Duration.ZERO : DAD_WAIT);
                if (o.claim() == VipDriver.Claim.CLAIMED || o.claim() == VipDriver.Claim.ALREADY_HELD) {
                    added.add(v);
                    continue;
                }
                for (Vip a : added) driver.release(a); // all or nothing
                boolean duplicate = o.claim() == VipDriver.Claim.DUPLICATE;
                log.event(duplicate ? Priority.ERR : Priority.WARNING, duplicate ? "vip_conflict" : "vip_claim_failed",
                        "vip", v.name(), "address", v.cidr(), "reason", duplicate ? "VIP_HELD_ELSEWHERE" : "VIP_CLAIM_FAILED",
                        "cause", o.detail(), "released_again", added.stream().map(Vip::name).toList());
                loop.accept(new Input.VipClaimed(clock.getAsLong(), duplicate ? Input.VipClaim.DUPLICATE
                        : Input.VipClaim.FAILED, v.name() + ": " + o.detail()));
                return;
            }
            long took = clock.getAsLong() - start;
            loop.accept(new Input.VipClaimed(clock.getAsLong(), Input.VipClaim.CLAIMED, ""));
            for (int i = 0; i < vips.size(); i++) {
                Vip v = vips.get(i);
                log.event(Priority.NOTICE, "vip_acquired", "vip", v.name(), "address", v.cidr(), "device", v.device(),
                        "checked_before", checked, "duration_ms", took);
                announceWhileHeld(v, settings.get(i));
                listener.acquired(v.name());
            }
        });
    }

    public void down(String why) {
        worker.execute(() -> {
            boolean ok = release(why);
            loop.accept(new Input.VipReleased(clock.getAsLong(), ok, ok ? "" : "a VIP is still on " + devices()));
        });
    }

    /** Removes every VIP now, on the caller's thread (the lease guard); the worker's own release finds them gone. */
    public void releaseNow(String why) {
        release(why);
    }

    private synchronized boolean release(String why) {
        stopAnnouncing();
        boolean all = true;
        for (Vip v : vips) {
            long start = clock.getAsLong();
            VipDriver.Release r = driver.release(v);
            if (r == VipDriver.Release.NOT_HELD) continue;
            boolean gone = r == VipDriver.Release.RELEASED;
            all &= gone;
            log.event(gone ? Priority.NOTICE : Priority.ERR, "vip_released", "vip", v.name(), "address", v.cidr(),
                    "device", v.device(), "reason", "VIP_RELEASED", "cause", why, "released", gone,
                    "duration_ms", clock.getAsLong() - start);
            if (gone) listener.released(v.name());
        }
        return all;
    }

    private synchronized void announceWhileHeld(Vip v, VipSettings s) {
        long every = s.announceInterval().toMillis();
        for (int round = 1; round < s.announceCount(); round++) {
            announcing.add(announcer.schedule(() -> driver.announce(v), round * every, TimeUnit.MILLISECONDS));
        }
        long again = s.reannounceInterval().toMillis();
        announcing.add(announcer.scheduleAtFixedRate(() -> driver.announce(v), again, again, TimeUnit.MILLISECONDS));
    }

    private void stopAnnouncing() {
        for (ScheduledFuture<?> f : announcing) f.cancel(false);
        announcing.clear();
    }

    private List<String> names() {
        return vips.stream().map(Vip::name).toList();
    }

    private String devices() {
        return String.join(",", vips.stream().map(Vip::device).distinct().toList());
    }

    @Override
    public void close() {
        worker.shutdownNow();
        announcer.shutdownNow();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
