package vigil.daemon.vip;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import vigil.daemon.exec.BoundedCommand;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/**
 * Puts a virtual IPv4 address on this host and takes it off, with iproute2's {@code ip} and iputils' {@code arping}.
 * Invariants: an address is added only after a duplicate-address check found nobody answering for it (a reply means
 * its old holder is alive: claiming it would give the LAN two owners), and every add is followed by gratuitous ARP
 * so that neighbours update their caches at once instead of when their entries expire; every command has a timeout
 * and is logged with argv, exit code and duration. Blocking; {@link VipCarrier} drives it from one thread (and the
 * lease guard's release from its own).
 */
public final class VipDriver {
    /** How a claim ended. */
    public enum Claim {
        /** Added and announced. */
        CLAIMED,
        /** This host held it already: announced again. */
        ALREADY_HELD,
        /** Another host answered for the address: not added. */
        DUPLICATE,
        /** A command failed or timed out: not added (or removed again). */
        FAILED
    }

    public record Outcome(Claim claim, String detail) {}

    private static final Duration IP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration ANNOUNCE_TIMEOUT = Duration.ofSeconds(3);

    private final List<String> prefix;
    private final Log log;
    /** Arpings of repeated announcements that exited 0 ({@link #reannounced}). */
    private final java.util.concurrent.atomic.AtomicLong reannounced = new java.util.concurrent.atomic.AtomicLong();
    /** Per VIP and arping mode: whether its last repeated announcement failed (a success after it is logged). */
    private final java.util.Map<String, Boolean> lastRepeatFailed = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param prefix prepended to every command (tests: {@code ip netns exec NS}); empty in production */
    public VipDriver(List<String> prefix, Log log) {
        this.prefix = List.copyOf(prefix);
        this.log = log;
    }

    /**
     * Claims {@code v}: a duplicate-address check that waits at most {@code dadWait} for an answer (a holder on the
     * same LAN answers within milliseconds; arping itself only counts whole seconds, so it is cut off at the
     * deadline; zero: no check, one was made just before), then {@code ip addr add}, then gratuitous ARP.
     */
    public Outcome claim(Vip v, Duration dadWait) {
        if (!dadWait.isZero()) {
            if (held(v)) {
                announce(v);
                return new Outcome(Claim.ALREADY_HELD, v.cidr() + " already on " + v.device());
            }
            Outcome dad = check(v, dadWait);
            if (dad != null) return dad;
        }
        List<String> add = new ArrayList<>(List.of("ip", "addr", "add", v.cidr(), "dev", v.device()));
        if (v.label() != null) add.addAll(List.of("label", v.label()));
        Result r = run(IP_TIMEOUT, add.toArray(String[]::new));
        if (r.exit == 2 && alreadyThere(r.output)) {
            // Already on this host (no check was asked for, so no "held" query ran first: one process less on the
            // failover path).
            announce(v);
            return new Outcome(Claim.ALREADY_HELD, v.cidr() + " already on " + v.device());
        }
        if (r.exit != 0) {
            return new Outcome(Claim.FAILED, "ip addr add failed: exit " + r.exit + " " + r.output);
        }
        announce(v);
        return new Outcome(Claim.CLAIMED, v.cidr() + " added to " + v.device());
    }

    /**
     * The duplicate-address check alone: null when nobody answered for {@code v} within {@code dadWait}, else the
     * outcome a claim would have (DUPLICATE: a live holder; FAILED: the check itself could not run).
     */
    public Outcome check(Vip v, Duration dadWait) {
        Result dad = run(dadWait, "arping", "-D", "-q", "-c", "1", "-w", "1", "-I", v.device(), v.address());
        if (dad.exit == 1) {
            return new Outcome(Claim.DUPLICATE, "another host answered ARP for " + v.address() + " on " + v.device()
                    + " within " + dadWait.toMillis() + " ms: its holder is alive");
        }
        if (dad.exit != 0 && !dad.timedOut) {
            return new Outcome(Claim.FAILED, "duplicate-address check failed: exit " + dad.exit + " " + dad.output);
        }
        return null;
    }

    /**
     * Gratuitous ARP for {@code v}, once: an unsolicited request and an unsolicited reply (some hosts and switches
     * heed only one kind), sent at once; neighbours that have an entry for the address take the new MAC. Returns
     * without waiting: arping lingers a second after its last packet, which must not delay a failover. Each arping is
     * logged when it exits, and killed if it has not after {@link #ANNOUNCE_TIMEOUT}. Repeating the announcement while
     * the VIP is held is the caller's job ({@link #reannounce}).
     */
    public void announce(Vip v) {
        announce(v, false);
    }

