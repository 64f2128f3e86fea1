package vigil.daemon.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import vigil.daemon.exec.BoundedCommand;

/**
 * The IPv4 neighbour table of this node's network namespace: {@code /proc/net/arp} (an entry without {@code ATF_COM},
 * 0x2, has no link-layer address: incomplete or failed), {@code /sys/class/net/DEV/carrier}, {@code ip -4 neigh del} and {@code ip -4 neigh flush dev DEV nud incomplete nud failed}.
 * Reading both files costs no process; only a delete runs one.
 */
final class KernelNeighbours implements Neighbours.Table {
    private static final Path ARP = Path.of("/proc/net/arp");
    private static final int ATF_COM = 0x2;
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(1);

    @Override
    public Neighbours.Entry entry(String address) {
        try {
            return parse(Files.readString(ARP, StandardCharsets.US_ASCII), address);
        } catch (IOException e) {
            return null;
        }
    }

    /** The entry for {@code address} in the text of {@code /proc/net/arp}, or null. */
    static Neighbours.Entry parse(String arp, String address) {
        for (String line : arp.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || !f[0].equals(address) || !f[2].startsWith("0x")) continue;
            try {
                int flags = Integer.parseInt(f[2].substring(2), 16);
                return new Neighbours.Entry(f[5], (flags & ATF_COM) != 0);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    @Override
    public boolean carrier(String device) {
        if (device.contains("/") || device.startsWith(".")) return false;
        try {
            return Files.readString(Path.of("/sys/class/net", device, "carrier"), StandardCharsets.US_ASCII).trim().equals("1");
        } catch (IOException e) {
            return false; // an interface that is down cannot be read: no carrier
        }
    }

    @Override
    public BoundedCommand.Ran forget(String address, String device) {
        return BoundedCommand.run(forgetArgv(address, device), null, IP_TIMEOUT);
    }

    @Override
    public List<String> forgetArgv(String address, String device) {
        return address != null ? List.of("ip", "-4", "neigh", "del", address, "dev", device)
                : List.of("ip", "-4", "neigh", "flush", "dev", device, "nud", "incomplete", "nud", "failed");
    }
}
