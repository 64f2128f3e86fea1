package vigil.daemon.admin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminReply;

/** A raw line-level client for tests: writes whatever it is given, reads reply lines. */
final class LineClient implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    LineClient(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        out = Channels.newOutputStream(channel);
    }

    void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Half-closes: tells the server no more requests will come. */
    void finishSending() throws IOException {
        channel.shutdownOutput();
    }

    /** The next reply line, or null at end of stream. */
    String readLine() throws IOException {
        return in.readLine();
    }

    AdminReply readReply() throws IOException {
        String line = readLine();
        if (line == null) {
            throw new IOException("connection closed before a reply");
        }
        return AdminCodec.decodeReply(line).orThrow();
    }

    AdminReply call(String line) throws IOException {
        send(line + "\n");
        return readReply();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
