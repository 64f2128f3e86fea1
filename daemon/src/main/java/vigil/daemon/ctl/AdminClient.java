package vigil.daemon.ctl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Locale;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.Decoded;

/**
 * One request, one reply over the admin socket, all within one deadline (connect, write and read
 * together), so a stuck daemon can never hang an operator's shell or a script.
 */
public final class AdminClient {
    /** Total time allowed for one exchange. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** The daemon could not be reached or did not answer; the message names the socket and a next step. */
    public static final class UnreachableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private AdminClient() {
    }

    /**
     * Sends {@code request} and returns the decoded reply (which may itself be an error reply). A reply
     * that cannot be decoded comes back as an invalid {@link Decoded}.
     */
    public static Decoded<AdminReply> call(Path socket, AdminRequest request, Duration timeout) throws UnreachableException {
        String hint = "; is vigild running? check `systemctl status vigild`, or pass --socket PATH / set VIGIL_SOCKET";
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(socket, BasicFileAttributes.class);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UnreachableException("cannot reach vigild: admin socket " + socket + " does not exist" + hint, e);
        } catch (IOException e) {
            throw new UnreachableException("cannot reach vigild at " + socket + ": " + describe(e), e);
        }
        if (!attrs.isOther()) {
            throw new UnreachableException("cannot reach vigild: " + socket + " is " + (attrs.isDirectory() ? "a directory" : "a regular file")
                    + ", not a socket (pass the socket itself, e.g. --socket " + Vigilctl.DEFAULT_SOCKET + ")", null);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] line = (AdminCodec.encodeRequest(request) + "\n").getBytes(StandardCharsets.UTF_8);
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX); Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            try {
                if (!channel.connect(UnixDomainSocketAddress.of(socket))) {
                    await(channel, selector, SelectionKey.OP_CONNECT, deadline, socket, timeout);
                    channel.finishConnect();
                }
            } catch (IOException e) {
                boolean denied = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("permission denied");
                throw new UnreachableException("cannot reach vigild at " + socket + ": " + describe(e) + (denied ? "" : hint), e);
            }
            ByteBuffer out = ByteBuffer.wrap(line);
            try {
                while (out.hasRemaining()) {
                    if (channel.write(out) == 0) {
                        await(channel, selector, SelectionKey.OP_WRITE, deadline, socket, timeout);
                    }
                }
            } catch (IOException writeFailed) {
                // The daemon may have turned us away (FORBIDDEN) and closed before our request was
                // written: its reply, if any, is still readable and says more than "broken pipe".
                try {
                    return AdminCodec.decodeReply(readLine(channel, selector, deadline, socket, timeout));
                } catch (IOException | UnreachableException nothingToRead) {
                    throw writeFailed;
                }
            }
            return AdminCodec.decodeReply(readLine(channel, selector, deadline, socket, timeout));
        } catch (IOException e) {
            throw new UnreachableException("lost the connection to vigild at " + socket + ": " + describe(e), e);
        }
    }

    private static String readLine(SocketChannel channel, Selector selector, long deadline, Path socket, Duration timeout)
            throws IOException, UnreachableException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        while (true) {
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                throw new UnreachableException("vigild at " + socket + " closed the connection without a complete reply"
                        + " (see `journalctl -u vigild`)", null);
            }
            if (n == 0) {
                await(channel, selector, SelectionKey.OP_READ, deadline, socket, timeout);
                continue;
            }
            byte[] bytes = buffer.array();
            for (int i = 0; i < n; i++) {
                if (bytes[i] == '\n') {
                    received.write(bytes, 0, i);
                    return received.toString(StandardCharsets.UTF_8);
                }
            }
            received.write(bytes, 0, n);
            if (received.size() > AdminCodec.MAX_LINE_BYTES) {
                return received.toString(StandardCharsets.UTF_8); // the decoder reports TOO_LARGE
            }
        }
    }

    private static void await(SocketChannel channel, Selector selector, int op, long deadline, Path socket, Duration timeout)
            throws IOException, UnreachableException {
        SelectionKey key = channel.register(selector, op);
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new UnreachableException("vigild at " + socket + " did not answer within " + timeout.toMillis()
                            + " ms (it may be overloaded or hung; check `systemctl status vigild` and `journalctl -u vigild`)", null);
                }
                if (selector.select(Math.max(1, left / 1_000_000)) > 0) {
                    selector.selectedKeys().clear();
                    return;
                }
            }
        } finally {
            key.interestOps(0);
        }
    }

    private static String describe(IOException e) {
        String m = String.valueOf(e.getMessage());
        String lower = m.toLowerCase(Locale.ROOT);
        if (lower.contains("refused")) {
            return "connection refused (the socket file is left over from a daemon that is no longer running)";
        }
        if (lower.contains("permission denied") || e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied (run as root, or as a member of the admin group configured in node.admin.group)";
        }
        if (lower.contains("no such file")) {
            return "the socket file does not exist";
        }
        return m;
    }
}
