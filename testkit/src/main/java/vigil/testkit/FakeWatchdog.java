package vigil.testkit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A fake {@code /dev/watchdog} for tests: a FIFO that vigild opens as its watchdog device, read by threads of the
 * test JVM that behave like the kernel's watchdog core, never more kindly:
 * <ul>
 * <li>a writer's open arms it and counts as a kick; every byte written is a kick;
 * <li>{@code 'V'} as the last byte before the writer's close is the magic close: disarmed;
 * <li>a close without it leaves it armed and counting (the kernel's "unexpected close, not stopping watchdog");
 * <li>armed and no kick for {@code timeout}: the reset. The caller's action runs (the rig kills every process of
 *     the node's namespace and takes its link down), the instant is recorded on CLOCK_MONOTONIC (the daemons'
 *     {@code mono_ms}), and the rest of that writer's session counts for nothing: only a new open re-arms it.
 * </ul>
 * The reset fires within about a millisecond of the deadline (a thread waits for it; nothing polls). There is no
 * reset slack: a fake that fired late would hide a daemon that relies on one.
 *
 * <p>A FIFO opened for writing with O_NONBLOCK (as the driver does) fails with ENXIO while no reader has it open.
 * The reader therefore keeps its previous read end open while it waits in a blocking open for the next writer, so
 * the FIFO is never without a reader once {@link #create} has returned: {@code create} waits until the reader
 * thread sleeps inside its first open (its {@code /proc} wchan says {@code wait_for_partner}), so a writer that
 * opens with O_NONBLOCK right after {@code create} finds the reader there.
 *
 * <p>Sessions are told apart by the reader's end of file. A writer that opens before the reader has seen the
 * previous writer's close joins that session: after a magic close the fake then stays armed from the previous kick
 * (stricter than the kernel, which would count from the new open); after a reset it ignores the new writer until
 * that one closes. The rig's reset kills the writer at once and a new vigild starts seconds later, so neither
 * happens there; a test can wait for {@link #writerOpen()} to turn false.
 */
public final class FakeWatchdog implements AutoCloseable {
    /** One reset: when it fired and when the kick it followed came, both in CLOCK_MONOTONIC ms. */
    public record Reset(double monoMs, double lastKickMonoMs) {}

    private final Path fifo;
    private final long timeoutNs;
    private final Runnable resetAction;
    private final Object lock = new Object();
    private final Thread reader;
    private final Thread timer;
    private final CountDownLatch readerStarted = new CountDownLatch(1);
    private volatile boolean closed;
    /** The reader thread's {@code /proc/<pid>/task/<tid>}, set before it counts down {@link #readerStarted}. */
    private volatile Path readerTask;
    // guarded by lock
    private boolean armed;
    private boolean magicPending;
    private long lastKickNs;
    private boolean everKicked;
    private long session;
    private boolean writerOpen;
    private long deadSession = -1;
    private final List<Reset> resets = new ArrayList<>();
    private RuntimeException failure;

    private FakeWatchdog(Path fifo, Duration timeout, Runnable resetAction) {
        this.fifo = fifo;
        this.timeoutNs = timeout.toNanos();
        this.resetAction = resetAction;
        this.reader = new Thread(this::readSessions, "fake-watchdog-reader " + fifo);
        this.timer = new Thread(this::fireResets, "fake-watchdog-timer " + fifo);
        reader.setDaemon(true);
        timer.setDaemon(true);
    }

    /**
     * Makes the FIFO at {@code fifo} (replacing whatever is there, mode 0600) and starts watching it.
     *
     * @param timeout     how long an armed fake waits for a kick before it resets
     * @param resetAction what a reset does; it runs on the fake's timer thread
     */
    public static FakeWatchdog create(Path fifo, Duration timeout, Runnable resetAction) {
        try {
            Files.createDirectories(fifo.toAbsolutePath().getParent());
            Files.deleteIfExists(fifo);
        } catch (IOException e) {
            throw new RigException("cannot make the fake watchdog " + fifo + ": " + e.getMessage(), e);
        }
        Shell.run(NetnsRig.EXEC_TIMEOUT, "mkfifo", "-m", "0600", fifo.toString()).orThrow("mkfifo " + fifo);
        FakeWatchdog w = new FakeWatchdog(fifo, timeout, resetAction);
        w.reader.start();
        w.timer.start();
        try {
            if (!w.readerStarted.await(10, TimeUnit.SECONDS) || !w.readerWaitsInOpen(Duration.ofSeconds(10))) {
                w.close();
                throw new RigException("the fake watchdog's reader of " + fifo + " did not start within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            w.close();
            throw new RigException("interrupted while starting the fake watchdog " + fifo, e);
        }
        return w;
    }

    public Path path() {
        return fifo;
    }

    /**
     * True once the reader thread sleeps in the kernel's FIFO open, waiting for a writer; also true when /proc does
     * not show it (no task path), after a short grace time.
     */
    private boolean readerWaitsInOpen(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        Path task = readerTask;
        if (task == null) {
            Thread.sleep(100);
            return true;
        }
        while (System.nanoTime() < deadline) {
            try {
                if (Files.readString(task.resolve("wchan")).strip().equals("wait_for_partner")) {
                    return true;
                }
            } catch (IOException e) {
                Thread.sleep(100);
                return true;
            }
            Thread.sleep(1);
        }
        return false;
    }

    /** Resets so far, oldest first. */
    public List<Reset> resets() {
        synchronized (lock) {
            return List.copyOf(resets);
        }
    }

    /** True while a writer's open (or an unexpected close) has it counting and no reset or magic close ended it. */
    public boolean armed() {
        synchronized (lock) {
            return armed;
        }
    }

    /** The last kick (open or byte) of a session that was not reset, in CLOCK_MONOTONIC ms; empty before any. */
    public OptionalDouble lastKickMonoMs() {
        synchronized (lock) {
            return everKicked ? OptionalDouble.of(lastKickNs / 1e6) : OptionalDouble.empty();
        }
    }

    /** True from a writer's open until the reader sees it close (a writer holds the device). */
    public boolean writerOpen() {
        synchronized (lock) {
            return writerOpen;
        }
    }

    /** Waits until it is armed; throws {@link RigException} after {@code limit}. */
    public void awaitArmed(Duration limit) {
        await(limit, () -> armed, "armed");
    }

    /** Waits until {@code count} resets have happened; returns them all. */
    public List<Reset> awaitResets(int count, Duration limit) {
        await(limit, () -> resets.size() >= count, count + " reset(s)");
        return resets();
    }

    private void await(Duration limit, java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (lock) {
            while (!condition.getAsBoolean()) {
                if (failure != null) {
                    throw failure;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    throw new RigException("fake watchdog " + fifo + " not " + what + " within " + limit + " (armed="
                            + armed + ", resets=" + resets + ", last kick mono ms=" + lastKickMonoMs() + ")");
                }
                try {
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RigException("interrupted while waiting for the fake watchdog " + fifo, e);
                }
            }
        }
    }

    /** One writer session after another; the previous read end stays open while the next open waits. */
    private void readSessions() {
        FileChannel previous = null;
        ByteBuffer buf = ByteBuffer.allocate(256);
        try { // "<pid>/task/<tid>": where the kernel shows what this thread waits for
            readerTask = Path.of("/proc").resolve(Files.readSymbolicLink(Path.of("/proc/thread-self")));
        } catch (IOException | UnsupportedOperationException e) {
            readerTask = null;
        }
        readerStarted.countDown();
        try {
            while (!closed) {
                FileChannel ch = FileChannel.open(fifo, StandardOpenOption.READ); // returns when a writer opens
                if (previous != null) {
                    previous.close();
                }
                previous = ch;
                if (closed) {
                    break;
                }
                long mySession = opened();
                buf.clear();
                for (int n; (n = ch.read(buf)) > 0; buf.clear()) {
                    kicked(mySession, buf.get(n - 1) == 'V');
                }
                writerClosed(mySession);
            }
        } catch (ClosedByInterruptException e) {
            // close() interrupted a read
        } catch (IOException e) {
            if (!closed) {
                fail(new RigException("fake watchdog " + fifo + " stopped reading: " + e.getMessage(), e));
            }
        } finally {
            try {
                if (previous != null) {
                    previous.close();
                }
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private long opened() {
        synchronized (lock) {
            session++;
            writerOpen = true;
            armed = true;
            magicPending = false;
            lastKickNs = System.nanoTime();
            everKicked = true;
            lock.notifyAll();
            return session;
        }
    }

    private void kicked(long mySession, boolean endsWithMagic) {
        synchronized (lock) {
            if (mySession != deadSession && armed) {
                lastKickNs = System.nanoTime();
                magicPending = endsWithMagic;
            }
        }
    }

    private void writerClosed(long mySession) {
        synchronized (lock) {
            writerOpen = false;
            if (mySession != deadSession && magicPending) {
                armed = false; // magic close
            }
            lock.notifyAll();
        }
    }

    private void fireResets() {
        while (!closed) {
            synchronized (lock) {
                long now = System.nanoTime();
                if (!armed || now - lastKickNs < timeoutNs) {
                    long waitMs = armed ? Math.max(1, TimeUnit.NANOSECONDS.toMillis(lastKickNs + timeoutNs - now)) : 0;
                    try {
                        lock.wait(waitMs); // 0: until notified (armed, or closed)
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
                armed = false;
                deadSession = session;
                resets.add(new Reset(now / 1e6, lastKickNs / 1e6));
            }
            try {
                resetAction.run();
            } catch (RuntimeException e) {
                fail(new RigException("the reset action of fake watchdog " + fifo + " failed: " + e.getMessage(), e));
            }
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    private void fail(RuntimeException e) {
        synchronized (lock) {
            if (failure == null) {
                failure = e;
            }
            lock.notifyAll();
        }
    }

    /** Stops both threads (a reader waiting in open is released by a read-write open of its own) and removes the FIFO. */
    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        timer.interrupt();
        reader.interrupt();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        try {
            while (reader.isAlive() && System.nanoTime() < deadline) {
                try (RandomAccessFile poke = new RandomAccessFile(fifo.toFile(), "rw")) {
                    poke.getFD(); // O_RDWR on a FIFO never blocks; its open releases a reader waiting in open()
                } catch (IOException gone) {
                    // the FIFO is gone: nothing can be waiting on it
                }
                reader.join(20);
            }
            timer.join(5000);
            Files.deleteIfExists(fifo);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // a leftover FIFO in the run directory is harmless
        }
    }
}
