package vigil.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Checks and binding of {@code node.http}. A TLS certificate comes with its key (neither alone), and both are regular
 * files vigild can read when the config is checked, so that a typo is reported with its line rather than as a
 * failed start.
 */
final class HttpRules {
    static final String SECTION = "node.http";

    private HttpRules() {}

    static void check(Bound b, Problems problems) {
        if (!b.isPresent(SECTION)) return;
        Path cert = b.get(SECTION + ".tls_certificate", Path.class);
        Path key = b.get(SECTION + ".tls_key", Path.class);
        if ((cert == null) != (key == null)) {
            String missing = cert == null ? "tls_certificate" : "tls_key";
            String given = cert == null ? "tls_key" : "tls_certificate";
            problems.error(SECTION + "." + given, b.at(SECTION + "." + given), given + " without " + missing
                    + " — HTTPS needs both the certificate and its private key; give both, or neither for plain HTTP");
            return;
        }
        for (String s : new String[] {"tls_certificate", "tls_key"}) {
            Path p = b.get(SECTION + "." + s, Path.class);
            if (p != null && !(Files.isRegularFile(p) && Files.isReadable(p))) {
                problems.error(SECTION + "." + s, b.at(SECTION + "." + s), p + " is not a readable file — give the "
                        + "path of a PEM file that root can read");
            }
        }
    }

    /** The endpoint of a file that passed every check; {@link HttpSettings#OFF} without {@code node.http}. */
    static HttpSettings settings(Bound b) {
        if (!b.isPresent(SECTION)) return HttpSettings.OFF;
        return new HttpSettings(true, b.get(SECTION + ".listen", String.class), b.get(SECTION + ".port", Integer.class),
                Optional.ofNullable(b.get(SECTION + ".tls_certificate", Path.class)),
                Optional.ofNullable(b.get(SECTION + ".tls_key", Path.class)));
    }
}
