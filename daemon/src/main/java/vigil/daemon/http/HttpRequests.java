package vigil.daemon.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import vigil.core.ha.Routing;

/**
 * One HTTP request, answered at once on the I/O thread and the connection closed: the checks are reads of published
 * state and never wait. GET, HEAD and OPTIONS (HAProxy's default check method) only; {@code /primary}, {@code /replica}
 * (with an optional {@code lag}), {@code /sync}, {@code /leader}, {@code /health} answer 200 or 503 with a one-line
 * JSON body saying why; {@code /metrics} the Prometheus text. Anything else gets 400 (malformed, a body, a parameter
 * that is not understood), 404 (another path), 405 (another method), 413 (a body over 1 KiB), 414 (a request line over
 * 1 KiB) or 431 (headers over 4 KiB): nothing else is served.
 */
final class HttpRequests extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** {@code lag=} as bytes: a whole number with an optional unit, B, kB, MB or GB (1 kB = 1024 B), like Patroni's. */
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*([kKmMgG]?[bB])?");
    static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** What the checks answer ({@link Checks}; a stub in tests of the protocol). */
    interface Answers {
        /** @param maxLagBytes only for {@link Checks.Check#REPLICA}: null when not asked */
        Routing.Answer answer(Checks.Check check, Long maxLagBytes);

        /** This node's name, in every answer. */
        String node();
    }

    private final Answers checks;
    private final Supplier<String> metrics;

    HttpRequests(Answers checks, Supplier<String> metrics) {
        this.checks = checks;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            if (cause instanceof TooLongHttpLineException) {
                send(ctx, request, HttpResponseStatus.REQUEST_URI_TOO_LONG, json("request line over 1 KiB"));
            } else if (cause instanceof TooLongFrameException) {
                send(ctx, request, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, json("headers over 4 KiB"));
            } else {
                send(ctx, request, HttpResponseStatus.BAD_REQUEST, json("malformed request: " + cause.getMessage()));
            }
            return;
        }
        HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD) && !method.equals(HttpMethod.OPTIONS)) {
            FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED, json("only GET, HEAD and OPTIONS"));
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD, OPTIONS");
            write(ctx, request, r);
            return;
        }
        if (request.content().isReadable()) {
            send(ctx, request, HttpResponseStatus.BAD_REQUEST, json("a check takes no body"));
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        if (path.equals("/metrics")) {
            if (!uri.parameters().isEmpty()) {
                send(ctx, request, HttpResponseStatus.BAD_REQUEST, json("/metrics takes no parameters"));
                return;
            }
            FullHttpResponse r = response(HttpResponseStatus.OK, metrics.get());
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, PROMETHEUS_TYPE);
            write(ctx, request, r);
            return;
        }
        Checks.Check check = Checks.Check.of(path);
        if (check == null) {
            send(ctx, request, HttpResponseStatus.NOT_FOUND, json("no such check: " + path + " (/primary, /replica,"
                    + " /replica?lag=SIZE, /sync, /leader, /health, /metrics)"));
            return;
        }
        Long lag;
        try {
            lag = lagOf(check, uri.parameters());
        } catch (IllegalArgumentException e) {
            send(ctx, request, HttpResponseStatus.BAD_REQUEST, json(e.getMessage()));
            return;
        }
        Routing.Answer a = checks.answer(check, lag);
        send(ctx, request, a.ok() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                "{\"node\":" + quote(checks.node()) + ",\"check\":" + quote(check.path().substring(1)) + ",\"ok\":" + a.ok()
                        + ",\"reason\":" + quote(a.why()) + "}\n");
    }

    /** The {@code lag} of {@code /replica}, in bytes; any other parameter, or lag elsewhere, is refused. */
    static Long lagOf(Checks.Check check, Map<String, List<String>> parameters) {
        Long lag = null;
        for (Map.Entry<String, List<String>> p : parameters.entrySet()) {
            if (!p.getKey().equals("lag") || check != Checks.Check.REPLICA) {
                throw new IllegalArgumentException("parameter " + p.getKey() + " is not understood by " + check.path()
                        + (check == Checks.Check.REPLICA ? " (only lag)" : " (it takes none)"));
            }
            if (p.getValue().size() != 1) throw new IllegalArgumentException("lag given " + p.getValue().size() + " times");
            lag = bytes(p.getValue().get(0));
        }
        return lag;
    }

    static long bytes(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("lag=" + text + " is not a size: write bytes, or a number with B, kB, MB or GB"
                    + " (lag=16MB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(java.util.Locale.ROOT);
        int shift = switch (unit) {
            case "kb" -> 10;
            case "mb" -> 20;
            case "gb" -> 30;
            default -> 0;
        };
        if (n > (Long.MAX_VALUE >> shift)) throw new IllegalArgumentException("lag=" + text + " is too large");
        return n << shift;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String body) {
        write(ctx, request, response(status, body));
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return r;
    }

    /** Writes {@code r} (headers only for HEAD: the length still says what GET would send) and closes the connection. */
    private static void write(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse r) {
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (request.method().equals(HttpMethod.HEAD)) r.content().clear();
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    static String json(String reason) {
        return "{\"error\":" + quote(reason) + "}\n";
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
