package vigil.daemon.pg;

/** What a reachable PostgreSQL says it is: {@code pg_is_in_recovery()} false or true. */
public enum PgRole { PRIMARY, STANDBY }
