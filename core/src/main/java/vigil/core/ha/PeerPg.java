package vigil.core.ha;

/**
 * The answer of a direct probe of another node's PostgreSQL. Only a direct answer of that server counts: a refused
 * connection (a firewall's reject rule produces one against a live server), a reset, a timeout, "the database
 * system is starting up" (a primary in crash recovery, writable a moment later) or any error is UNKNOWN.
 */
public enum PeerPg {
    /** Answered {@code pg_is_in_recovery() = false}: it may be taking writes. Never promote over it. */
    WRITABLE,
    /** Answered {@code pg_is_in_recovery() = true}: it cannot take writes. */
    IN_RECOVERY,
    /**
     * Its fence agents turned its host off and their {@code status} confirmed it: nothing of it runs (a reboot never
     * gives this answer: the host would come back).
     */
    POWERED_OFF,
    /** Anything else: proves nothing. */
    UNKNOWN
}
