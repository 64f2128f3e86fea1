package vigil.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;

/**
 * The rig's stand-in for a MAAS region controller behind the region VIP: the cluster has a second VIP, {@value #VIP}
 * ({@link NetnsRig#regionVip}), and every node runs service actions on it ({@code node.services}): on
 * {@code acquired} the script {@code <runDir>/region-http start NODE_DIR VIP} (re)starts {@code python3 -m
 * http.server} bound to VIP:{@value #PORT} (MAAS's port), answering with {@code NODE_DIR/www/index.html}, which names
 * the node; on {@code released} {@code region-http stop} ends it.
 *
 * <p>Invariants: the server is daemonised (its own session, output in {@code NODE_DIR/http.log}), so the action
 * ends as soon as the server listens and never holds vigild's service thread; its PID is in {@code NODE_DIR/http.pid}
 * and only that process is ever killed, and only while its command line is still the server's (a reused PID is left
 * alone). It runs in the node's network namespace, so a node crash ({@link NetnsRig#killAll}) and the rig's cleanup
 * end it with everything else there. The script is root's and 0755 in a directory only root writes, as vigild
 * requires of a command.
 */
public final class RegionService {
    /** The VIP's name in {@code cluster.vips}. */
    static final String VIP = "region";
    static final int PORT = 5240;
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(3);

    private RegionService() {
    }

    static Path script(NetnsRig rig) {
        return rig.runDir().resolve("region-http");
    }

    /** The node's directory for the server: {@code www/index.html}, {@code http.pid}, {@code http.log}. */
    static Path home(NetnsRig rig, String node) {
        return rig.runDir().resolve(node).resolve("region");
    }

    /** The answer a client gets from {@code node}'s server. */
    public static String page(String node) {
        return "MAAS region API stand-in on " + node;
    }

