package vigil.config;

import java.time.Duration;

/**
 * One entry of {@code cluster.vips}: an IPv4 address that follows the primary, or, with {@code followsChecks}, is
 * placed on a data node whose tracked checks pass.
 *
 * @param label              the address label, {@code <device>:<name>} (at most 15 characters, checked at load)
 * @param announceCount      gratuitous ARP rounds at a claim
 * @param announceInterval   time between those rounds
 * @param reannounceInterval while held, announced again this often
 */
public record VipSettings(String name, String address, int prefix, String device, String label, int announceCount,
                          Duration announceInterval, Duration reannounceInterval, boolean followsChecks) {
    /** A VIP that follows the primary. */
    public VipSettings(String name, String address, int prefix, String device, String label, int announceCount,
                       Duration announceInterval, Duration reannounceInterval) {
        this(name, address, prefix, device, label, announceCount, announceInterval, reannounceInterval, false);
    }
}
