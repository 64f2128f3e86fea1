package vigil.daemon.pg;

/** {@code pg_ctl stop -m}: FAST rolls back sessions and writes a shutdown checkpoint; IMMEDIATE just exits (crash recovery at the next start). */
public enum StopMode {
    FAST, IMMEDIATE;

    String pgCtlName() {
        return name().toLowerCase();
    }
}
