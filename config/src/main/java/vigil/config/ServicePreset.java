package vigil.config;

import java.util.List;
import java.util.Optional;
import vigil.config.ServiceActionSettings.Trigger;

/**
 * {@code node.service_preset}: ready-made service actions for a MAAS region controller, placed before the actions
 * of {@code node.services}. Each runs when this node acquires a VIP (any VIP), so that the MAAS daemons that bind
 * addresses one by one start serving on it. See docs/services.md for when to use which.
 */
enum ServicePreset {
    /** No preset actions. */
    NONE("none"),
    /**
     * MAAS 1.x and 2.x from deb packages: apache2 (the region's web front), bind9 (maas-dns) and maas-proxy (squid)
     * bind the addresses present when they start, so each is restarted.
     */
    MAAS_2("maas-2"),
    /** MAAS 3.2+ from deb packages: every daemon binds the wildcard address but named, which rescans on reconfig. */
    MAAS_3("maas-3"),
    /**
     * MAAS 3.5+ as a snap, whose daemons run under pebble: named (pebble service bind9) is restarted through pebble's
     * API on its socket, with curl (POST /v1/services, action restart; HTTP 202 means pebble accepted it).
     */
    MAAS_SNAP("maas-snap");

    static final String PEBBLE_SOCKET = "/var/snap/maas/common/pebble/.pebble.socket";
    static final String RNDC_CONF = "/etc/bind/maas/rndc.conf.maas";

    final String word;

    ServicePreset(String word) {
        this.word = word;
    }

    static Optional<ServicePreset> of(String word) {
        for (ServicePreset p : values()) {
            if (p.word.equals(word)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static String problem(Object word) {
        return of((String) word).isPresent() ? null
                : "unknown preset \"" + word + "\" — write none, maas-2 (MAAS 1.x/2.x deb), maas-3 (MAAS 3.2+ deb)"
                        + " or maas-snap (MAAS 3.5+ snap)";
    }

    /** The actions, in the order they run. */
    List<ServiceActionSettings> actions() {
        String source = "node.service_preset " + word;
        return switch (this) {
            case NONE -> List.of();
            case MAAS_2 -> List.of(ServiceActionSettings.restart(Trigger.ACQUIRED, "apache2", source),
                    ServiceActionSettings.restart(Trigger.ACQUIRED, "bind9", source),
                    ServiceActionSettings.restart(Trigger.ACQUIRED, "maas-proxy", source));
            case MAAS_3 -> List.of(action(List.of("rndc", "-c", RNDC_CONF, "reconfig"), "rndc reconfig", source));
            case MAAS_SNAP -> List.of(action(List.of("curl", "--silent", "--show-error", "--fail", "--unix-socket",
                    PEBBLE_SOCKET, "--header", "Content-Type: application/json", "--data",
                    "{\"action\":\"restart\",\"services\":[\"bind9\"]}", "http://localhost/v1/services"),
                    "pebble restart bind9", source));
        };
    }

    private static ServiceActionSettings action(List<String> argv, String label, String source) {
        return new ServiceActionSettings(Trigger.ACQUIRED, Optional.empty(), argv, label,
                ServiceActionSettings.DEFAULT_TIMEOUT, ServiceActionSettings.DEFAULT_RETRIES,
                ServiceActionSettings.DEFAULT_BACKOFF, source);
    }
}
