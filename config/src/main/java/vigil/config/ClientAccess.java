package vigil.config;

import java.util.Optional;

/**
 * One client access rule of {@code node.postgres.client_access}: a pg_hba.conf line that vigild writes into its own
 * block of pg_hba.conf after its replication lines, on every start and role change, so the rule survives a
 * pg_rewind or a re-clone (which copy the primary's files over this node's).
 *
 * @param type     {@code host}, {@code hostssl}, {@code hostnossl} or {@code local}
 * @param address  the client network (CIDR, {@code all}, {@code samenet}, {@code samehost} or a host name); empty
 *                 exactly for {@code local}
 */
public record ClientAccess(String type, String database, String user, Optional<String> address, String method) {
    /** The pg_hba.conf line, fields padded like initdb's. */
    public String hbaLine() {
        return String.format("%-7s %-12s %-12s %-20s %s", type, database, user, address.orElse(""), method).replaceAll(" +$", "");
    }
}
