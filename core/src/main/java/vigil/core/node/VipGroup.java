package vigil.core.node;

/**
 * How a VIP is placed. Each group is claimed and released as one.
 * <ul>
 * <li>{@link #PRIMARY}: on the node whose PostgreSQL is the primary, under its lease (clients of PostgreSQL).</li>
 * <li>{@link #TRACKED}: on one data node whose tracked checks pass, chosen by the leader and held under a grant from
 *     it (MAAS's region API, DNS, proxy: any region controller can serve them).</li>
 * </ul>
 */
public enum VipGroup {
    PRIMARY, TRACKED;

    /** As the configuration and the logs name it. */
    public String label() {
        return this == PRIMARY ? "primary" : "checks";
    }
}
