package vigil.testkit;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The writer client, a JVM of its own in the client namespace (started by {@link WriterRun}):
 * {@code Writer --hosts A,B,C --port P --out DIR [--write-host H] [--interval-ms 20] [--watch-ms 100]
 * [--deadline-ms 250] [--connect-ms 50]}.
 *
 * <p>One numbered row every interval through a pgjdbc URL with {@code targetServerType=primary}; each attempt,
 * connecting included, has a deadline of {@code --deadline-ms} (its sockets are closed by a timer then:
 * {@link DeadlineSockets}; pgjdbc's own timeouts count whole seconds, which would round every outage up to the next
 * second), a TCP connect unanswered after {@code --connect-ms} is given up (its SYN went where the address no longer is:
 * {@link DeadlineSockets}), and a fresh connection follows any error: the multi-host URL over {@code --hosts}, or, with {@code --write-host},
 * that one address only (the database VIP: what a client of the cluster uses). The watchers always ask the
 * {@code --hosts} separately, so a split brain stays visible when the writes go through one address. Every attempt becomes one line of
 * {@code DIR/writes.csv}: {@code start_mono_ms,end_mono_ms,ok,seq,host,error}; a seq is acknowledged when its
 * line says ok=1 (the INSERT's autocommit returned). A watcher thread per host asks
 * {@code pg_is_in_recovery()} every watch interval over its own connection and writes
 * {@code DIR/watch.csv}: {@code mono_ms,host,answer} with answer P (primary), S (standby) or U (no answer):
 * two P at once is a split brain as a client sees it. Times are CLOCK_MONOTONIC ms, the daemons' clock.
 * Runs until SIGTERM.
 */
public final class Writer {
    static final String TABLE = PgNodes.TABLE;
    private static volatile boolean stopping;

    private Writer() {
    }

    public static void main(String[] args) throws Exception {
        List<String> hosts = List.of();
        String writeHost = null;
        int port = 5432;
        Path out = null;
        long intervalMs = 20;
        long watchMs = 100;
        long deadlineMs = DEFAULT_DEADLINE_MS;
        int connectMs = DEFAULT_CONNECT_MS;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--hosts" -> hosts = List.of(args[i + 1].split(","));
                case "--write-host" -> writeHost = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                case "--interval-ms" -> intervalMs = Long.parseLong(args[i + 1]);
                case "--watch-ms" -> watchMs = Long.parseLong(args[i + 1]);
                case "--deadline-ms" -> deadlineMs = Long.parseLong(args[i + 1]);
                case "--connect-ms" -> connectMs = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (hosts.isEmpty() || out == null) {
            System.err.println("usage: Writer --hosts A,B,C --port P --out DIR [--write-host H] [--interval-ms 20]"
                    + " [--watch-ms 100] [--deadline-ms 250] [--connect-ms 50]");
            System.exit(2);
        }
        Files.createDirectories(out);
        DeadlineSockets.connectMs = connectMs;
        List<Thread> threads = new ArrayList<>();
        Csv watch = new Csv(out.resolve("watch.csv"), "mono_ms,host,answer");
        for (String h : hosts) {
            long every = watchMs;
            String url = "jdbc:postgresql://" + h + ":" + port + "/postgres";
            Thread t = new Thread(() -> watch(url, h, every, watch), "watch-" + h);
            threads.add(t);
        }
        List<String> writeHosts = writeHost == null ? hosts : List.of(writeHost);
        StringBuilder multi = new StringBuilder("jdbc:postgresql://");
        for (int i = 0; i < writeHosts.size(); i++) {
            multi.append(i == 0 ? "" : ",").append(writeHosts.get(i)).append(':').append(port);
        }
        multi.append("/postgres?targetServerType=primary&hostRecheckSeconds=0");
        Csv writes = new Csv(out.resolve("writes.csv"), "start_mono_ms,end_mono_ms,ok,seq,host,error");
        AtomicLong acked = new AtomicLong();
        long every = intervalMs;
        long deadline = deadlineMs;
        Thread writer = new Thread(() -> write(multi.toString(), every, deadline, writes, acked), "writer");
        threads.add(writer);
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping = true;
            for (Thread t : threads) {
                try {
                    t.join(3000);
                } catch (InterruptedException ignored) {
                    return;
                }
            }
            writes.close();
            watch.close();
            System.out.println("writer: stopped, acknowledged " + acked.get() + " rows");
        }));
        threads.forEach(Thread::start);
        System.out.println("writer: started, " + multi);
        writer.join();
    }

    /** An attempt (connect, login, INSERT, commit) that has not ended after this is aborted and counts as failed. */
    static final long DEFAULT_DEADLINE_MS = 250;
    /**
     * A TCP connect unanswered after this is given up and the attempt fails (then the next one, at the next interval):
     * a SYN-ACK on the rig's LAN comes within a millisecond, also on a busy host (see {@link DeadlineSockets}).
     */
    static final int DEFAULT_CONNECT_MS = 50;

    static Properties props() {
        Properties p = new Properties();
        p.setProperty("user", PgNodes.WRITER_ROLE);
        p.setProperty("connectTimeout", "1");
        p.setProperty("socketTimeout", "1");
        p.setProperty("loginTimeout", "3");
        p.setProperty("ApplicationName", "vigil-writer");
        p.setProperty("tcpKeepAlive", "true");
        return p;
    }

    private static void write(String url, long intervalMs, long deadlineMs, Csv csv, AtomicLong acked) {
        Properties props = props();
        props.setProperty("socketFactory", DeadlineSockets.class.getName());
        var timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "writer-deadline");
            t.setDaemon(true);
            return t;
        });
        Connection c = null;
        String host = "";
        long seq = 0;
        long next = System.nanoTime();
        while (!stopping) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                sleepNanos(wait);
            }
            next = Math.max(next + intervalMs * 1_000_000L, System.nanoTime());
            seq++;
            double start = monoMs();
            String error = "";
            boolean ok = false;
            var abort = timer.schedule(DeadlineSockets::abort, deadlineMs, java.util.concurrent.TimeUnit.MILLISECONDS);
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url, props);
                    c.setAutoCommit(true);
                }
                try (PreparedStatement st = c.prepareStatement(
                        "INSERT INTO " + TABLE + " (seq) VALUES (?) RETURNING host(inet_server_addr())")) {
                    st.setLong(1, seq);
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        host = rs.getString(1);
                    }
                }
                ok = true;
                acked.incrementAndGet();
            } catch (SQLException | RuntimeException e) {
                error = (abort.isDone() ? "deadline of " + deadlineMs + " ms: " : "") + oneLine(e);
                closeQuietly(c);
                c = null;
            }
            double end = monoMs();
            if (!abort.cancel(false) && ok) {
                // The timer fired just as the attempt ended: the connection may be cut, start afresh.
                closeQuietly(c);
                c = null;
            }
            DeadlineSockets.forgetClosed();
            csv.line(String.format(Locale.ROOT, "%.3f,%.3f,%d,%d,%s,%s", start, end, ok ? 1 : 0, seq,
                    ok ? host : "", error));
        }
        closeQuietly(c);
        timer.shutdownNow();
    }

    private static void watch(String url, String host, long everyMs, Csv csv) {
        Connection c = null;
        long next = System.nanoTime();
        while (!stopping) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                sleepNanos(wait);
            }
            next = Math.max(next + everyMs * 1_000_000L, System.nanoTime());
            String answer;
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url, props());
                }
                try (var st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                    rs.next();
                    answer = rs.getBoolean(1) ? "S" : "P";
                }
            } catch (SQLException | RuntimeException e) {
                answer = "U";
                closeQuietly(c);
                c = null;
            }
            csv.line(String.format(Locale.ROOT, "%.3f,%s,%s", monoMs(), host, answer));
        }
        closeQuietly(c);
    }

    static double monoMs() {
        return System.nanoTime() / 1e6;
    }

    private static String oneLine(Exception e) {
        String m = e.getClass().getSimpleName() + ": " + e.getMessage();
        return m.replaceAll("[\\r\\n,]+", " ").strip();
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection is dead already
            }
        }
    }

    private static void sleepNanos(long n) {
        try {
            Thread.sleep(n / 1_000_000L, (int) (n % 1_000_000L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /** A CSV file written line by line and flushed at once, so a reader sees every finished attempt. */
    static final class Csv {
        private final BufferedWriter w;

        Csv(Path file, String header) throws IOException {
            w = Files.newBufferedWriter(file);
            line(header);
        }

        synchronized void line(String s) {
            try {
                w.write(s);
                w.newLine();
                w.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        synchronized void close() {
            try {
                w.close();
            } catch (IOException ignored) {
                // nothing more to write
            }
        }
    }
}
