package vigil.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One service action: a command vigild runs on this node when a VIP is acquired or released, or when the node's
 * PostgreSQL is promoted or demoted. Built from {@code node.services} and {@code node.service_preset} (preset actions
 * first). Invariants: {@code argv} is never empty and is run as it stands, without a shell; {@code vip} is empty for
 * {@link Trigger#PROMOTED} and {@link Trigger#DEMOTED} (those concern no VIP); {@code retries >= 0}.
 *
 * @param vip     only for this VIP (by name); empty: every VIP
 * @param argv    the command, e.g. {@code systemctl restart apache2}
 * @param label   the action as the operator reads it in logs and status: {@code restart apache2}, or the command
 * @param retries how many more attempts after a failed first one
 * @param backoff the wait before the first retry; doubled before each further one
 * @param source  where the action comes from: {@code node.services[2]} or {@code node.service_preset maas-2}
 */
public record ServiceActionSettings(Trigger on, Optional<String> vip, List<String> argv, String label, Duration timeout,
                                    int retries, Duration backoff, String source) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_RETRIES = 2;
    public static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(1);

    /** What happened to the node that actions run for. */
    public enum Trigger {
        ACQUIRED, RELEASED, PROMOTED, DEMOTED;

        /** As written in the config file and the logs: {@code acquired}, ... */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** True for the triggers that concern one VIP. */
        public boolean perVip() {
            return this == ACQUIRED || this == RELEASED;
        }

        static Optional<Trigger> of(String word) {
            for (Trigger t : values()) {
                if (t.word().equals(word)) {
                    return Optional.of(t);
                }
            }
            return Optional.empty();
        }
    }

    public ServiceActionSettings {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a service action needs a command");
        }
        if (vip.isPresent() && !on.perVip()) {
            throw new IllegalArgumentException("a VIP filter only fits acquired and released, not " + on.word());
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0");
        }
    }

    /** {@code systemctl restart UNIT} with the default timeout, retries and backoff. */
    public static ServiceActionSettings restart(Trigger on, String unit, String source) {
        return new ServiceActionSettings(on, Optional.empty(), List.of("systemctl", "restart", unit), "restart " + unit,
                DEFAULT_TIMEOUT, DEFAULT_RETRIES, DEFAULT_BACKOFF, source);
    }

    /** True when this action runs for {@code trigger} on {@code vipName} (ignored for promoted and demoted). */
    public boolean matches(Trigger trigger, String vipName) {
        return on == trigger && (vip.isEmpty() || vip.get().equals(vipName));
    }

    /** The wait before attempt {@code attempt} (2 = the first retry): backoff, doubled for every later retry. */
    public Duration backoffBefore(int attempt) {
        if (attempt < 2) {
            return Duration.ZERO;
        }
        int doublings = Math.min(attempt - 2, 20);
        return backoff.multipliedBy(1L << doublings);
    }
}
