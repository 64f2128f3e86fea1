package vigil.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import vigil.testkit.VigilCluster.Leader;

/**
 * {@code bin/demo}: three vigild nodes with PostgreSQL in network namespaces and a failover of the primary's node
 * ({@link PgDemo}); with {@code --election} (or without PostgreSQL 15 installed) the leader's vigild killed with
 * SIGKILL and the time until another node holds a lease (from the daemons' own log lines, on the shared monotonic
 * clock). Namespaces and processes are removed at the end, also on Ctrl-C (shutdown hook), and so is the run
 * directory under /tmp/vigil-rig, unless the demo failed: then its configs and logs are kept and named.
 */
public final class Demo {
    private static final Duration NEW_LEADER = Duration.ofSeconds(30);

    /** Set by the Ctrl-C hook: what fails in the main thread after it is the cleanup at work, not the demo. */
    private static volatile boolean interrupted;

    /** True once Ctrl-C started the cleanup: the demo's further output would only show the rig vanishing. */
    static boolean stopping() {
        return interrupted;
    }

    private Demo() {
    }

    public static void main(String[] args) {
        Optional<String> problem = NetnsRig.precondition();
        if (problem.isPresent()) {
            System.err.println("demo: " + problem.get());
            System.exit(1);
        }
        Thread mainThread = Thread.currentThread();
        AtomicReference<NetnsRig> current = new AtomicReference<>();
        Thread notice = new Thread(() -> {
            if (mainThread.isAlive()) {
                interrupted = true;
                System.out.println("\ninterrupted: removing the demo's namespaces, processes and files");
                NetnsRig r = current.get();
                if (r != null) {
                    r.close(); // the rig's own hook may be at it too: close is idempotent and synchronized
                    try {
                        // the main thread's closing steps write into the run dir (PgNodes keeps the server logs):
                        // let them end, bounded, before the dir goes; the JVM halts once this hook returns
                        mainThread.join(5000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    removeRunDir(r);
                    System.out.println("cleaned up: namespaces, processes and " + r.runDir() + " removed");
                }
            }
        });
        Runtime.getRuntime().addShutdownHook(notice);
        boolean electionOnly = java.util.Arrays.asList(args).contains("--election");
        Optional<String> noPostgres = PgNodes.precondition();
        if (!electionOnly && noPostgres.isPresent()) {
            System.out.println("demo: " + noPostgres.get() + " — showing the election alone");
            electionOnly = true;
        }
        int rc;
        NetnsRig made = null;
        try (NetnsRig rig = NetnsRig.create(3)) {
            made = rig;
            current.set(rig);
            if (electionOnly) {
                try (VigilCluster cluster = VigilCluster.threeNodes(rig)) {
                    rc = run(rig, cluster);
                }
            } else {
                rc = PgDemo.run(rig);
            }
        } catch (RigException e) {
            if (interrupted) {
                return; // the rig vanished under the demo on Ctrl-C: nothing failed; the hook cleans up
            }
            System.err.println("\ndemo failed: " + e.getMessage());
            rc = 1;
        } catch (Exception e) {
            if (interrupted) {
                return;
            }
            System.err.println("\ndemo failed: " + e);
            rc = 1;
        }
        if (made != null && rc == 0) {
            removeRunDir(made);
            System.out.println("cleaned up: namespaces, processes and " + made.runDir() + " removed");
        } else if (made != null) {
            System.out.println("cleaned up: namespaces and processes removed; configs and logs kept in "
                    + made.runDir());
        } else {
            System.out.println("cleaned up: namespaces and processes removed");
        }
        Runtime.getRuntime().removeShutdownHook(notice);
        System.exit(rc);
    }

    private static int run(NetnsRig rig, VigilCluster cluster) {
        say("started vigild on n1, n2, n3 in namespaces vg" + rig.runId() + "n1..n3 (10.232." + rig.subnet()
                + ".0/24, bridge in vg" + rig.runId() + "sw); heartbeat " + cluster.timing().heartbeat().toMillis()
                + " ms, lease " + cluster.timing().lease().toMillis() + " ms");
        say("waiting for the cluster to elect a leader ...");
        Leader before = cluster.awaitStable(Duration.ofSeconds(120));
        say("\n$ vigilctl status   # on " + before.node());
        System.out.println(cluster.statusTable(before.node()).stripTrailing());

        long pid = cluster.process(before.node()).map(NodeProcess::pid).orElse(-1L);
        say("\nkill -9 vigild on " + before.node() + " (pid " + pid + ")");
        double faultAt = cluster.kill9Vigild(before.node());
        LogEvent lease = null;
        long deadline = System.nanoTime() + NEW_LEADER.toNanos();
        while (lease == null) {
            lease = cluster.allEvents().stream()
                    .filter(e -> e.is("lease_acquired") && !e.node().equals(before.node()) && e.monoMs() >= faultAt)
                    .findFirst().orElse(null);
            if (lease == null) {
                if (System.nanoTime() > deadline) {
                    throw new RigException("no new leader within " + NEW_LEADER + "\n" + cluster.dumpLogs(30));
                }
                String roles = cluster.nodes().stream().filter(n -> !n.equals(before.node()))
                        .map(n -> n + ": " + cluster.tryStatus(n).map(NodeStatus::role).orElse("?"))
                        .collect(Collectors.joining(", "));
                System.out.printf(Locale.ROOT, "\r  waiting for a new leader ... %4.1f s  (%s)      ",
                        (VigilCluster.monoNowMs() - faultAt) / 1000.0, roles);
                System.out.flush();
                sleep(100);
            }
        }
        double seconds = (lease.mono("lease_start_mono_ms") - faultAt) / 1000.0;
        System.out.println();
        Leader after = cluster.awaitNewLeader(before.node(), NEW_LEADER);
        say("\n$ vigilctl status   # on " + after.node());
        System.out.println(cluster.statusTable(after.node()).stripTrailing());
        say(String.format(Locale.ROOT, "%nnew leader %s after %.2f s (term %d -> %d; lease from its "
                + "lease_acquired line vs the kill instant, CLOCK_MONOTONIC)", lease.node(), seconds, before.term(),
                lease.term()));
        return 0;
    }

    /** The run's configs, logs and PostgreSQL data dirs: nothing runs from them once the rig is closed. */
    private static void removeRunDir(NetnsRig rig) {
        try (Stream<Path> files = Files.walk(rig.runDir())) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.out.println("could not remove " + rig.runDir() + ": " + e.getMessage());
        }
    }

    private static void say(String s) {
        System.out.println(s);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RigException("interrupted", e);
        }
    }
}
