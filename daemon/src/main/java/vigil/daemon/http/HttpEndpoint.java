package vigil.daemon.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import vigil.config.HttpSettings;

/**
 * The HTTP endpoint of {@code node.http}: one I/O thread, a request at a time per connection, each answered at once
 * and closed ({@link HttpRequests}). Bounded so that a busy or hostile client can neither cost the node its lease nor
 * keep the load balancers' checks out: every connection is closed {@link #DEADLINE} after it was accepted, whatever it
 * sent meanwhile (a client trickling bytes is no exception); one source address holds at most
 * {@link #MAX_PER_SOURCE} connections and all together at most {@link #MAX_CONNECTIONS} (more are closed on accept);
 * 1 KiB of request line, 4 KiB of headers, no body. The daemon's decisions never wait on it.
 */
public final class HttpEndpoint implements AutoCloseable {
    static final int MAX_CONNECTIONS = 64;
    static final int MAX_PER_SOURCE = 8;
    static final Duration DEADLINE = Duration.ofSeconds(5);

    private final EventLoopGroup group;
    private final Channel channel;
    private Runnable onClose = () -> { };

    private HttpEndpoint(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * The endpoint of a running daemon: the checks read {@code loop}'s published state, the metrics its status and
     * the events of {@code log} (tapped until {@link #close}).
     */
    public static HttpEndpoint open(HttpSettings settings, vigil.core.node.NodeConfig config, vigil.daemon.loop.NodeLoop loop,
                                    vigil.daemon.log.Log log) {
        Metrics metrics = new Metrics(loop::snapshot, config.electorate().voters().stream()
                .filter(vigil.core.election.Voter::canLead).map(vigil.core.election.Voter::name).toList());
        Checks checks = new Checks(config, new Checks.State() {
            @Override
            public <T> T read(java.util.function.BiFunction<vigil.core.node.NodeState, Long, T> read) {
                return loop.read(read);
            }

            @Override
            public boolean halted() {
                return loop.halted();
            }
        });
        HttpEndpoint endpoint = start(settings, checks, metrics::scrape);
        log.tap(metrics);
        endpoint.onClose = () -> {
            log.untap(metrics);
            metrics.close();
        };
        return endpoint;
    }

    /**
     * Listens on {@code settings.listen():settings.port()}.
     *
     * @throws UncheckedIOException when the address cannot be bound or the TLS files cannot be read, saying which
     */
    static HttpEndpoint start(HttpSettings settings, HttpRequests.Answers checks, Supplier<String> metrics) {
        return start(settings, checks, metrics, DEADLINE);
    }

    static HttpEndpoint start(HttpSettings settings, HttpRequests.Answers checks, Supplier<String> metrics,
                              Duration deadline) {
        SslContext tls = settings.tls() ? tls(settings) : null;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("vigil-http", true),
                EpollIoHandler.newFactory());
        AtomicInteger open = new AtomicInteger();
        Map<InetAddress, Integer> perSource = new HashMap<>(); // touched on the one I/O thread only
        try {
            ChannelFuture bound = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            InetAddress source = ch.remoteAddress().getAddress();
                            int fromSource = perSource.getOrDefault(source, 0);
                            if (open.get() >= MAX_CONNECTIONS || fromSource >= MAX_PER_SOURCE) {
                                ch.close();
                                return;
                            }
                            open.incrementAndGet();
                            perSource.put(source, fromSource + 1);
                            ch.closeFuture().addListener(f -> {
                                open.decrementAndGet();
                                perSource.computeIfPresent(source, (k, n) -> n <= 1 ? null : n - 1);
                            });
                            ch.eventLoop().schedule(() -> { ch.close(); }, deadline.toMillis(), TimeUnit.MILLISECONDS);
                            if (tls != null) ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                            ch.pipeline()
                                    .addLast("http", new HttpServerCodec(1024, 4096, 1024))
                                    .addLast("whole", new HttpObjectAggregator(1024, true))
                                    .addLast("requests", new HttpRequests(checks, metrics))
                                    .addLast("last", new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            ctx.close(); // a client that went away, a TLS handshake that failed
                                        }
                                    });
                        }
                    })
                    .bind(new InetSocketAddress(settings.listen(), settings.port()))
                    .awaitUninterruptibly();
            if (!bound.isSuccess()) {
                throw new IOException("cannot listen on " + settings.listen() + ":" + settings.port() + " (node.http): "
                        + bound.cause().getMessage(), bound.cause());
            }
            return new HttpEndpoint(group, bound.channel());
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
            if (e instanceof IOException io) throw new UncheckedIOException(io.getMessage(), io);
            throw (RuntimeException) e;
        }
    }

    private static SslContext tls(HttpSettings settings) {
        try {
            return SslContextBuilder.forServer(settings.certificate().orElseThrow().toFile(), settings.key().orElseThrow().toFile())
                    .build();
        } catch (IOException | IllegalArgumentException e) {
            throw new UncheckedIOException(new IOException("node.http: cannot use " + settings.certificate().orElseThrow()
                    + " and " + settings.key().orElseThrow() + " for HTTPS: " + e.getMessage()
                    + " (a PEM certificate and its unencrypted PKCS#8 PEM key)", e));
        }
    }

    /** The address bound (the port chosen by the system when the settings gave 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        onClose.run();
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
