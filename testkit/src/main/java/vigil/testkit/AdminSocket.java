package vigil.testkit;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Direct admin-socket client (contracts.md §4) for tight polling loops: starting a vigilctl JVM per
 * poll would steal the CPU the daemons under test need. {@link VigilCluster#status} still goes
 * through vigilctl.
 */
final class AdminSocket {
    private static final ExecutorService IO = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "rig-admin-socket");
        t.setDaemon(true);
        return t;
    });

    private AdminSocket() {
    }

    /** The status reply, or empty when the socket is absent, refuses, errs or is slower than {@code timeout}. */
    static Optional<NodeStatus> status(Path socket, Duration timeout) {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            return Optional.empty();
        }
        Future<String> reply = IO.submit(() -> exchange(ch, socket));
        try {
            return Optional.of(NodeStatus.parse(reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS)));
        } catch (TimeoutException | ExecutionException | RigException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing unblocks the reader; nothing else to do
            }
        }
    }

    /**
     * One request (a JSON object on one line) and its raw reply line; empty when the socket is absent, refuses, errs or
     * is slower than {@code timeout}. For requests that must arrive within milliseconds of each other.
     */
    static Optional<String> ask(Path socket, String request, Duration timeout) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            Future<String> reply = IO.submit(() -> exchange(ch, socket, request));
            try {
                return Optional.of(reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (TimeoutException | ExecutionException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String exchange(SocketChannel ch, Path socket) throws IOException {
        return exchange(ch, socket, "{\"version\":1,\"command\":\"status\"}");
    }

    private static String exchange(SocketChannel ch, Path socket, String request) throws IOException {
        ch.connect(UnixDomainSocketAddress.of(socket));
        ch.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024 + 1);
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                break;
            }
            byte[] a = buf.array();
            for (int i = 0; i < buf.position(); i++) {
                if (a[i] == '\n') {
                    return new String(a, 0, i, StandardCharsets.UTF_8);
                }
            }
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    }
}