    /**
     * As {@link #announce}, for the announcements repeated every {@code reannounce_interval} while the VIP is held:
     * each arping is logged only when it fails, or when it succeeds after the one before it failed. Logged every time,
     * they were two journal lines every 10 s per VIP for as long as it was held, saying nothing new.
     */
    public void reannounce(Vip v) {
        announce(v, true);
    }

    /** How many arpings of a repeated announcement exited 0 (tests: the announcements ran although nothing was logged). */
    long reannounced() {
        return reannounced.get();
    }

    private void announce(Vip v, boolean repeated) {
        for (String mode : List.of("-U", "-A")) {
            List<String> argv = new ArrayList<>(prefix);
            argv.addAll(List.of("arping", mode, "-q", "-c", "1", "-I", v.device(), v.address()));
            long start = System.nanoTime();
            try {
                Process p = new ProcessBuilder(argv).directory(new File("/")).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
                p.onExit().orTimeout(ANNOUNCE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((done, error) -> {
                    if (error != null) {
                        p.destroyForcibly();
                    }
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    int exit = error != null ? -1 : done.exitValue();
                    if (repeated) {
                        Boolean failedBefore = lastRepeatFailed.put(v.name() + mode, exit != 0);
                        if (exit == 0) reannounced.incrementAndGet();
                        if (exit == 0 && !Boolean.TRUE.equals(failedBefore)) return; // a success like the one before: nothing new
                    }
                    log.event(exit == 0 ? Priority.INFO : Priority.WARNING, "command", "argv", argv, "exit", exit,
                            "duration_ms", ms, "output", error != null ? "killed after " + ANNOUNCE_TIMEOUT.toMillis() + " ms" : null);
                });
            } catch (IOException e) {
                log.event(Priority.WARNING, "command", "argv", argv, "exit", -2, "duration_ms", 0,
                        "output", "could not run: " + e.getMessage());
            }
        }
    }

    /** How a release ended. */
    public enum Release {
        /** It was on this host and is gone. */
        RELEASED,
        /** It was not on this host. */
        NOT_HELD,
        /** It is still on this host. */
        FAILED
    }

    /** Takes {@code v} off this host: one {@code ip addr del}, then a query only if that did not say clearly. */
    public Release release(Vip v) {
        Result r = run(IP_TIMEOUT, "ip", "addr", "del", v.cidr(), "dev", v.device());
        if (r.exit == 0) return Release.RELEASED;
        if (r.exit == 2 && notThere(r.output)) return Release.NOT_HELD;
        return held(v) ? Release.FAILED : Release.NOT_HELD;
    }

    /** Whether {@code v}'s address is on its device now. */
    public boolean held(Vip v) {
        Result r = run(IP_TIMEOUT, "ip", "-o", "-4", "addr", "show", "dev", v.device(), "to", v.address() + "/32");
        return r.exit == 0 && r.output.contains(" " + v.address() + "/");
    }

    private record Result(int exit, String output, boolean timedOut) {}

    /** {@code ip addr add} of an address the device has (older iproute2: RTNETLINK's EEXIST text; newer: its own). */
    private static boolean alreadyThere(String output) {
        return output.contains("File exists") || output.contains("already assigned");
    }

    /** {@code ip addr del} of an address the device does not have. */
    private static boolean notThere(String output) {
        return output.contains("Cannot assign requested address") || output.contains("Address not found");
    }

    private Result run(Duration timeout, String... cmd) {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of(cmd));
        BoundedCommand.Ran r = BoundedCommand.run(argv, null, timeout);
        boolean dad = cmd[0].equals("arping") && cmd[1].equals("-D");
        boolean expected = r.ok() || dad && (r.exit() == 1 || r.timedOut()) // DAD: 1 is an answer; the deadline, none
                || r.exit() == 2 && cmd[0].equals("ip") && (cmd[2].equals("add") && alreadyThere(r.output())
                        || cmd[2].equals("del") && notThere(r.output()));
        boolean query = cmd[0].equals("ip") && cmd[2].equals("show"); // asked often once VIPs are placed: quiet
        log.event(!expected ? Priority.WARNING : query ? Priority.DEBUG : Priority.INFO, "command", "argv", argv,
                "exit", r.exit(), "duration_ms", r.durationMs(), "output", r.output().isEmpty() ? null : r.output());
        return new Result(r.exit(), r.output(), r.timedOut());
    }
}