    /** Writes the script and every node's page. */
    static void write(NetnsRig rig) {
        String python = python().orElseThrow(() -> new RigException(
                "python3 is missing (the demo's region service runs `python3 -m http.server`): apt-get install -y python3"));
        String setsid = Shell.which("setsid").map(Object::toString).orElseThrow(() -> new RigException(
                "setsid is missing (package util-linux): apt-get install -y util-linux"));
        String ss = Shell.which("ss").map(Object::toString).orElseThrow(() -> new RigException(
                "ss is missing (package iproute2): apt-get install -y iproute2"));
        String sleep = Shell.which("sleep").map(Object::toString).orElse("sleep");
        String s = "#!/bin/sh\n"
                + "# region-http start|stop DIR VIP: written by vigil.testkit for bin/demo (run " + rig.runId() + ").\n"
                + "# start: (re)starts an HTTP server on VIP:" + PORT + " serving DIR/www, in a session of its own, its\n"
                + "# PID in DIR/http.pid; exits 0 once it listens. stop: ends the server named by DIR/http.pid.\n"
                + "set -u\n"
                + "what=$1 dir=$2 vip=$3\n"
                + "pidfile=$dir/http.pid\n"
                + "ours() { grep -q http.server \"/proc/$1/cmdline\" 2>/dev/null; }\n"
                + "stop() {\n"
                + "  [ -f \"$pidfile\" ] || return 0\n"
                + "  pid=$(cat \"$pidfile\")\n"
                + "  if ours \"$pid\"; then\n"
                + "    kill \"$pid\"\n"
                + "    i=0; while ours \"$pid\" && [ $i -lt 30 ]; do " + sleep + " 0.1; i=$((i+1)); done\n"
                + "    ours \"$pid\" && kill -9 \"$pid\"\n"
                + "    echo \"stopped pid $pid\"\n"
                + "  fi\n"
                + "  rm -f \"$pidfile\"\n"
                + "}\n"
                + "case $what in\n"
                + "  stop) stop;;\n"
                + "  start)\n"
                + "    stop\n"
                + "    " + setsid + " " + python + " -m http.server --bind \"$vip\" --directory \"$dir/www\" " + PORT
                + " </dev/null >>\"$dir/http.log\" 2>&1 &\n"
                + "    pid=$!\n"
                + "    echo \"$pid\" > \"$pidfile\"\n"
                + "    i=0\n"
                + "    while [ $i -lt 50 ]; do\n"
                + "      if " + ss + " -Hltn src \"$vip:" + PORT + "\" | grep -q .; then echo \"serving http://$vip:" + PORT
                + "/ (pid $pid)\"; exit 0; fi\n"
                + "      kill -0 \"$pid\" 2>/dev/null || break\n"
                + "      " + sleep + " 0.1; i=$((i+1))\n"
                + "    done\n"
                + "    echo \"no server on $vip:" + PORT + ": $(tail -n 2 \"$dir/http.log\")\"; stop; exit 1;;\n"
                + "  *) echo \"usage: $0 start|stop DIR VIP\"; exit 2;;\n"
                + "esac\n";
        try {
            Files.setPosixFilePermissions(rig.runDir(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(script(rig), s);
            Files.setPosixFilePermissions(script(rig), PosixFilePermissions.fromString("rwxr-xr-x"));
            for (String node : rig.nodes()) {
                Path www = home(rig, node).resolve("www");
                Files.createDirectories(www);
                Files.writeString(www.resolve("index.html"), page(node) + "\n");
                Files.writeString(healthy(rig, node), "ok\n");
            }
        } catch (IOException e) {
            throw new RigException("cannot write the region service under " + rig.runDir() + ": " + e.getMessage(), e);
        }
    }

    /** The node's {@code node.services} entries: start on acquired, stop on released, of the region VIP only. */
    static String servicesYaml(NetnsRig rig, String node) {
        String args = " " + home(rig, node) + " " + rig.regionVip();
        return "  services:\n"
                + "    - {on: acquired, vip: " + VIP + ", command: \"" + script(rig) + " start" + args
                + "\", timeout: 10s, retries: 1, backoff: 1s}\n"
                + "    - {on: released, vip: " + VIP + ", command: \"" + script(rig) + " stop" + args
                + "\", timeout: 10s, retries: 1, backoff: 1s}\n";
    }

    /** The region VIP's entry in {@code cluster.vips}; {@code byChecks}: it follows the nodes' tracked checks. */
    static String vipYaml(NetnsRig rig, boolean byChecks) {
        return "    - {name: " + VIP + ", address: " + rig.regionVip()
                + ", prefix: 24, device: eth0, announce_count: 3, announce_interval: 200ms"
                + (byChecks ? ", follows: checks" : "") + "}\n";
    }

    /**
     * The node's tracked check ({@code node.track}): the region service "works" while {@code NODE_DIR/healthy}
     * exists ({@link #breakOn}, {@link #repairOn}); checked every 300 ms, failing after one failed round.
     */
    static String trackYaml(NetnsRig rig, String node) {
        return "  track:\n    - {command: \"/usr/bin/test -e " + healthy(rig, node) + "\"}\n"
                + "  track_interval: 300ms\n  track_timeout: 300ms\n  track_fall: 1\n  track_rise: 2\n";
    }

    private static Path healthy(NetnsRig rig, String node) {
        return home(rig, node).resolve("healthy");
    }

    /** The node's tracked check fails from now on. */
    public static void breakOn(NetnsRig rig, String node) {
        try {
            Files.deleteIfExists(healthy(rig, node));
        } catch (IOException e) {
            throw new RigException("cannot remove " + healthy(rig, node) + ": " + e.getMessage(), e);
        }
    }

    /** The node's tracked check passes again. */
    public static void repairOn(NetnsRig rig, String node) {
        try {
            Files.writeString(healthy(rig, node), "ok\n");
        } catch (IOException e) {
            throw new RigException("cannot write " + healthy(rig, node) + ": " + e.getMessage(), e);
        }
    }

    /** {@code curl -s http://REGIONVIP:5240/} from the client namespace: the page, or empty when nothing answers. */
    public static Optional<String> fetch(NetnsRig rig) {
        ExecResult r = rig.exec(rig.clientNs(), FETCH_TIMEOUT, curl(), "-s", "-m", "1", url(rig));
        return r.ok() && !r.output().isBlank() ? Optional.of(r.output().strip()) : Optional.empty();
    }

    static String url(NetnsRig rig) {
        return "http://" + rig.regionVip() + ":" + PORT + "/";
    }

    private static String curl() {
        return Shell.which("curl").map(Object::toString).orElseThrow(() -> new RigException(
                "curl is missing (the demo asks the region service with it): apt-get install -y curl"));
    }

    /** The system's python3 first (a user's pyenv shim may not be meant for root's daemons). */
    private static Optional<String> python() {
        Path system = Path.of("/usr/bin/python3");
        return Files.isExecutable(system) ? Optional.of(system.toString()) : Shell.which("python3").map(Object::toString);
    }
}
