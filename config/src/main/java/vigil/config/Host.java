package vigil.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * What the loader needs to know about the machine: its short host name, where groups are listed, and which IP
 * literals are its own (PostgreSQL can listen only on those), and which network interfaces it has (VIPs go on one).
 */
record Host(String hostname, Path groupFile, Predicate<String> hasAddress, Predicate<String> hasDevice) {
    static final Path ETC_GROUP = Path.of("/etc/group");

    /** The local machine; the host name is read from /etc/hostname first because it needs no DNS. */
    static Host local() {
        return new Host(shortName(localHostname()), ETC_GROUP, Host::isLocalAddress, Host::isLocalDevice);
    }

    static Host withHostname(String hostname) {
        return new Host(hostname == null ? null : shortName(hostname), ETC_GROUP, Host::isLocalAddress, Host::isLocalDevice);
    }

    /** Whether an interface of this machine (in this network namespace) has the IP literal {@code address}. */
    static boolean isLocalAddress(String address) {
        try {
            return NetworkInterface.getByInetAddress(InetAddress.getByName(address)) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether this machine (in this network namespace) has the network interface {@code name}. */
    static boolean isLocalDevice(String name) {
        try {
            return NetworkInterface.getByName(name) != null;
        } catch (IOException e) {
            return false;
        }
    }

    private static String localHostname() {
        try {
            String fromFile = Files.readString(Path.of("/etc/hostname")).trim();
            if (!fromFile.isEmpty()) {
                return fromFile;
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return null;
        }
    }

    private static String shortName(String hostname) {
        if (hostname == null) {
            return null;
        }
        int dot = hostname.indexOf('.');
        return (dot < 0 ? hostname : hostname.substring(0, dot)).trim();
    }
}
