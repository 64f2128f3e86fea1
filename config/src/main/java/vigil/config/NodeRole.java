package vigil.config;

/** What a configured member may do: both kinds vote; only a DATA node may ever lead. */
public enum NodeRole {
    /** Runs the supervised service (PostgreSQL/MAAS) and may become leader. */
    DATA,
    /** Votes to make quorum possible with an even number of data nodes, never leads. */
    WITNESS
}
