package vigil.daemon;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * sd_notify(3) over the datagram socket named by {@code $NOTIFY_SOCKET}: {@code READY=1} once the daemon serves,
 * {@code WATCHDOG=1} while its loop lives (so systemd's {@code WatchdogSec=} restarts a hung daemon),
 * {@code STATUS=} with this node's state in one line when it changes ({@link StatusLine}), and {@code STOPPING=1}. Without the variable (not under systemd) every call does nothing.
 */
final class SystemdNotify {
    private static final SystemdNotify FROM_ENV = new SystemdNotify(System.getenv("NOTIFY_SOCKET"));
    private final String socket;
    private EventLoopGroup group;
    private Channel channel;

    SystemdNotify(String socket) {
        this.socket = socket == null || socket.isEmpty() ? null : socket;
    }

    static void ready() {
        FROM_ENV.send("READY=1\nSTATUS=serving\nMAINPID=" + ProcessHandle.current().pid());
    }

    static void watchdog() {
        FROM_ENV.send("WATCHDOG=1");
    }

    /** Whether vigild runs under systemd ({@code $NOTIFY_SOCKET} set): otherwise there is nothing to tell it. */
    static boolean active() {
        return FROM_ENV.socket != null;
    }

    /** The unit's one-line status ({@code systemctl status}): {@link StatusLine}. No newline may be in it. */
    static void status(String line) {
        FROM_ENV.send("STATUS=" + line.replace('\n', ' '));
    }

    static void stopping() {
        FROM_ENV.send("STOPPING=1");
    }

    /** A leading '@' names a socket in the abstract namespace. */
    private String path() {
        return socket.startsWith("@") ? "\0" + socket.substring(1) : socket;
    }

    /** Best effort: a lost notification makes systemd report a timeout, which is what the operator should see. */
    synchronized boolean send(String state) {
        if (socket == null) return false;
        try {
            if (channel == null) {
                group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
                channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                        .handler(new ChannelInitializer<>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                // write-only
                            }
                        }).connect(new DomainSocketAddress(path())).sync().channel();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> group.shutdownGracefully()));
            }
            channel.writeAndFlush(Unpooled.copiedBuffer(state, StandardCharsets.UTF_8)).sync();
            return true;
        } catch (Exception e) {
            if (Boolean.getBoolean("vigil.debugNotify")) e.printStackTrace();
            return false;
        }
    }
}
