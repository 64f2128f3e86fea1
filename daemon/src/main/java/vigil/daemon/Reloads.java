package vigil.daemon;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import vigil.config.ClientAccess;
import vigil.config.ConfigChanges;
import vigil.config.ConfigLoader;
import vigil.config.LoadResult;
import vigil.config.Problem;
import vigil.config.VigilConfig;
import vigil.daemon.hook.Hooks;
import vigil.daemon.http.HttpEndpoint;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.pg.CommandResult;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.ErrorCode;

/**
 * {@code vigilctl reload}: the configuration file read again and checked as at start; the parts a running daemon can
 * take anew are swapped ({@link ConfigChanges#APPLIED_LIVE}: the event hooks, the HTTP endpoint, PostgreSQL's client
 * rules), and every other change is reported as needing a restart, by section, without touching anything. A file
 * with errors changes nothing (its problems are the answer, file:line:column). Owns what it swaps: {@link #close}
 * closes the current ones. Client rules are written by the PostgreSQL driver on its action thread, never beside an
 * action (a clone or a rewind rewrites the same file): the answer waits up to {@link #CLIENT_RULES_WAIT} for the
 * action that runs; past that the answer says they are pending (they are written when the action ends; the outcome
 * is logged as {@code event=pg_client_rules}), and the next reload applies them again.
 */
final class Reloads implements AutoCloseable {
    /** With the old hooks' grace, within the 15 s vigilctl reload waits for an answer. */
    static final Duration CLIENT_RULES_WAIT = Duration.ofSeconds(3);
    private final Log log;
    private final Duration hookGrace;
    /** Opens an endpoint for the given config (null when it cannot start: the daemon runs on without one). */
    private final Function<VigilConfig, HttpEndpoint> openHttp;
    private VigilConfig running;
    private byte[] runningKey;
    private Hooks hooks;
    private HttpEndpoint http;
    /** Writes pg_hba lines into vigil's block and reloads PostgreSQL; null on a node without PostgreSQL. */
    private final Function<List<String>, Future<CommandResult>> clientRules;

    Reloads(VigilConfig running, Hooks hooks, HttpEndpoint http, Function<VigilConfig, HttpEndpoint> openHttp, Log log,
            Duration hookGrace) {
        this(running, hooks, http, openHttp, null, log, hookGrace);
    }

    Reloads(VigilConfig running, Hooks hooks, HttpEndpoint http, Function<VigilConfig, HttpEndpoint> openHttp,
            Function<List<String>, Future<CommandResult>> clientRules, Log log, Duration hookGrace) {
        this.clientRules = clientRules;
        this.running = running;
        this.hooks = hooks;
        this.http = http;
        this.openHttp = openHttp;
        this.log = log;
        this.hookGrace = hookGrace;
    }

    synchronized AdminReply reload(String operator) {
        LoadResult loaded = ConfigLoader.load(running.source(), running.node().name());
        List<String> errors = loaded.problems().stream().filter(p -> p.severity() == Problem.Severity.ERROR)
                .map(Problem::toString).toList();
        if (!loaded.ok()) {
            log.event(Priority.WARNING, "reload", "operator", operator, "reason", "RELOAD_REFUSED", "cause",
                    errors.size() + " error(s) in " + running.source() + "; nothing changed");
            return AdminReply.failure(ErrorCode.REFUSED, running.source() + " has errors; nothing changed:\n  "
                    + String.join("\n  ", errors));
        }
        VigilConfig file = loaded.config().orElseThrow();
        ConfigChanges changes = ConfigChanges.between(running, file);
        if (changes.applicable().contains("node.hooks")) {
            Hooks before = hooks;
            hooks = new Hooks(file.node().hooks(), file.node().name(), file.cluster().name(), log).start();
            before.close(hookGrace);
            running = new VigilConfig(running.source(), running.cluster(), running.node().withHooks(file.node().hooks()));
        }
        if (changes.applicable().contains("node.http")) {
            if (http != null) http.close();
            running = new VigilConfig(running.source(), running.cluster(), running.node().withHttp(file.node().http()));
            http = running.node().http().enabled() ? openHttp.apply(running) : null;
        }
        List<String> applied = new ArrayList<>(changes.applicable());
        Map<String, String> failed = new LinkedHashMap<>();
        String pending = null;
        if (changes.applicable().contains(CLIENT_ACCESS)) {
            List<ClientAccess> rules = file.node().postgres().orElseThrow().clientAccess();
            String outcome = applyClientRules(rules.stream().map(ClientAccess::hbaLine).toList());
            if (outcome == null) {
                running = new VigilConfig(running.source(), running.cluster(), running.node().withPostgres(
                        running.node().postgres().map(p -> p.withClientAccess(rules))));
            } else if (outcome.startsWith(PENDING)) {
                pending = outcome; // not yet the running config: the next reload applies them again (no harm if done)
            } else {
                applied.remove(CLIENT_ACCESS);
                failed.put(CLIENT_ACCESS, outcome);
            }
        }
        List<String> restart = new ArrayList<>(changes.restart());
        if (changes.cluster()) restart.add(0, "cluster");
        List<String> parts = new ArrayList<>();
        if (!applied.isEmpty()) parts.add("applied: " + String.join(", ", applied) + (pending == null ? "" : " (" + pending + ")"));
        failed.forEach((section, cause) -> parts.add("not applied: " + section + ": " + cause));
        if (!restart.isEmpty()) parts.add("need a restart (systemctl restart vigild" + (changes.cluster()
                ? ", on every node: the cluster section must be the same everywhere" : "") + "): " + String.join(", ", restart));
        String detail = changes.none() ? "nothing changed in " + running.source() : String.join("; ", parts);
        log.event(failed.isEmpty() ? Priority.NOTICE : Priority.WARNING, "reload", "operator", operator, "reason",
                "OPERATOR_RELOAD", "applied", applied, "failed", failed.keySet(), "restart_needed", restart, "config",
                running.source(), "detail", detail);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("applied", applied);
        result.put("failed", failed);
        result.put("restart_needed", restart);
        result.put("detail", detail);
        return AdminReply.success(result);
    }

