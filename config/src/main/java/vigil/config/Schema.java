package vigil.config;

import static vigil.config.ValueType.ADDRESS;
import static vigil.config.ValueType.BOOL;
import static vigil.config.ValueType.BYTES;
import static vigil.config.ValueType.DURATION;
import static vigil.config.ValueType.FRACTION;
import static vigil.config.ValueType.GROUP;
import static vigil.config.ValueType.HBA_FIELD;
import static vigil.config.ValueType.INT;
import static vigil.config.ValueType.LIST;
import static vigil.config.ValueType.NAME;
import static vigil.config.ValueType.PATH;
import static vigil.config.ValueType.ROLE;
import static vigil.config.ValueType.SECTION;
import static vigil.config.ValueType.TEXT;
import static vigil.config.ValueType.USER;
import static vigil.config.ValueType.WATCHDOG_MODE;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The registry: every setting of vigil's config file, declared exactly once, in reference-doc order. */
final class Schema {
    private Schema() {}

    static final List<Setting> SETTINGS = List.of(
        Setting.of("cluster", SECTION).required()
            .doc("Settings shared by the whole cluster. This section must be identical on every node; "
                + "`vigild --check-config` prints its hash so you can compare nodes."),
        Setting.of("cluster.name", NAME).required().example("maas")
            .doc("Name of the cluster. Nodes only join peers that use the same name."),
        Setting.of("cluster.nodes", LIST).required()
            .doc("The static list of members, data nodes and witnesses. Every member is a voter: "
                + "quorum is a majority of this list. Fewer than 3 voters is allowed but warned about, "
                + "because a quorum of 1 or 2 cannot survive the loss of a member. At least one member "
                + "must be a data node."),
        Setting.of("cluster.nodes[].name", NAME).required().example("n1")
            .doc("Name of the member, unique in the list. `node.name` (or the host name) selects which "
                + "member the local daemon is."),
        Setting.of("cluster.nodes[].address", ADDRESS).required().example("10.232.1.11")
            .doc("Where peers reach this member. The address and port together must be unique in the list."),
        Setting.of("cluster.nodes[].port", INT).defaults(7800).example("7800")
            .check(Setting.intRange(1, 65535, "a TCP port"))
            .doc("Peer port of this member, 1 to 65535: JGroups over TCP, and heartbeats with their "
                + "acknowledgements over UDP on the same number (a second path that rides out short link cuts; "
                + "without it they go over TCP alone). Open both between the nodes."),
        Setting.of("cluster.nodes[].role", ROLE).defaults(NodeRole.DATA).example("data")
            .doc("`data`: runs the supervised service and may become leader. `witness`: votes so that "
                + "a majority stays possible, but never leads."),
        Setting.of("cluster.nodes[].priority", INT).defaults(100).example("100")
            .check(Setting.intRange(0, 1000, "a priority"))
            .doc("0 to 1000. Among equally up-to-date candidates the higher priority stands first, "
                + "then the lower name."),
        Setting.of("cluster.nodes[].fence", LIST).optional("none: this member can be proven down only by its "
                + "watchdog or its own daemon")
            .doc("Fence devices that can power this member off, for the other nodes to use when its PostgreSQL is "
                + "not otherwise proven unable to write. Each device is a fence agent of Debian's fence-agents "
                + "package (`fence_ipmilan` for a BMC, `fence_virsh` for a libvirt VM, ...) given its parameters on "
                + "stdin; only `off` followed by a `status` that answers OFF counts. Devices are grouped by `level`: "
                + "every device of the lowest level must succeed, else the next level is tried. The agent and the "
                + "password file must exist on every node that may fence this one. See docs/fencing.md."),
        Setting.of("cluster.nodes[].fence[].level", INT).defaults(1).example("1")
            .check(Setting.intRange(1, 9, "a fence level"))
            .doc("1 to 9. Levels are tried from the lowest; a level succeeds only when all its devices do "
                + "(e.g. the two power supplies of one host)."),
        Setting.of("cluster.nodes[].fence[].agent", PATH).required().example("/usr/sbin/fence_ipmilan")
            .doc("The fence agent executable: a regular file, executable, owned by root (or the user running "
                + "vigild) and writable by nobody else. Missing on this node: a warning (it is needed only on the "
                + "nodes that may fence this member)."),
        Setting.of("cluster.nodes[].fence[].ip", ADDRESS).optional("none").example("10.232.9.11")
            .doc("Address of the fence device (the BMC, the libvirt host); sent as `ipaddr`."),
        Setting.of("cluster.nodes[].fence[].port", INT).optional("the agent's default (623 for IPMI, 22 for ssh)")
            .example("623").check(Setting.intRange(1, 65535, "a TCP or UDP port"))
            .doc("TCP or UDP port of the fence device, 1 to 65535; sent as `ipport` (fence-agents' `port` is the "
                + "plug, see `plug`)."),
        Setting.of("cluster.nodes[].fence[].username", TEXT).optional("none").example("admin")
            .doc("Login name on the fence device; sent as `login`."),
        Setting.of("cluster.nodes[].fence[].plug", TEXT).optional("none").example("maas-n1")
            .doc("Which outlet, VM or machine the device switches (the libvirt domain for `fence_virsh`); sent as "
                + "`port`, fence-agents' name for it. Not needed for a BMC that switches only its own host."),
        Setting.of("cluster.nodes[].fence[].lanplus", BOOL).defaults(false).example("true")
            .doc("`true` sends `lanplus=1` (IPMI v2.0 RMCP+, which most BMCs need)."),
        Setting.of("cluster.nodes[].fence[].options", TEXT).optional("none").example("method=onoff power_wait=4")
            .doc("Further parameters of the agent: `key=value` pairs separated by spaces or commas, sent one per "
                + "line (see the agent's man page for its keys). Neither keys nor values may contain spaces or "
                + "commas. Refused: `action` (vigild sets it), keys that have their own setting, and any password "
                + "(use `password_file`)."),
        Setting.of("cluster.nodes[].fence[].password_file", PATH).optional("none").example("/etc/vigil/n1-bmc.pass")
            .doc("File holding the device's password on its first line, readable by vigild and nobody else "
                + "(mode 0600 or 0400). vigild reads it at each call and gives it to the agent on stdin only: never "
                + "on a command line or in a log. Not together with `password_script`."),
        Setting.of("cluster.nodes[].fence[].password_script", PATH).optional("none")
            .example("/usr/local/sbin/bmc-password")
            .doc("An executable the agent runs to get the password (fence-agents' `passwd_script`); same ownership "
                + "rules as `agent`. Not together with `password_file`."),
        Setting.of("cluster.nodes[].fence[].timeout", DURATION).defaults(Duration.ofSeconds(20)).example("20s")
            .doc("How long one call of the agent may take; then it and every process it started are killed and "
                + "the call counts as failed. The caller's overall deadline cuts it shorter."),
        Setting.of("cluster.timing", SECTION).optional("all defaults")
            .doc("Heartbeats, leases and failure detection. The defaults suit a LAN."),
        Setting.of("cluster.timing.heartbeat_interval", DURATION).defaults(Duration.ofMillis(150))
            .example("150ms")
            .doc("How often the leader renews its lease by heartbeat."),
        Setting.of("cluster.timing.lease", DURATION).defaults(Duration.ofMillis(1500)).example("1500ms")
            .doc("How long a majority-acknowledged heartbeat keeps the leader's lease valid. Must be more "
                + "than 3 x `heartbeat_interval`, so that the lease survives two lost heartbeats."),
        Setting.of("cluster.timing.clock_drift_bound", FRACTION).defaults(0.01).unit("fraction")
            .example("0.01")
            .check(v -> (Double) v >= 0 && (Double) v < 0.1 ? null
                : v + " is out of range — the clock drift bound must be at least 0 and below 0.1 (e.g. 0.01)")
            .doc("Assumed worst-case relative rate difference between node clocks (rho), at least 0 and "
                + "below 0.1. The leader treats its lease as `lease x (1 - 2 x rho)` long."),
        Setting.of("cluster.timing.failure_detection_timeout", DURATION).defaults(Duration.ofSeconds(3))
            .example("3s")
            .doc("A peer silent for this long is suspected (JGroups FD_ALL3 timeout; FD_ALL3 checks once per own "
                + "heartbeat, so up to a quarter later). Every message counts as a sign of life; FD_ALL3's own "
                + "heartbeat goes every quarter of this (every `heartbeat_interval` if that is longer). Must be at "
                + "least 2 x `heartbeat_interval`."),
        Setting.of("cluster.timing.suspect_verify_timeout", DURATION).defaults(Duration.ofSeconds(1))
            .example("1s")
            .doc("How long a suspicion is double-checked before the peer is excluded (JGroups VERIFY_SUSPECT2)."),
        Setting.of("cluster.timing.join_timeout", DURATION).defaults(Duration.ofSeconds(2)).example("2s")
            .doc("How long a starting node waits for an existing view before forming its own (JGroups GMS)."),
        Setting.of("cluster.security", SECTION).optional("none: an error, one of key_file or insecure is needed")
            .doc("Protection of peer traffic. Exactly one of `key_file` or `insecure: true` must be given."),
        Setting.of("cluster.security.key_file", PATH).optional("none").example("/etc/vigil/cluster.key")
            .doc("Shared secret for encrypting (SYM_ENCRYPT, AES) peer traffic: one line holding the "
                + "base64 of 16, 24 or 32 random bytes. The file must be a regular file readable by vigild "
                + "and by nobody else (mode 0600 or 0400). Generate it once and copy it to every node: "
                + "`umask 077; head -c 32 /dev/urandom | base64 > /etc/vigil/cluster.key`."),
        Setting.of("cluster.security.insecure", BOOL).defaults(false).example("false")
            .doc("`true` sends peer traffic in plaintext; only for tests on an isolated network. Not "
                + "allowed together with `key_file`, and warned about at every start."),
        Setting.of("cluster.postgres", SECTION).optional("none: vigil manages no PostgreSQL")
            .doc("Managed PostgreSQL (15). When present, `node.postgres` must be present too, and vigild "
                + "alone starts, stops, promotes and rewinds the local PostgreSQL."),
        Setting.of("cluster.postgres.replication_user", USER).defaults("replicator").example("replicator")
            .doc("Role that standbys use for streaming replication and as the source of `pg_basebackup` "
                + "and `pg_rewind`. vigild creates it when it initialises a new primary."),
        Setting.of("cluster.postgres.replication_password_file", PATH).optional("none: replication is trusted by address")
            .example("/etc/vigil/replication.pass")
            .doc("File holding the replication role's password on one line. Must be a regular file "
                + "readable by vigild and nobody else (mode 0600 or 0400). The password never appears "
                + "on a command line or in a log. Without it, replication connections from the cluster "
                + "addresses are trusted."),
        Setting.of("cluster.postgres.superuser", USER).defaults("postgres").example("postgres")
            .doc("Role vigild uses for its probe and admin connections: over the Unix socket with peer "
                + "authentication, vigil maps the OS user and root to it in pg_ident.conf."),
        Setting.of("cluster.postgres.synchronous", BOOL).defaults(false).example("false")
            .doc("`true`: vigild manages `synchronous_standby_names` so that a commit waits for a standby, "
                + "and only a synchronous standby may be promoted."),
        Setting.of("cluster.postgres.max_lag_on_failover", BYTES).defaults(1L << 20).example("1MB")
            .doc("A standby more than this far behind the primary's last known position is not a "
                + "failover candidate."),
        Setting.of("cluster.postgres.migration_threshold", INT).defaults(3).example("3")
            .check(Setting.intRange(1, 1000, "migration_threshold"))
            .doc("How many local restarts of a crashed primary within `failure_timeout` are tried before "
                + "the node gives up the primary role, 1 to 1000."),
        Setting.of("cluster.postgres.failure_timeout", DURATION).defaults(Duration.ofSeconds(60)).example("60s")
            .doc("Window in which local restarts are counted against `migration_threshold`."),
        Setting.of("cluster.postgres.failover_without_fencing", BOOL).defaults(false).example("false")
            .doc("`true` allows automatic failover when the old primary can be neither reached nor fenced "
                + "(its daemon gone, no watchdog, no fence agent). This risks two writable primaries."),
        Setting.of("cluster.postgres.replication_slots", BOOL).defaults(true).example("true")
            .doc("Every data node keeps a physical replication slot (`vigil_<node>`) for each other data node, and a "
                + "standby streams through its own: the primary keeps the WAL a standby has not received yet, so a "
                + "standby rebooted for patching catches up instead of being copied again. Kept on standbys too "
                + "(without holding WAL there), so a promoted standby has them at once."),
        Setting.of("cluster.postgres.max_slot_wal_keep_size", BYTES).defaults(PostgresClusterSettings.DEFAULT_MAX_SLOT_WAL_KEEP)
            .example("1GB")
            .doc("The most WAL the primary keeps for an absent standby's slot (PostgreSQL's `max_slot_wal_keep_size`): "
                + "past it the slot is given up and that standby must be copied again, rather than the primary's disk "
                + "filling up (vigild makes the slot again and copies that standby anew once it is back and the primary "
                + "answers that the WAL it needs is removed). Size it for the longest absence you plan for at your write rate."),
        Setting.of("cluster.postgres.probe_interval", DURATION).defaults(Duration.ofMillis(100)).example("100ms")
            .doc("How often vigild probes the local PostgreSQL while anything moves. While the node is steady (its "
                + "lease renewed, or its leader heard, within two heartbeats; PostgreSQL a writable primary or a "
                + "streaming standby; no action, switchover or freeze under way) and its position stands still (no "
                + "writes), it probes ten times as seldom, at most every second (in synchronous mode four times, at most every 500 ms: the synchronous set is chosen by the positions reported) and never more often than this, and "
                + "goes back to this rate at once when any of that ends. A postmaster that vigild started is seen to "
                + "exit at once, whatever the rate."),
        Setting.of("cluster.postgres.probe_timeout", DURATION).defaults(Duration.ofMillis(500)).example("500ms")
            .doc("Connect, login and answer timeout of one probe; a PostgreSQL that does not answer within "
                + "it counts as unreachable."),
        Setting.of("cluster.vips", LIST).optional("none: clients must be given every node's address")
            .doc("Virtual IPv4 addresses that follow the primary: added on the node whose PostgreSQL was just "
                + "promoted (or started as primary) under the leader's lease, announced by gratuitous ARP, and "
                + "removed before PostgreSQL is demoted or stopped and before the lease ends, also by the lease "
                + "guard when the loop is stuck. Point clients (MAAS's `database_host`) at one of them. See "
                + "docs/operations.md, \"Virtual IPs\"."),
        Setting.of("cluster.vips[].name", NAME).required().example("db")
            .doc("Name of the VIP, unique in the list; it appears in logs, events and `vigilctl status`, and "
                + "in the address label (`<device>:<name>`, at most 15 characters)."),
        Setting.of("cluster.vips[].address", ADDRESS).required().example("10.232.0.100")
            .check(VipRules.address())
            .doc("The IPv4 address. IPv6 VIPs are not supported yet."),
        Setting.of("cluster.vips[].prefix", INT).required().example("24")
            .check(Setting.intRange(1, 32, "a prefix length"))
            .doc("Prefix length of the subnet the VIP lives in, 1 to 32. Use the subnet's real prefix: MAAS "
                + "advertises a /32 address as a region endpoint of its own."),
        Setting.of("cluster.vips[].device", TEXT).required().example("eth0").check(VipRules.device())
            .doc("Network interface that carries the VIP, the same name on every data node. A data node "
                + "without it is refused by `vigild --check-config`."),
        Setting.of("cluster.vips[].follows", TEXT).defaults("primary").example("checks").check(TrackRules::follows)
            .doc("`primary`: the VIP is on the node whose PostgreSQL is the primary (clients of PostgreSQL). "
                + "`checks`: it is on one data node whose `node.track` checks pass, chosen by the leader and held "
                + "under a grant from it that the holder counts from its own acknowledgement, so a holder cut off "
                + "from the leader drops it before any other node is granted it (MAAS's region API, DNS, proxy). "
                + "All VIPs that follow checks move together. See docs/operations.md, \"VIPs placed by checks\"."),
        Setting.of("cluster.vips[].announce_count", INT).defaults(3).example("3")
            .check(Setting.intRange(1, 20, "an announcement count"))
            .doc("Gratuitous ARP rounds sent when the VIP is claimed (each an unsolicited request and an "
                + "unsolicited reply), 1 to 20; the first goes out at once."),
        Setting.of("cluster.vips[].announce_interval", DURATION).defaults(Duration.ofMillis(200)).example("200ms")
            .doc("Time between the gratuitous ARP rounds of a claim."),
        Setting.of("cluster.vips[].reannounce_interval", DURATION).defaults(Duration.ofSeconds(10)).example("10s")
            .doc("While held, the VIP is announced again this often (switches that forget, hosts that "
                + "missed the claim). These repeated announcements are logged only when one fails, or succeeds after "
                + "a failure."),
        Setting.of("node", SECTION).optional("all defaults")
            .doc("Settings of the local node only; may differ between nodes."),
        Setting.of("node.name", NAME).optional("the short host name").example("n1")
            .doc("Which member of `cluster.nodes` this node is. Defaults to the host name up to its first dot."),
        Setting.of("node.state_dir", PATH).defaults(Path.of("/var/lib/vigil")).example("/var/lib/vigil")
            .doc("Directory for persistent state (term, vote; which VIPs' `acquired` service actions completed). Created"
                + " with mode 0700 if missing; "
                + "if it exists it must be a directory."),
        Setting.of("node.bind_address", ADDRESS).optional("this member's `address`").example("10.232.1.11")
            .doc("Local address for peer traffic, if it differs from this member's `address` in "
                + "`cluster.nodes` (for instance behind NAT)."),
        Setting.of("node.admin", SECTION).optional("all defaults")
            .doc("The local admin socket used by `vigilctl`."),
        Setting.of("node.admin.socket", PATH).defaults(Path.of("/run/vigil/admin.sock"))
            .example("/run/vigil/admin.sock")
            .doc("Path of the Unix socket that `vigilctl` talks to."),
        Setting.of("node.admin.group", GROUP).optional("none: only root").example("vigil")
            .doc("Members of this existing Unix group (and root) may use the admin socket."),
        Setting.of("node.http", SECTION).optional("none: no HTTP endpoint")
            .doc("An HTTP endpoint for load balancers and monitoring (docs/operations.md, \"HTTP endpoint\"): "
                + "`/primary`, `/replica`, `/replica?lag=16MB`, `/sync`, `/leader` and `/health` answer 200 or 503 "
                + "for HAProxy's checks, `/metrics` serves Prometheus metrics. Read-only; off unless this section is "
                + "present."),
        Setting.of("node.http.listen", ADDRESS).required().example("10.232.1.11")
            .doc("The local address to listen on (`0.0.0.0` for every IPv4 address). The endpoint answers anyone "
                + "who reaches it: bind it to a management network, or filter it."),
        Setting.of("node.http.port", INT).defaults(HttpSettings.DEFAULT_PORT).example("8008")
            .check(Setting.intRange(1, 65535, "a TCP port"))
            .doc("The TCP port, 1 to 65535."),
        Setting.of("node.http.tls_certificate", PATH).optional("none: plain HTTP").example("/etc/vigil/http.crt")
            .doc("A PEM certificate (chain) file: the endpoint then speaks HTTPS only. Needs `tls_key`."),
        Setting.of("node.http.tls_key", PATH).optional("none").example("/etc/vigil/http.key")
            .doc("The PEM private key (PKCS#8, unencrypted) of `tls_certificate`; readable by root only."),
        Setting.of("node.postgres", SECTION).optional("none; required when `cluster.postgres` is present")
            .doc("Where the local PostgreSQL lives. Present exactly when `cluster.postgres` is."),
        Setting.of("node.postgres.bindir", PATH).defaults(Path.of("/usr/lib/postgresql/15/bin"))
            .example("/usr/lib/postgresql/15/bin")
            .doc("Directory holding `pg_ctl`, `initdb`, `pg_basebackup`, `pg_rewind` and `psql`."),
        Setting.of("node.postgres.data_dir", PATH).required().example("/var/lib/postgresql/15/main")
            .doc("The data directory. vigild also keeps its own settings file `vigil.conf` and the "
                + "replication password file `vigil.pgpass` (mode 0600) here."),
        Setting.of("node.postgres.config_dir", PATH).optional("`data_dir`").example("/etc/postgresql/15/main")
            .doc("Where `postgresql.conf` and `pg_hba.conf` live (Debian keeps them under /etc). vigild adds "
                + "one `include_if_exists` line for `<data_dir>/vigil.conf` at the end of `postgresql.conf`."),
        Setting.of("node.postgres.port", INT).defaults(5432).example("5432")
            .check(Setting.intRange(1, 65535, "a TCP port"))
            .doc("PostgreSQL's TCP port, 1 to 65535; also names its Unix socket."),
        Setting.of("node.postgres.listen_address", ADDRESS).optional("this node's `address` in `cluster.nodes`")
            .example("0.0.0.0")
            .doc("Address PostgreSQL listens on for clients and standbys. An address of this host: PostgreSQL "
                + "listens on it and on 127.0.0.1. `0.0.0.0`: every IPv4 address, including virtual IPs added "
                + "later (what clients that connect through a VIP need). `::`: every IPv4 and IPv6 address. "
                + "An address this host does not have (a VIP, a typo) is refused: PostgreSQL could not bind it."),
        Setting.of("node.postgres.client_access", LIST).optional("none: only vigil's own connections, and the lines "
                + "already in pg_hba.conf below vigil's block")
            .doc("Who may connect to PostgreSQL: one pg_hba.conf rule per entry. vigild writes them into its block "
                + "at the top of pg_hba.conf, after its replication rules, at every start and role change, so they "
                + "survive pg_rewind and re-cloning. A changed list is applied by `vigilctl reload` (pg_hba.conf rewritten, "
                + "PostgreSQL reloaded, not restarted) or at vigild's next start. Give "
                + "every data node the same list: clients must be admitted wherever the primary is."),
        Setting.of("node.postgres.client_access[].type", HBA_FIELD).defaults("host").example("host")
            .check(ClientAccessRules.type())
            .doc("`host` (TCP, with or without TLS), `hostssl` (TLS only), `hostnossl` or `local` (Unix socket)."),
        Setting.of("node.postgres.client_access[].database", HBA_FIELD).required().example("maasdb")
            .doc("Database name, comma-separated names, `all`, `sameuser` or `@file`, as pg_hba.conf reads it."),
        Setting.of("node.postgres.client_access[].user", HBA_FIELD).required().example("maas")
            .doc("Role name, comma-separated names, `+group`, `all` or `@file`, as pg_hba.conf reads it."),
        Setting.of("node.postgres.client_access[].address", HBA_FIELD).optional("none; required unless `type: local`")
            .example("10.0.0.0/24").check(ClientAccessRules.address())
            .doc("The clients' network with its prefix length (`10.0.0.0/24`, `fd00::/64`, `10.0.0.5/32`), "
                + "`samenet`, `samehost`, `all` or a host name."),
        Setting.of("node.postgres.client_access[].method", HBA_FIELD).defaults("scram-sha-256").example("scram-sha-256")
            .check(ClientAccessRules.method())
            .doc("Authentication method. `trust` for network clients and `password` without TLS are accepted "
                + "with a warning; `peer` only with `type: local`. The role and its password are yours to create "
                + "(e.g. `runuser -u postgres -- psql -c \"CREATE ROLE maas LOGIN PASSWORD '...'\"` on the primary)."),
        Setting.of("node.postgres.socket_dir", PATH).defaults(Path.of("/var/run/postgresql"))
            .example("/var/run/postgresql")
            .doc("Directory of PostgreSQL's Unix socket (`unix_socket_directories`)."),
        Setting.of("node.postgres.os_user", USER).defaults("postgres").example("postgres")
            .doc("Unix user PostgreSQL runs as. vigild (root) runs every PostgreSQL command as this user "
                + "(`runuser -u USER --`; the postmaster through `setpriv`, which leaves no process in between)."),
        Setting.of("node.hooks", LIST).optional("none")
            .doc("Executables run for every event this node logs at notice or above (role and lease changes, "
                + "PostgreSQL decisions, fences, watchdog, start and stop), like Pacemaker's alerts. Each gets the "
                + "event in its environment: `VIGIL_EVENT`, `VIGIL_NODE`, `VIGIL_CLUSTER`, `VIGIL_ROLE`, `VIGIL_TERM`, "
                + "`VIGIL_REASON`, `VIGIL_SEVERITY`, `VIGIL_TIMESTAMP`, `VIGIL_SEQUENCE`, `VIGIL_RECIPIENT`, "
                + "`VIGIL_DESCRIPTION` (the log line) and `VIGIL_<KEY>` for every other field of the event. Hooks run "
                + "one at a time, in event order, on their own thread: a slow hook delays later hooks, never vigild. "
                + "Examples: `hooks/log-event` and `hooks/mail-event` in the source tree. See docs/operations.md."),
        Setting.of("node.hooks[].path", PATH).required().example("/usr/local/lib/vigil/hooks/log-event")
            .doc("The executable: a regular file, executable, owned by root or by the user running vigild, and "
                + "writable by nobody else (vigild runs it with its own rights)."),
        Setting.of("node.hooks[].timeout", DURATION).defaults(Duration.ofSeconds(10)).example("10s")
            .doc("After this the hook and every process it started are killed, and the failure is logged."),
        Setting.of("node.hooks[].recipient", TEXT).optional("empty").example("ops@example.org")
            .doc("Given to the hook as `VIGIL_RECIPIENT`: where it should send the event (a mail address, a file)."),
        Setting.of("node.service_preset", TEXT).defaults("none").example("maas-3").check(ServicePreset::problem)
            .doc("Ready-made service actions for a MAAS region controller, run before those of `node.services`, each "
                + "when this node acquires any VIP. `none`: no preset. `maas-2` (MAAS 1.x/2.x deb): `systemctl restart` of "
                + "apache2, bind9 (maas-dns) and maas-proxy (squid), which bind the addresses present when they start. "
                + "`maas-3` (MAAS 3.2+ deb, whose daemons bind the wildcard address): `rndc -c "
                + "/etc/bind/maas/rndc.conf.maas reconfig`, so that named listens on the VIP too. `maas-snap` (MAAS 3.5+ "
                + "snap): restarts the pebble service bind9 through `/var/snap/maas/common/pebble/.pebble.socket` with "
                + "curl. See docs/services.md."),
        Setting.of("node.track", LIST).optional("none: the checks pass while vigild runs")
            .doc("Checks of the services behind the VIPs that follow checks (`cluster.vips[].follows: checks`): this "
                + "node may hold those VIPs only while every check passes. Run in order every `track_interval`; each "
                + "verdict change is logged (`track_check`)."),
        Setting.of("node.track[].unit", TEXT).optional("none; one of `unit` and `command` is required")
            .example("apache2").check(ServiceRules::unit)
            .doc("A systemd unit: the check is `systemctl is-active --quiet UNIT`."),
        Setting.of("node.track[].command", TEXT).optional("none; one of `unit` and `command` is required")
            .example("/usr/bin/curl -fsS -m 1 -o /dev/null http://127.0.0.1:5240/MAAS/").check(CommandLine::problem)
            .doc("A command that exits 0 when the service works, run like a service action's command (no shell, "
                + "an absolute path only root can change)."),
        Setting.of("node.track_interval", DURATION).defaults(TrackSettings.DEFAULT_INTERVAL).example("1s")
            .doc("Time between two rounds of the tracked checks."),
        Setting.of("node.track_timeout", DURATION).defaults(TrackSettings.DEFAULT_TIMEOUT).example("1s")
            .doc("A check still running after this is killed and counts as failed; at most `track_interval`."),
        Setting.of("node.track_fall", INT).defaults(TrackSettings.DEFAULT_FALL).example("2")
            .check(Setting.intRange(1, 10, "a count of rounds"))
            .doc("Failed rounds in a row after which the checks count as failing, 1 to 10 (the first verdict "
                + "after start takes one round)."),
        Setting.of("node.track_rise", INT).defaults(TrackSettings.DEFAULT_RISE).example("2")
            .check(Setting.intRange(1, 10, "a count of rounds"))
            .doc("Passed rounds in a row after which failing checks count as passing again, 1 to 10."),
        Setting.of("node.services", LIST).optional("none")
            .doc("Service actions: commands this node runs when it acquires or releases a VIP, or when its PostgreSQL "
                + "is promoted or demoted, in list order, after the preset's. They run on a thread of their own: a slow "
                + "or failing action never delays the VIP or the node's loop. Each run is logged (`command`: argv, "
                + "exit, duration) and each action's end (`service_action`); a failure after the last retry is logged "
                + "at warning (`SERVICE_ACTION_FAILED`), so event hooks see it. See docs/services.md."),
        Setting.of("node.services[].on", TEXT).required().example("acquired").check(ServiceRules::trigger)
            .doc("When the action runs: `acquired` (this node added a VIP), `released` (it removed one), `promoted` "
                + "(its PostgreSQL became the primary) or `demoted` (it stopped being the primary)."),
        Setting.of("node.services[].vip", NAME).optional("empty: every VIP").example("maas-region")
            .doc("Only for the VIP of this name; with `acquired` and `released` only."),
        Setting.of("node.services[].unit", TEXT).optional("none; one of `unit` and `command` is required")
            .example("apache2").check(ServiceRules::unit)
            .doc("A systemd unit: the action is `systemctl restart UNIT`."),
        Setting.of("node.services[].command", TEXT).optional("none; one of `unit` and `command` is required")
            .example("/usr/sbin/rndc -c /etc/bind/maas/rndc.conf.maas reconfig").check(CommandLine::problem)
            .doc("A command, run without a shell: words split at spaces, '…' or \"…\" to keep spaces in one word, "
                + "nothing expanded (`| ; & < > $` and backquotes are refused; write `/bin/sh -c '…'` for a shell). "
                + "The first word is an absolute path to an executable that only root can change."),
        Setting.of("node.services[].timeout", DURATION).defaults(ServiceActionSettings.DEFAULT_TIMEOUT).example("30s")
            .doc("After this one attempt and every process it started are killed, and it counts as failed."),
        Setting.of("node.services[].retries", INT).defaults(ServiceActionSettings.DEFAULT_RETRIES).example("2")
            .check(Setting.intRange(0, 10, "retries"))
            .doc("How many more attempts after a failed one, 0 to 10."),
        Setting.of("node.services[].backoff", DURATION).defaults(ServiceActionSettings.DEFAULT_BACKOFF).example("1s")
            .doc("Wait before the first retry, doubled before each further one."),
        Setting.of("node.watchdog", SECTION).optional("all defaults")
            .doc("A watchdog device that resets this host when vigild stops feeding it. vigild arms it before "
                + "PostgreSQL may become writable and feeds it only while this node's lease stays valid for longer "
                + "than the effective timeout (`timeout + reset_slack`), or while PostgreSQL is verified stopped or "
                + "in recovery. A clean stop disarms it (magic close), and so does `vigilctl restart-daemon` once a "
                + "majority acknowledged the cluster record saying that it is no longer announced; a crashed or hung vigild leaves it running, "
                + "so the host is reset. Nodes announce whether their watchdog is armed: for a node that had one, "
                + "an ended lease proves that its PostgreSQL can no longer write, and the cluster may fail over "
                + "without a fence agent. `timeout + reset_slack + 150ms` must not exceed "
                + "`cluster.timing.lease x (1 - 2 x clock_drift_bound)`."),
        Setting.of("node.watchdog.mode", WATCHDOG_MODE).defaults(WatchdogMode.AUTO).example("auto")
            .doc("`off`: no watchdog. `auto`: use the device if it exists and can be armed, otherwise run without "
                + "one and warn once (the node then offers no watchdog proof). `required`: never let PostgreSQL "
                + "write without it — a missing device is a configuration error (exit 78); a device that cannot be "
                + "armed makes the node unfit (`pg reason=UNFIT`): as leader it fences PostgreSQL and resigns, and "
                + "it is no candidate until vigild is restarted with a working device."),
        Setting.of("node.watchdog.device", PATH).defaults(Path.of("/dev/watchdog")).example("/dev/watchdog")
            .doc("The watchdog device, opened write-only. Only one process may hold it: stop other users first "
                + "(the `watchdog` daemon, or systemd's `RuntimeWatchdogSec=`, which opens `/dev/watchdog0`). "
                + "A path that is not a character device (a FIFO or file) is accepted only as a test fake: it has "
                + "no timeout control and resets nothing by itself, and vigild warns about it."),
        Setting.of("node.watchdog.timeout", DURATION).defaults(Duration.ofSeconds(1)).example("1s")
            .check(v -> ((Duration) v).toNanos() % 1_000_000_000L == 0 ? null
                : WatchdogRules.fmt((Duration) v) + " is not a whole number of seconds — the Linux watchdog API and softdog "
                    + "take whole seconds: write e.g. 1s or 2s")
            .doc("Time without a kick after which the device resets the host; a whole number of seconds (the "
                + "Linux watchdog API takes whole seconds). vigild sets it on the device and reads it back."),
        Setting.of("node.watchdog.reset_slack", DURATION).defaults(Duration.ofMillis(50)).example("50ms")
            .doc("How late after `timeout` the device may actually reset the host. Peers count "
                + "`timeout + reset_slack` as the watchdog's effective timeout. Intel iTCO fires at about twice "
                + "its timeout: there, set it to the timeout.")
    );

    /**
     * Keys that are refused with their own message instead of "unknown setting": a password written into the config
     * file would be copied to every node, readable by whoever reads the file, and easily logged.
     */
    static final Map<String, String> REFUSED = Map.of(
        "cluster.nodes[].fence[].password", FenceRules.NO_LITERAL_PASSWORD,
        "cluster.nodes[].fence[].passwd", FenceRules.NO_LITERAL_PASSWORD);

    private static final Map<String, Setting> BY_PATH = new LinkedHashMap<>();

    static {
        for (Setting s : SETTINGS) {
            BY_PATH.put(s.path, s);
        }
    }

    /** The declaration for a path pattern such as {@code cluster.nodes[].port}. */
    static Optional<Setting> find(String pattern) {
        return Optional.ofNullable(BY_PATH.get(pattern));
    }

    static Setting get(String pattern) {
        return find(pattern).orElseThrow(() -> new IllegalArgumentException("undeclared setting " + pattern));
    }

    /** Settings directly inside the section with this pattern ("" for the top level). */
    static List<Setting> childrenOf(String sectionPattern) {
        return SETTINGS.stream().filter(s -> s.parent().equals(sectionPattern)).toList();
    }
}
