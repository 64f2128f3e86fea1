package vigil.core.ha;

/** The answer of a direct probe of another node's PostgreSQL. */
public enum PeerPg {
    /** Answered as a primary: it may be taking writes. Never promote over it. */
    WRITABLE,
    /** Answered as a standby, or refused the connection (host up, PostgreSQL down): it cannot take writes. */
    NOT_WRITABLE,
    /** No answer (timeout, no route): it may be down, or cut off and still writable. */
    UNREACHABLE
}
