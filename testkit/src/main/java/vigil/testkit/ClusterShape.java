package vigil.testkit;

import java.nio.file.Path;

/**
 * What a rig cluster is made of, as named parts instead of positional flags: its timing, managed PostgreSQL (null:
 * none), watchdogs (null: off), and the optional parts each test asks for by name. Start from {@link #of} and add:
 * {@code ClusterShape.of(Timing.DEFAULT).pg(PgOptions.ASYNC).withDbVip().withHttp()}.
 *
 * @param eventLog       every node runs the shipped {@code hooks/log-event} as its event hook
 * @param dbVip          the VIP {@code db} = {@link NetnsRig#dbVip} on eth0 follows the primary
 * @param fenceAgent     every node can be fenced by this agent ({@link NetnsRig#writeFenceAgent}); null: none
 * @param regionService  the VIP {@code region} and a service on it ({@link RegionService})
 * @param regionByChecks with {@code regionService}: the region VIP follows each node's tracked check
 * @param http           every node serves {@code node.http} on its address, port {@link #HTTP_PORT}
 */
public record ClusterShape(Timing timing, PgOptions pg, RigWatchdog watchdog, boolean eventLog, boolean dbVip,
                           Path fenceAgent, boolean regionService, boolean regionByChecks, boolean http) {
    /** The port of every node's HTTP endpoint when {@link #http} is on. */
    public static final int HTTP_PORT = 8008;

    public static ClusterShape of(Timing timing) {
        return new ClusterShape(timing, null, null, false, false, null, false, false, false);
    }

    public ClusterShape pg(PgOptions options) {
        return new ClusterShape(timing, options, watchdog, eventLog, dbVip, fenceAgent, regionService, regionByChecks, http);
    }

    public ClusterShape watchdog(RigWatchdog w) {
        return new ClusterShape(timing, pg, w, eventLog, dbVip, fenceAgent, regionService, regionByChecks, http);
    }

    public ClusterShape withEventLog() {
        return new ClusterShape(timing, pg, watchdog, true, dbVip, fenceAgent, regionService, regionByChecks, http);
    }

    public ClusterShape withDbVip() {
        return new ClusterShape(timing, pg, watchdog, eventLog, true, fenceAgent, regionService, regionByChecks, http);
    }

    public ClusterShape fenceAgent(Path agent) {
        return new ClusterShape(timing, pg, watchdog, eventLog, dbVip, agent, regionService, regionByChecks, http);
    }

    public ClusterShape regionService(boolean byChecks) {
        return new ClusterShape(timing, pg, watchdog, eventLog, dbVip, fenceAgent, true, byChecks, http);
    }

    public ClusterShape withHttp() {
        return new ClusterShape(timing, pg, watchdog, eventLog, dbVip, fenceAgent, regionService, regionByChecks, true);
    }
}