    private static final String CLIENT_ACCESS = "node.postgres.client_access";
    private static final String PENDING = "pending";

    /**
     * The client rules written and PostgreSQL reloaded: null when done, a text starting with {@link #PENDING} when the
     * driver's action thread is still busy (they are in force for every later write), else why they were not applied.
     */
    private String applyClientRules(List<String> hbaLines) {
        if (clientRules == null) return "this node runs no PostgreSQL";
        try {
            CommandResult r = clientRules.apply(hbaLines).get(CLIENT_RULES_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return r.ok() ? null : r.outputTail().strip() + " (" + r.failure() + ")";
        } catch (TimeoutException e) {
            return PENDING + ": a PostgreSQL action still runs; pg_hba.conf is rewritten and reloaded when it ends";
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return PENDING + ": interrupted while waiting for the PostgreSQL driver";
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return "the PostgreSQL driver is closing";
        }
    }

    /**
     * Why a vigild started now from the configuration file would not rejoin this cluster, or null: the file has errors
     * (it would not start: systemd gives up after a few tries, and nothing supervises PostgreSQL meanwhile), or its
     * cluster section differs from the running one (peers refuse the messages of a node whose cluster section differs
     * from theirs), or its node name or state directory changed (the new process would start without this node's
     * election state), or its key is not the one this daemon runs with. For {@code vigilctl restart-daemon}, before the
     * daemon ends.
     */
    /** The cluster key this daemon runs with (null: insecure by configuration), for {@link #startProblems}. */
    synchronized void runningKey(byte[] key) {
        runningKey = key == null ? null : key.clone();
    }

    synchronized String startProblems() {
        LoadResult loaded = ConfigLoader.load(running.source(), running.node().name());
        if (!loaded.ok()) {
            return running.source() + " has errors, a vigild started from it would not run: " + String.join("; ",
                    loaded.problems().stream().filter(p -> p.severity() == Problem.Severity.ERROR).map(Problem::toString).toList());
        }
        ConfigChanges changes = ConfigChanges.between(running, loaded.config().orElseThrow());
        if (changes.cluster()) {
            return "the cluster section of " + running.source() + " changed: the other nodes would refuse this node's"
                    + " messages until they run the same section; restart every node with it (systemctl restart vigild)";
        }
        var keyFile = running.cluster().security().keyFile();
        if (runningKey != null && keyFile.isPresent()) {
            try {
                if (!java.util.Arrays.equals(runningKey, vigil.daemon.peer.PeerChannel.readKeyFile(keyFile.get()))) {
                    return "the key in " + keyFile.get() + " is not the one this vigild runs with: the other nodes would"
                            + " refuse a new process's messages until they all use it; restart every node with it"
                            + " (systemctl restart vigild)";
                }
            } catch (vigil.daemon.peer.PeerChannelException e) {
                return "the key file " + keyFile.get() + " cannot be used: " + e.getMessage();
            }
        }
        for (String section : List.of("node.name", "node.state_dir")) {
            if (changes.restart().contains(section)) {
                return section + " changed in " + running.source() + ": a vigild started from it would not find this"
                        + " node's election state or term; stop and start it (systemctl restart vigild)";
            }
        }
        return null;
    }

    @Override
    public synchronized void close() {
        hooks.close(hookGrace);
        if (http != null) http.close();
    }
}
