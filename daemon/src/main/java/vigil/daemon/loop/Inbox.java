package vigil.daemon.loop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * What the node loop waits on: a queue any thread adds to, and, when the loop reads the peer datagrams itself, the
 * datagram socket. The loop thread is the only one that waits, polls or drains.
 *
 * <p>Why the loop reads the socket itself: a datagram read by a thread of its own and queued for the loop woke two
 * threads, and on this kind of virtual machine each wake of a thread costs 30 to 200 µs of CPU (docs/benchmarks.md,
 * "Idle"): an idle follower woke twice for each heartbeat, and a leader's receiver woke for every acknowledgement even
 * while they waited for the loop's next wake ({@link vigil.core.node.AckDeferral}).
 *
 * <p>Invariants:
 * <ul>
 * <li>An element added by any thread is seen by the next {@link #poll}: the loop marks how it sleeps before it looks
 *     at the queue a last time, and an adder wakes it that way (unparks it, or wakes the selector) whenever it is
 *     marked asleep (one of the two always sees the other).</li>
 * <li>The socket is drained (the datagrams waiting in it read and handed on, without blocking) at every poll, so a
 *     datagram waits at most until the loop's next turn. While the loop is asked not to wake for datagrams
 *     ({@code watchSocket} false: acknowledgements may wait, {@link vigil.core.node.AckDeferral}) it parks instead of
 *     waiting in the selector, and they stay in the kernel's buffer until then; its next wake is at most a heartbeat
 *     away in that case.</li>
 * </ul>
 */
final class Inbox<T> {
    /** The datagram socket the loop reads: its channel (non-blocking) and a read of everything waiting in it. */
    interface Socket {
        SelectableChannel channel();

        /**
         * Reads the datagrams waiting, without blocking, and hands each on (on the calling thread).
         * {@code unwatchedSinceMs}: since when (System.nanoTime() in ms) the loop parked without watching the socket,
         * so what waits arrived after that; Long.MAX_VALUE when it watched (what waits arrived just now).
         */
        void drain(long unwatchedSinceMs);
    }

    private static final int AWAKE = 0;
    private static final int PARKED = 1;
    private static final int SELECTING = 2;

    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private volatile Selector selector;
    /** How the loop waits, if it does: parked (the socket not watched), or in the selector. */
    private volatile int asleep = AWAKE;
    /** The loop thread, set at its first park: the only thread that waits (see the class comment). */
    private volatile Thread waiter;
    private Socket socket;
    private boolean closed; // guarded by this: no wakeup of a closed selector (the JDK throws an InternalError)

    /** Reads {@code socket} from now on; before the first {@link #poll} (the loop thread starts after). */
    void reads(Socket socket) {
        this.socket = socket;
    }

    /** From any thread. */
    void add(T t) {
        queue.add(t);
        int how = asleep;
        if (how == PARKED) {
            LockSupport.unpark(waiter);
        } else if (how == SELECTING) {
            synchronized (this) {
                if (!closed) selector.wakeup();
            }
        }
    }

    /** The next element, without waiting (the socket drained first); null if none. */
    T poll() {
        return poll(Long.MAX_VALUE);
    }

    private T poll(long unwatchedSinceMs) {
        if (socket != null) socket.drain(unwatchedSinceMs);
        return queue.poll();
    }

    /**
     * The next element, waiting up to {@code waitMs} for one (not at all when {@code waitMs <= 0}); null when none came
     * (or the wait ended early: the caller goes round and waits again). A datagram ends the wait only when
     * {@code watchSocket}: the loop then waits in a selector; otherwise it parks, which costs less than a selector's
     * round (an idle leader's usual wait). Either way the socket is drained before the queue is read.
     */
    T poll(long waitMs, boolean watchSocket) throws InterruptedException {
        T t = poll();
        if (t != null || waitMs <= 0) return t;
        long unwatchedSince = Long.MAX_VALUE;
        if (watchSocket && socket != null) {
            select(waitMs);
        } else {
            if (waiter == null) waiter = Thread.currentThread();
            unwatchedSince = System.nanoTime() / 1_000_000;
            asleep = PARKED;
            try {
                if (queue.isEmpty()) LockSupport.parkNanos(this, waitMs * 1_000_000L);
            } finally {
                asleep = AWAKE;
            }
        }
        if (Thread.interrupted()) throw new InterruptedException();
        return poll(unwatchedSince);
    }

    private void select(long waitMs) {
        Selector s = open();
        asleep = SELECTING;
        try {
            if (queue.isEmpty()) s.select(waitMs);
            s.selectedKeys().clear();
        } catch (IOException e) {
            throw new UncheckedIOException("the node loop's selector failed", e);
        } finally {
            asleep = AWAKE;
        }
    }

    /** Releases the selector (the loop has ended). */
    synchronized void close() {
        closed = true;
        Selector s = selector;
        if (s == null) return;
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private Selector open() {
        Selector s = selector;
        if (s != null) return s;
        try {
            s = Selector.open();
            socket.channel().register(s, SelectionKey.OP_READ);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the node loop's selector", e);
        }
        selector = s;
        return s;
    }
}
