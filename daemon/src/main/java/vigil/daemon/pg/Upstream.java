package vigil.daemon.pg;

/** The server a standby streams from, or that a clone or rewind copies from. */
public record Upstream(String host, int port) {
    public Upstream {
        if (host == null || host.isBlank() || host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '\'' || c == '\\')) {
            throw new IllegalArgumentException("bad upstream host \"" + host + "\" — give an address or host name");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("bad upstream port " + port + " — must be 1 to 65535");
        }
    }
}
