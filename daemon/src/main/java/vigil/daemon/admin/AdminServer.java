package vigil.daemon.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import vigil.protocol.admin.AdminCodec;

/**
 * The local admin socket: newline-delimited JSON over a Unix stream socket, answered by an
 * {@link AdminHandler}. One I/O thread serves all connections; it never blocks (the handler answers
 * through a future), so a stuck daemon loop costs callers a 5 s INTERNAL reply, not a hang.
 *
 * <p>While the server runs, the socket file at {@code socketPath} is this server's (mode 0660 and the
 * admin group, or 0600 without one); {@link #close()} removes it unless something else replaced it.
 * Each peer is checked with SO_PEERCRED on accept ({@link PeerPolicy}).
 */
public final class AdminServer implements AutoCloseable {
    /** How long the handler gets before the caller receives INTERNAL instead. */
    public static final Duration HANDLER_TIMEOUT = Duration.ofSeconds(5);

    private final Path socketPath;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final Object socketKey;
    private boolean closed;
    /** Requests taken and not yet answered on the wire: {@link #close} lets them finish first. */
    private final AtomicInteger answering;
    /** How long {@link #close} waits for answers under way (vigilctl restart-daemon's own, for one). */
    static final long CLOSE_WAIT_MS = 1_000;

    private AdminServer(Path socketPath, EventLoopGroup group, Channel serverChannel, Object socketKey,
                        AtomicInteger answering) {
        this.socketPath = socketPath;
        this.group = group;
        this.serverChannel = serverChannel;
        this.socketKey = socketKey;
        this.answering = answering;
    }

    /**
     * Listens on {@code socketPath}. Root may always connect; others only as members of
     * {@code allowedGroup}. A stale socket file is replaced; if another daemon answers on it, or the
     * group does not exist, or the path is unusable, this throws {@link UncheckedIOException} whose
     * message says what to do.
     */
    public static AdminServer start(Path socketPath, Optional<String> allowedGroup, AdminHandler handler) {
        return start(socketPath, allowedGroup, handler, HANDLER_TIMEOUT, uid -> {
            try {
                return PeerPolicy.load(allowedGroup).decide(uid);
            } catch (IOException e) {
                return PeerPolicy.Decision.refuse("cannot read the account files: " + e);
            }
        });
    }

    static AdminServer start(Path socketPath, Optional<String> allowedGroup, AdminHandler handler,
                             Duration handlerTimeout, IntFunction<PeerPolicy.Decision> peerCheck) {
        Objects.requireNonNull(handler, "handler");
        Path socket = socketPath.toAbsolutePath().normalize();
        Path temp = SocketFile.tempPathFor(socket);
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("native epoll transport unavailable (Linux x86_64 required): "
                    + Epoll.unavailabilityCause());
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("vigil-admin", true),
                EpollIoHandler.newFactory());
        AtomicInteger answering = new AtomicInteger();
        Channel channel = null;
        try {
            SocketFile.ensureParent(socket);
            SocketFile.clearStale(socket);
            Files.deleteIfExists(temp); // left by a start that died between bind and rename
            ChannelFuture bound = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerDomainSocketChannel.class)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                        @Override
                        protected void initChannel(EpollDomainSocketChannel ch) {
                            ch.pipeline()
                                    .addLast("lines", new LineBasedFrameDecoder(AdminCodec.MAX_LINE_BYTES, true, true))
                                    .addLast("admin", new AdminConnection(handler, peerCheck, handlerTimeout, answering));
                        }
                    })
                    .bind(new DomainSocketAddress(temp.toString()))
                    .awaitUninterruptibly();
            if (!bound.isSuccess()) {
                throw new IOException("cannot listen on " + temp + ": " + bound.cause(), bound.cause());
            }
            channel = bound.channel();
            SocketFile.secure(temp, allowedGroup);
            Object key = SocketFile.publish(temp, socket);
            return new AdminServer(socket, group, channel, key, answering);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close().awaitUninterruptibly();
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort; the next start removes it too
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
            if (e instanceof IOException io) {
                String message = String.valueOf(io.getMessage());
                throw new UncheckedIOException(message.contains(socket.toString()) ? message
                        : "admin socket " + socket + ": " + message, io);
            }
            throw (RuntimeException) e;
        }
    }

    /** The absolute path clients connect to. */
    public Path socketPath() {
        return socketPath;
    }

    /**
     * Stops accepting, lets the answers under way go out (at most {@link #CLOSE_WAIT_MS}: the reply to
     * {@code vigilctl restart-daemon} is written after the loop it stopped has ended), drops open connections and
     * removes the socket file. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        SocketFile.removeIfOurs(socketPath, socketKey);
        serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
        while (answering.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
