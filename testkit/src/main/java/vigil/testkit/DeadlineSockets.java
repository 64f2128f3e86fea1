package vigil.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.SocketFactory;

/**
 * pgjdbc's socket factory for the {@link Writer}'s one writing thread ({@code socketFactory} connection property; the
 * watchers do not use it): it hands out plain sockets and remembers the open ones, so that a timer can close them
 * when an attempt passes its deadline. (Per process, not per thread: with a login timeout pgjdbc connects on a
 * thread of its own.) Closing a socket wakes a connect or a read blocked on it at once (Java 17's socket
 * implementation), which gives the writer deadlines in milliseconds where pgjdbc's own timeouts count whole seconds.
 *
 * <p>A TCP connect also has a shorter limit of its own, {@link #connectMs} ({@code --connect-ms}): on the rig's LAN the
 * server's SYN-ACK comes within a millisecond, so a connect unanswered for longer sent its SYN where the address no
 * longer is (to the old holder's MAC of a VIP, before the new holder's gratuitous ARP, or to a host that is gone). Waiting out
 * the attempt's whole deadline for it would put the first write after a failover up to that deadline late, and make
 * every outage figure move in steps of the deadline (a promotion a few ms later cost a whole step).
 */
public final class DeadlineSockets extends SocketFactory {
    private static final Set<Socket> OPEN = ConcurrentHashMap.newKeySet();
    /** The longest a connect waits for the server's answer, in ms (0: only the caller's timeout). */
    static volatile int connectMs;

    /** pgjdbc instantiates the factory by reflection, with no argument. */
    public DeadlineSockets() {
    }

    private static Socket track(Socket s) {
        OPEN.add(s);
        return s;
    }

    /** Closes every socket still tracked: the writer's blocked call fails at once. */
    static void abort() {
        for (Socket s : OPEN) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
        }
    }

    /** Forgets the sockets that are closed (after an attempt ends). */
    static void forgetClosed() {
        OPEN.removeIf(Socket::isClosed);
    }

    @Override
    public Socket createSocket() {
        return track(new Socket() {
            @Override
            public void connect(SocketAddress endpoint, int timeout) throws IOException {
                super.connect(endpoint, shorter(timeout, connectMs));
            }
        });
    }

    /** A connect's timeout in ms (0 meaning none, as for {@link Socket#connect}) under a limit (0 meaning none). */
    static int shorter(int timeout, int limit) {
        if (limit <= 0) return timeout;
        return timeout <= 0 ? limit : Math.min(timeout, limit);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return track(new Socket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return track(new Socket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return track(new Socket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return track(new Socket(address, port, localAddress, localPort));
    }
}
