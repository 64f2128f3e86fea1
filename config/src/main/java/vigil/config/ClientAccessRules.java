package vigil.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks of {@code node.postgres.client_access}: each field alone (a pg_hba type, method and client address that
 * PostgreSQL accepts — a rule PostgreSQL rejects would make its reload fail and leave the old rules in place), then
 * each entry as a whole (an address exactly on network lines; methods that cannot work, or admit anyone, flagged).
 */
final class ClientAccessRules {
    static final String LIST = "node.postgres.client_access";
    static final List<String> TYPES = List.of("host", "hostssl", "hostnossl", "local");
    static final List<String> METHODS = List.of("scram-sha-256", "md5", "password", "cert", "peer", "ident", "trust",
            "reject", "gss", "sspi", "pam", "ldap", "radius");
    private static final Set<String> ADDRESS_KEYWORDS = Set.of("all", "samehost", "samenet");

    private ClientAccessRules() {}

    static Function<Object, String> type() {
        return v -> TYPES.contains((String) v) ? null
                : "unknown connection type \"" + v + "\" — write host, hostssl, hostnossl or local";
    }

    static Function<Object, String> method() {
        return v -> METHODS.contains((String) v) ? null
                : "unknown authentication method \"" + v + "\" — write one of " + String.join(", ", METHODS)
                        + " (scram-sha-256 for password logins)";
    }

    /** A CIDR network, a keyword, or a host name (PostgreSQL resolves it); a bare IP needs its prefix length. */
    static Function<Object, String> address() {
        return v -> {
            String a = (String) v;
            if (ADDRESS_KEYWORDS.contains(a)) {
                return null;
            }
            boolean literal = a.matches("[0-9.]+(/.*)?") || a.contains(":");
            if (!literal) {
                return a.matches("\\.?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*") ? null
                        : "\"" + a + "\" is not a client address — write a network such as 10.0.0.0/24 or fd00::/64,"
                                + " all, samenet, samehost or a host name";
            }
            int slash = a.indexOf('/');
            if (slash < 0) {
                return "\"" + a + "\" has no prefix length — write " + a + (a.contains(":") ? "/128" : "/32")
                        + " for this one host, or the network, e.g. 10.0.0.0/24";
            }
            String ip = a.substring(0, slash);
            boolean v6 = ip.contains(":");
            int max = v6 ? 128 : 32;
            try {
                if ((!v6 && !ValueType.isIpv4(ip)) || (v6 && !ip.matches("[0-9A-Fa-f:.]+"))) {
                    throw new UnknownHostException(ip);
                }
                InetAddress.getByName(ip); // a literal: parsed, never resolved
                int prefix = Integer.parseInt(a.substring(slash + 1));
                if (prefix < 0 || prefix > max) {
                    throw new NumberFormatException();
                }
                return null;
            } catch (UnknownHostException | NumberFormatException e) {
                return "\"" + a + "\" is not a network — write an address and a prefix length from 0 to " + max
                        + ", e.g. " + (v6 ? "fd00::/64" : "10.0.0.0/24");
            }
        };
    }

    /** Rules about an entry as a whole. */
    static void check(Bound b, Problems problems) {
        for (int i = 0; i < b.listSize(LIST); i++) {
            String p = LIST + "[" + i + "]";
            if (b.isInvalid(p) || b.isInvalid(p + ".type") || b.isInvalid(p + ".method") || b.isInvalid(p + ".address")) {
                continue;
            }
            String type = b.get(p + ".type", String.class);
            String method = b.get(p + ".method", String.class);
            String address = b.get(p + ".address", String.class);
            String who = b.get(p + ".user", String.class) + "@" + b.get(p + ".database", String.class);
            if (type.equals("local") && address != null) {
                problems.error(p + ".address", b.at(p + ".address"), "a local rule (Unix socket) has no address"
                        + " — remove address, or write type: host for network clients");
            } else if (!type.equals("local") && address == null) {
                problems.error(p + ".address", b.at(p), "a " + type + " rule needs the clients' address — add e.g."
                        + " address: 10.0.0.0/24 (the network MAAS's region controllers connect from)");
            }
            if (!type.equals("local") && (method.equals("peer"))) {
                problems.error(p + ".method", b.at(p + ".method"), "peer works only on the Unix socket — write type:"
                        + " local, or a password method such as scram-sha-256 for network clients");
            }
            if (method.equals("cert") && !type.equals("hostssl")) {
                // PostgreSQL refuses the whole pg_hba.conf for such a line: it would not start, nor reload it
                problems.error(p + ".method", b.at(p + ".method"), "cert works only on SSL connections — write type:"
                        + " hostssl, or a password method such as scram-sha-256");
            }
            if (method.equals("trust") && !type.equals("local")) {
                problems.warning(p + ".method", b.at(p + ".method"), "trust lets anyone on " + address + " connect as "
                        + who + " without a password — use scram-sha-256 unless that network is yours alone");
            }
            if (method.equals("password") && !type.equals("hostssl")) {
                problems.warning(p + ".method", b.at(p + ".method"), "password sends " + who + "'s password in"
                        + " clear text — use scram-sha-256, or type: hostssl");
            }
        }
    }
}
