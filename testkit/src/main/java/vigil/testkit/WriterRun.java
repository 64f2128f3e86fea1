package vigil.testkit;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A running {@link Writer} in the rig's client namespace, writing to every node's PostgreSQL through
 * one multi-host URL, or through one address (the database VIP) while its watchers still ask every node. {@link #stop()} ends it with SIGTERM (it flushes and exits) and returns its log.
 */
public final class WriterRun implements AutoCloseable {
    private final VigilCluster cluster;
    private final Path dir;
    private final NodeProcess process;

    private WriterRun(VigilCluster cluster, Path dir, NodeProcess process) {
        this.cluster = cluster;
        this.dir = dir;
        this.process = process;
    }

    /** Starts the writer, logging into {@code dir}, and waits for its first acknowledged write. */
    public static WriterRun start(VigilCluster cluster, Path dir) {
        return start(cluster, dir, null);
    }

    /**
     * As {@link #start(VigilCluster, Path)}, the writes going to {@code writeHost} only (e.g. {@link NetnsRig#dbVip});
     * null: the multi-host URL over the node addresses. The watchers ask every node's own address either way.
     */
    public static WriterRun start(VigilCluster cluster, Path dir, String writeHost) {
        NetnsRig rig = cluster.rig();
        List<String> hosts = cluster.nodes().stream().map(rig::address).toList();
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms16m", "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true",
                "-cp", classpath(), Writer.class.getName(),
                "--hosts", String.join(",", hosts), "--port", Integer.toString(PgOptions.PORT), "--out", dir.toString()));
        if (writeHost != null) {
            argv.addAll(List.of("--write-host", writeHost));
        }
        NodeProcess p = rig.start(rig.clientNs(), argv, Map.of(), dir.resolve("writer.log"));
        WriterRun w = new WriterRun(cluster, dir, p);
        w.awaitAcksAfter(VigilCluster.monoNowMs() - 60_000, Duration.ofSeconds(40));
        return w;
    }

    /** This class's own code and pgjdbc's: works from target/classes, a jar, or the bench's lib dir. */
    static String classpath() {
        return location(Writer.class) + File.pathSeparator + location(org.postgresql.Driver.class);
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException | NullPointerException e) {
            throw new RigException("cannot locate the code of " + c.getName() + " for the writer's classpath", e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** The log so far (the files are flushed line by line). */
    public WriteLog log() {
        return WriteLog.read(dir);
    }

    /** Waits until {@code count} writes are acknowledged after {@code monoMs}; returns the log then. */
    public WriteLog awaitAcksAfter(double monoMs, Duration limit) {
        return awaitAcksAfter(monoMs, 1, limit);
    }

    public WriteLog awaitAcksAfter(double monoMs, int count, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            WriteLog l = log();
            if (l.acksAfter(monoMs) >= count) {
                return l;
            }
            if (!process.isAlive()) {
                throw new RigException("the writer exited (code " + process.waitForExit(Duration.ZERO) + "); see "
                        + dir.resolve("writer.log"));
            }
            if (System.nanoTime() > deadline) {
                List<WriteLog.Attempt> a = l.attempts();
                throw new RigException("the writer got no acknowledged write after mono " + monoMs + " within "
                        + limit + "; last attempts: " + a.subList(Math.max(0, a.size() - 3), a.size()) + "\n"
                        + cluster.dumpLogs(40));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RigException("interrupted", e);
            }
        }
    }

    /** SIGTERM, up to 10 s to flush and exit, then SIGKILL; returns the complete log. */
    public WriteLog stop() {
        if (process.isAlive()) {
            process.process().destroy();
            if (process.waitForExit(Duration.ofSeconds(10)) < 0 && process.isAlive()) {
                cluster.rig().kill9(process.pid());
            }
        }
        return log();
    }

    @Override
    public void close() {
        stop();
    }
}
