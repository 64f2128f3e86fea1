package vigil.daemon.pg;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import javax.net.SocketFactory;

/**
 * Lets pgjdbc talk to PostgreSQL's Unix socket (pgjdbc property {@code socketFactory}, with the socket file's
 * path as {@code socketFactoryArg}), so the probe authenticates by peer credentials instead of a password or
 * loopback trust. Invariant: every read, write and connect honours the timeout pgjdbc sets (connect timeout,
 * {@code setNetworkTimeout}), because a frozen server must read as unreachable, never as a hung probe.
 */
public final class UnixSocketFactory extends SocketFactory {
    private final Path path;

    /** Called by pgjdbc with {@code socketFactoryArg}: the socket file, e.g. /var/run/postgresql/.s.PGSQL.5432. */
    public UnixSocketFactory(String socketFile) {
        this.path = Path.of(socketFile);
    }

    @Override
    public Socket createSocket() {
        return new UnixDomainSocket(path);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        throw new SocketException("only unconnected sockets are supported");
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        throw new SocketException("only unconnected sockets are supported");
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        throw new SocketException("only unconnected sockets are supported");
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        throw new SocketException("only unconnected sockets are supported");
    }

    /** A java.net.Socket face over a non-blocking Unix-domain channel; the TCP address pgjdbc passes is ignored. */
    static final class UnixDomainSocket extends Socket {
        private final Path path;
        private SocketChannel channel;
        private Selector selector;
        private SelectionKey key;
        private volatile int soTimeout;
        private volatile boolean closed;

        UnixDomainSocket(Path path) {
            this.path = path;
        }

        @Override
        public synchronized void connect(SocketAddress ignored, int timeoutMs) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.configureBlocking(false);
                selector = Selector.open();
                key = channel.register(selector, 0);
                boolean connected;
                try {
                    connected = channel.connect(UnixDomainSocketAddress.of(path));
                } catch (IOException e) { // no socket file, or nobody listening on it: PostgreSQL is not running
                    throw new java.net.ConnectException("cannot connect to " + path + ": " + e.getMessage());
                }
                if (!connected) {
                    await(SelectionKey.OP_CONNECT, timeoutMs, "connecting to " + path);
                    channel.finishConnect();
                }
            } catch (IOException e) {
                close();
                throw e;
            }
        }

        @Override
        public void connect(SocketAddress ignored) throws IOException {
            connect(ignored, 0);
        }

        private void await(int op, int timeoutMs, String what) throws IOException {
            if (closed) {
                throw new SocketException("socket closed");
            }
            int ready;
            try {
                key.interestOps(op);
                selector.selectedKeys().clear();
                ready = selector.select(Math.max(0, timeoutMs));
            } catch (java.nio.channels.CancelledKeyException | java.nio.channels.ClosedSelectorException e) {
                throw new SocketException("socket closed");
            }
            if (ready == 0) {
                if (closed) {
                    throw new SocketException("socket closed");
                }
                throw new SocketTimeoutException(what + " timed out after " + timeoutMs + " ms");
            }
        }

        private final InputStream in = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (true) {
                    int n = channel.read(buf);
                    if (n != 0) {
                        return n;
                    }
                    await(SelectionKey.OP_READ, soTimeout, "reading from " + path);
                }
            }
        };

        private final OutputStream out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    if (channel.write(buf) == 0) {
                        await(SelectionKey.OP_WRITE, soTimeout, "writing to " + path);
                    }
                }
            }
        };

        @Override
        public InputStream getInputStream() throws IOException {
            requireConnected();
            return in;
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            requireConnected();
            return out;
        }

        private void requireConnected() throws SocketException {
            if (channel == null || closed) {
                throw new SocketException("socket to " + path + " is not connected");
            }
        }

        @Override
        public void setSoTimeout(int timeout) {
            soTimeout = timeout;
        }

        @Override
        public int getSoTimeout() {
            return soTimeout;
        }

        @Override
        public boolean isConnected() {
            return channel != null && channel.isConnected();
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        /** Safe from any thread (pgjdbc's abort): a read or write blocked in select wakes up and fails. */
        @Override
        public void close() throws IOException {
            closed = true;
            try {
                if (channel != null) {
                    channel.close();
                }
            } finally {
                if (selector != null) {
                    selector.wakeup();
                    selector.close();
                }
            }
        }

        // TCP options pgjdbc sets or reads: meaningless for a Unix socket
        @Override
        public void setTcpNoDelay(boolean on) {
        }

        @Override
        public boolean getTcpNoDelay() {
            return true;
        }

        @Override
        public void setKeepAlive(boolean on) {
        }

        @Override
        public boolean getKeepAlive() {
            return false;
        }

        @Override
        public void setSendBufferSize(int size) {
        }

        @Override
        public int getSendBufferSize() {
            return 65536;
        }

        @Override
        public void setReceiveBufferSize(int size) {
        }

        @Override
        public int getReceiveBufferSize() {
            return 65536;
        }

        @Override
        public String toString() {
            return "UnixDomainSocket[" + path + "]";
        }
    }
}
