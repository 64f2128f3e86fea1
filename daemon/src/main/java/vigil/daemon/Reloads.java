package vigil.daemon;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import vigil.config.ConfigChanges;
import vigil.config.ConfigLoader;
import vigil.config.LoadResult;
import vigil.config.Problem;
import vigil.config.VigilConfig;
import vigil.daemon.hook.Hooks;
import vigil.daemon.http.HttpEndpoint;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.ErrorCode;

/**
 * {@code vigilctl reload}: the configuration file read again and checked as at start; the parts a running daemon can
 * take anew are swapped ({@link ConfigChanges#APPLIED_LIVE}: the event hooks, the HTTP endpoint), and every other
 * change is reported as needing a restart, by section, without touching anything. A file with errors changes nothing
 * (its problems are the answer, file:line:column). Owns what it swaps: {@link #close} closes the current ones.
 */
final class Reloads implements AutoCloseable {
    private final Log log;
    private final Duration hookGrace;
    /** Opens an endpoint for the given config (null when it cannot start: the daemon runs on without one). */
    private final Function<VigilConfig, HttpEndpoint> openHttp;
    private VigilConfig running;
    private byte[] runningKey;
    private Hooks hooks;
    private HttpEndpoint http;

    Reloads(VigilConfig running, Hooks hooks, HttpEndpoint http, Function<VigilConfig, HttpEndpoint> openHttp, Log log,
            Duration hookGrace) {
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
        List<String> restart = new java.util.ArrayList<>(changes.restart());
        if (changes.cluster()) restart.add(0, "cluster");
        String detail = changes.none() ? "nothing changed in " + running.source()
                : (changes.applicable().isEmpty() ? "" : "applied: " + String.join(", ", changes.applicable()))
                + (changes.applicable().isEmpty() || restart.isEmpty() ? "" : "; ")
                + (restart.isEmpty() ? "" : "need a restart (systemctl restart vigild" + (changes.cluster()
                ? ", on every node: the cluster section must be the same everywhere" : "") + "): " + String.join(", ", restart));
        log.event(Priority.NOTICE, "reload", "operator", operator, "reason", "OPERATOR_RELOAD", "applied",
                changes.applicable(), "restart_needed", restart, "config", running.source());
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("applied", changes.applicable());
        result.put("restart_needed", restart);
        result.put("detail", detail);
        return AdminReply.success(result);
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
