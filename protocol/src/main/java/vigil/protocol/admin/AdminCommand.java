package vigil.protocol.admin;

import java.util.Arrays;
import java.util.Optional;

/**
 * The commands the admin protocol defines. The daemon rejects any other command name with
 * {@link ErrorCode#UNKNOWN_COMMAND} before its handler sees it, so a handler only ever has to
 * deal with names listed here. Adding a command = adding a constant here and a case in the handler.
 */
public enum AdminCommand {
    /**
     * The daemon's own view of the cluster: arg {@code node} (optional: this node; another is answered by that node,
     * through this one); the result is a {@link StatusView}.
     */
    STATUS("status", false),
    /**
     * Run a node's fence agents: args {@code node}, {@code action} (off, reboot, status); the result is an object
     * with {@code target}, {@code action}, {@code proven_off}, {@code reason} and the agent runs. Long running.
     */
    FENCE("fence", true),
    /**
     * An operator swears a node is off: args {@code node}, {@code operator}; only the leader accepts it (given on
     * another node, it is forwarded to the leader that node follows). The result is an object with {@code accepted}
     * and {@code detail}.
     */
    CONFIRM_DOWN("confirm-down", false),
    /**
     * The daemon's last events at notice or above, oldest first: args {@code limit} (1 to 500, default 20), {@code node}
     * (optional: this node; another is answered by that node); the result is an object with {@code node} and
     * {@code entries}, each {@code at} (ISO-8601, UTC, milliseconds), {@code mono_ms},
     * {@code priority}, {@code event} and {@code fields} (the logged key/value pairs).
     */
    HISTORY("history", false),
    /**
     * Reset this node's failcount (restarts counted against migration_threshold, failed actions' back-off): args
     * {@code node} (optional: this node; another is carried out by that node), {@code operator}. The result is an object
     * with {@code detail}.
     */
    CLEANUP("cleanup", false),
    /**
     * Restart a node's standby (a clean shutdown, then the ordinary start as a standby): args {@code node} (optional:
     * this node; another is carried out by that node), {@code operator}. Refused for the primary, in maintenance mode,
     * or while an action runs. The result is an object with {@code accepted}, {@code node} and {@code detail}; it
     * answers once the shutdown has begun (the caller watches that node's {@code status}).
     */
    RESTART_PG("restart-pg", false),
    /**
     * A planned switchover: args {@code to} (optional: the best standby otherwise), {@code operator}, {@code purpose}
     * (optional, {@link SwitchoverPurpose}: why it was asked, for the log and metrics); only the leader,
     * running the primary, accepts it, and only when it is safe (given on another node, it is forwarded to the leader
     * that node follows). The result is an object with {@code accepted}, {@code from}, {@code target}, {@code term}
     * and {@code detail}; it answers once the switchover has begun (the caller watches {@code status} to see it end).
     */
    SWITCHOVER("switchover", false),
    /**
     * A failover an operator orders where the automatic one cannot act: args {@code to} (the standby to promote),
     * {@code accept_data_loss} (optional, false: waive the lag, synchronous-set and ban checks), {@code operator}.
     * Carried out by {@code to} (forwarded there from any other node): it refuses, naming why (the primary runs and
     * leads: switch over instead; it is not a running standby; without {@code accept_data_loss}, how far behind it is),
     * or holds the order and, when another node leads, asks that leader to hand leadership over (a request that
     * node forwards itself, {@code to} naming it). The one-writer proof is never waived. The result is an object with
     * {@code accepted}, {@code node}, {@code accept_data_loss} and {@code detail}; it answers once the order is held (the
     * caller watches {@code status}).
     */
    FAILOVER("failover", false),
    /**
     * Maintenance mode on ({@code pause}) or off ({@code resume}): arg {@code operator}; only the leader accepts it
     * (it writes the cluster record; given on another node, it is forwarded to the leader that node follows). The
     * result is an object with {@code accepted}, {@code paused} and {@code detail}.
     */
    PAUSE("pause", false),
    /** See {@link #PAUSE}. */
    RESUME("resume", false),
    /**
     * Never promote {@code node} ({@code ban}) or lift that ({@code unban}): args {@code node}, {@code operator}; only
     * the leader accepts it (forwarded to it from another node). The result is an object with {@code accepted},
     * {@code node}, {@code banned}, {@code detail}.
     */
    BAN("ban", false),
    /** See {@link #BAN}. */
    UNBAN("unban", false),
    /**
     * The daemon's version: the result is an object with {@code vigild} (the version), {@code admin_protocol},
     * {@code status_format}, {@code java}, {@code pid}, {@code node}, {@code started_at} (ISO-8601, UTC) and
     * {@code uptime_s}.
     */
    VERSION("version", false),
    /**
     * End this node's vigild for systemd to start it again, PostgreSQL left running (an upgrade, a configuration change
     * without a failover): arg {@code operator}. A leader with an armed watchdog first withdraws the watchdog
     * announcement, in its reports and in the cluster record, and ends only once a majority acknowledged that record
     * (within 2 s, else it gives the restart up: {@code restart_daemon_given_up} in its journal). Refused while an
     * action, a fence, a switchover or a failover order is under way. The result is an object with
     * {@code accepted} and {@code detail}; the daemon exits with status 75 soon after (the unit restarts it).
     */
    RESTART_DAEMON("restart-daemon", false),
    /**
     * Read this node's configuration file again: arg {@code operator}. The event hooks and the HTTP endpoint are
     * applied; every other change is listed as needing a restart; a file with errors changes nothing ({@code REFUSED}
     * with its problems). The result is an object with {@code applied} and {@code restart_needed} (section names) and
     * {@code detail}.
     */
    RELOAD("reload", false),
    /**
     * What the cluster would do, computed from this node's view by the core's own rules, changing nothing: args
     * {@code lost} (the nodes gone: they failed, or they are the far side of a partition). The result is an object
     * with {@code lines} (one per consequence) and {@code detail} (them, joined).
     */
    SIMULATE("simulate", false);

    private final String wireName;
    private final boolean longRunning;

    AdminCommand(String wireName, boolean longRunning) {
        this.wireName = wireName;
        this.longRunning = longRunning;
    }

    /** It waits for something outside the daemon (a fence agent): answered within minutes, not seconds. */
    public boolean longRunning() {
        return longRunning;
    }

    /** The name used in the request's {@code command} field. */
    public String wireName() {
        return wireName;
    }

    /** The command with this wire name, if the protocol defines one (case-sensitive). */
    public static Optional<AdminCommand> fromWireName(String name) {
        return Arrays.stream(values()).filter(c -> c.wireName.equals(name)).findFirst();
    }
}
