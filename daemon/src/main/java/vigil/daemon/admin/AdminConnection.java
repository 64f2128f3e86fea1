package vigil.daemon.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.buffer.Unpooled;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.Decoded;
import vigil.protocol.admin.ErrorCode;

/**
 * One admin connection. Lines arrive already framed (newline stripped). Invariants:
 * <ul>
 *   <li>Replies leave in request order, one per line received, even though the handler answers
 *       asynchronously: at most one request is with the handler at a time, later lines wait in
 *       {@link #waiting} and reading pauses until the handler answers.</li>
 *   <li>Nothing here blocks the event loop; the handler's future is completed by another thread and
 *       its reply is written from the event loop.</li>
 *   <li>A client that half-closes after its last request (as {@code socat} and shell pipes do)
 *       still gets every reply; the connection closes once nothing is owed.</li>
 *   <li>A refused peer gets one FORBIDDEN reply and none of its lines are read; an oversized line
 *       gets TOO_LARGE (after the replies still owed) and the connection is closed.</li>
 * </ul>
 * All fields are touched only on the channel's event loop.
 */
final class AdminConnection extends ChannelInboundHandlerAdapter {
    /** How long a turned-away peer may keep sending before it is cut off. */
    static final long LINGER_MS = 2000;

    private final AdminHandler handler;
    private final IntFunction<PeerPolicy.Decision> peerCheck;
    private final Duration handlerTimeout;
    /** How long a long-running command (a fence: every level's agents) may take to answer. */
    static final Duration LONG_RUNNING = Duration.ofSeconds(150);

    private final Queue<Object> waiting = new ArrayDeque<>(); // String lines, or a final AdminReply
    private boolean allowed;
    private boolean busy;
    private boolean closing;
    private boolean finalSent;
    private boolean inputShut;

    /** Requests of every connection taken and not yet answered on the wire (the server waits for them to close). */
    private final AtomicInteger answering;

    AdminConnection(AdminHandler handler, IntFunction<PeerPolicy.Decision> peerCheck, Duration handlerTimeout) {
        this(handler, peerCheck, handlerTimeout, new AtomicInteger());
    }

