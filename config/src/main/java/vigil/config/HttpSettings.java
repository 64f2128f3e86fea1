package vigil.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The HTTP endpoint of {@code node.http}: load-balancer checks and Prometheus metrics, read-only.
 *
 * @param enabled     false: no endpoint (no {@code node.http} section)
 * @param listen      the local address to bind
 * @param port        the TCP port
 * @param certificate with {@code key}: HTTPS only, with this PEM certificate chain
 * @param key         the PEM private key of {@code certificate}
 */
public record HttpSettings(boolean enabled, String listen, int port, Optional<Path> certificate, Optional<Path> key) {
    public static final int DEFAULT_PORT = 8008;
    public static final HttpSettings OFF = new HttpSettings(false, null, DEFAULT_PORT, Optional.empty(), Optional.empty());

    /** A plain-HTTP endpoint on {@code listen}:{@code port}. */
    public static HttpSettings plain(String listen, int port) {
        return new HttpSettings(true, listen, port, Optional.empty(), Optional.empty());
    }

    public boolean tls() {
        return certificate.isPresent();
    }
}
