package vigil.daemon.vip;

import java.util.Objects;

/**
 * One virtual IPv4 address as {@code ip addr} handles it: {@code address/prefix} on {@code device} under
 * {@code label} (the device name, a colon and up to 15 characters in all, as {@code ip} requires). Use the subnet's
 * real prefix: a /32 is advertised by MAAS as a region endpoint of its own.
 */
public record Vip(String name, String address, int prefix, String device, String label) {
    public Vip {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(device, "device");
        if (prefix < 1 || prefix > 32) throw new IllegalArgumentException("prefix must be 1..32, got " + prefix);
        if (label != null && (!label.startsWith(device) || label.length() > 15)) {
            throw new IllegalArgumentException("label " + label + " must start with the device name " + device
                    + " and have at most 15 characters");
        }
    }

    /** {@code address/prefix}, as {@code ip addr} takes it. */
    public String cidr() {
        return address + "/" + prefix;
    }
}