    AdminConnection(AdminHandler handler, IntFunction<PeerPolicy.Decision> peerCheck, Duration handlerTimeout,
                    AtomicInteger answering) {
        this.handler = handler;
        this.peerCheck = peerCheck;
        this.handlerTimeout = handlerTimeout;
        this.answering = answering;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        PeerPolicy.Decision decision;
        try {
            int uid = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials().uid();
            decision = peerCheck.apply(uid);
        } catch (Exception e) {
            decision = PeerPolicy.Decision.refuse("cannot establish the peer's identity: " + e.getMessage());
        }
        if (!decision.allowed()) {
            writeFinal(ctx, AdminReply.failure(ErrorCode.FORBIDDEN, decision.reason()));
            return;
        }
        allowed = true;
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        String line;
        ByteBuf buf = (ByteBuf) msg;
        try {
            line = buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
        if (!allowed || closing) {
            return;
        }
        waiting.add(line);
        drain(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            inputShut = true;
            if (finalSent) {
                ctx.close(); // the last reply is out (or going out) and the peer is done
            } else {
                drain(ctx);
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof TooLongFrameException && allowed && !closing) {
            closing = true; // accept no more lines; the replies still owed go out first
            waiting.add(AdminReply.failure(ErrorCode.TOO_LARGE, "request line longer than "
                    + AdminCodec.MAX_LINE_BYTES + " bytes; closing the connection"));
            ctx.channel().config().setAutoRead(false);
            drain(ctx);
        } else if (!(root instanceof TooLongFrameException)) {
            ctx.close(); // I/O error (peer reset): nothing useful can be written back
        }
    }

    /** Starts work on waiting lines until one is with the handler or none is left. */
    private void drain(ChannelHandlerContext ctx) {
        Object next;
        while (!busy && (next = waiting.poll()) != null) {
            if (next instanceof AdminReply last) {
                waiting.clear();
                writeFinal(ctx, last);
                return;
            }
            Decoded<AdminRequest> decoded = AdminCodec.decodeRequest((String) next);
            if (!decoded.isValid()) {
                write(ctx, AdminReply.failure(decoded.error()));
                continue;
            }
            AdminRequest request = decoded.value();
            if (AdminCommand.fromWireName(request.command()).isEmpty()) {
                write(ctx, AdminReply.failure(ErrorCode.UNKNOWN_COMMAND, "unknown command \"" + request.command()
                        + "\"; this vigild knows: " + knownCommands()));
                continue;
            }
            dispatch(ctx, request);
        }
        if (busy || closing) {
            return;
        }
        if (inputShut) {
            closing = true; // everything asked has been answered
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void dispatch(ChannelHandlerContext ctx, AdminRequest request) {
        busy = true;
        answering.incrementAndGet();
        ctx.channel().config().setAutoRead(false);
        CompletableFuture<AdminReply> answer;
        try {
            answer = handler.handle(request);
            if (answer == null) {
                answer = CompletableFuture.failedFuture(new IllegalStateException("handler returned no future"));
            }
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        Answer once = new Answer(ctx, request);
        boolean longRunning = vigil.protocol.admin.AdminCommand.fromWireName(request.command())
                .map(vigil.protocol.admin.AdminCommand::longRunning).orElse(false);
        Duration within = longRunning && handlerTimeout.compareTo(LONG_RUNNING) < 0 ? LONG_RUNNING : handlerTimeout;
        ScheduledFuture<?> timer = ctx.executor().schedule(() -> once.complete(AdminReply.failure(ErrorCode.INTERNAL,
                "vigild did not answer \"" + request.command() + "\" within " + within.toMillis()
                        + " ms; its main loop may be stuck (see journalctl -u vigild)")),
                within.toNanos(), TimeUnit.NANOSECONDS);
        answer.whenComplete((reply, error) -> {
            try {
                ctx.executor().execute(() -> {
                    timer.cancel(false);
                    once.complete(reply != null ? reply : internal(request, error));
                });
            } catch (RejectedExecutionException shuttingDown) {
                answering.decrementAndGet(); // the server is closing; the connection goes with it
            }
        });
    }

    private static AdminReply internal(AdminRequest request, Throwable error) {
        Throwable cause = error;
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String what = cause == null ? "no reply" : cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        return AdminReply.failure(ErrorCode.INTERNAL, "vigild failed to answer \"" + request.command() + "\": " + what);
    }

    /** Delivers the first of (handler reply, timeout) and ignores the other. Event loop only. */
    private final class Answer {
        private final ChannelHandlerContext ctx;
        private final AdminRequest request;
        private boolean done;

        Answer(ChannelHandlerContext ctx, AdminRequest request) {
            this.ctx = ctx;
            this.request = request;
        }

        void complete(AdminReply reply) {
            if (done) {
                return;
            }
            done = true;
            busy = false;
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(encode(ctx, reply.version() == AdminCodec.PROTOCOL_VERSION ? reply : internal(request,
                        new IllegalStateException("handler replied in protocol version " + reply.version()))))
                        .addListener(written -> answering.decrementAndGet());
                drain(ctx);
            } else {
                answering.decrementAndGet();
            }
        }
    }

    private void write(ChannelHandlerContext ctx, AdminReply reply) {
        ctx.writeAndFlush(encode(ctx, reply));
    }

    /**
     * Sends a last reply, then half-closes and keeps discarding input until the peer closes (or
     * {@link #LINGER_MS} pass). Closing outright would make a peer that is still writing its request
     * fail with EPIPE before it ever reads why it was turned away.
     */
    private void writeFinal(ChannelHandlerContext ctx, AdminReply reply) {
        closing = true;
        finalSent = true;
        ctx.writeAndFlush(encode(ctx, reply)).addListener(written -> {
            if (!written.isSuccess() || inputShut) {
                ctx.close();
                return;
            }
            ((DuplexChannel) ctx.channel()).shutdownOutput();
            ctx.channel().config().setAutoRead(true);
            ctx.executor().schedule(() -> {
                ctx.close();
            }, LINGER_MS, TimeUnit.MILLISECONDS);
        });
    }

    private static ByteBuf encode(ChannelHandlerContext ctx, AdminReply reply) {
        String line = AdminCodec.encodeReply(reply);
        if (AdminCodec.utf8Length(line) > AdminCodec.MAX_LINE_BYTES) {
            line = AdminCodec.encodeReply(AdminReply.failure(ErrorCode.INTERNAL, "reply of "
                    + AdminCodec.utf8Length(line) + " bytes exceeds the " + AdminCodec.MAX_LINE_BYTES + "-byte line limit"));
        }
        return ByteBufUtil.writeUtf8(ctx.alloc(), line + "\n");
    }

    private static String knownCommands() {
        StringBuilder out = new StringBuilder();
        for (AdminCommand c : AdminCommand.values()) {
            out.append(out.length() == 0 ? "" : ", ").append(c.wireName());
        }
        return out.toString();
    }
}
