package vigil.daemon.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.ErrorCode;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.StatusView;

@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AdminServerTest {
    private static final String STATUS = "{\"version\":1,\"command\":\"status\"}";
    private static final StatusView VIEW = new StatusView(1, "n1", "maas", "leader", 7, "n1", 1312, true, 3, 3, List.of(
            new NodeStatusView("n1", "data", "leader", true, true),
            new NodeStatusView("n2", "data", "follower", true, false),
            new NodeStatusView("w1", "witness", "witness", true, false)));

    @TempDir
    Path dir;
    Path socket;
    /** Stands in for the daemon's loop thread: the handler answers from here, never from Netty's thread. */
    ExecutorService loop;
    final AtomicInteger handled = new AtomicInteger();
    final List<AdminServer> servers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        socket = dir.resolve("run/vigil/admin.sock");
        loop = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void tearDown() {
        servers.forEach(AdminServer::close);
        loop.shutdownNow();
    }

    private AdminServer start(AdminHandler handler) {
        return start(handler, AdminServer.HANDLER_TIMEOUT);
    }

    private AdminServer start(AdminHandler handler, Duration timeout) {
        AdminServer server = AdminServer.start(socket, Optional.empty(), request -> {
            handled.incrementAndGet();
            return handler.handle(request);
        }, timeout, uid -> PeerPolicy.Decision.allow("test"));
        servers.add(server);
        return server;
    }

    private AdminHandler statusHandler() {
        return request -> CompletableFuture.supplyAsync(() -> AdminReply.success(VIEW), loop);
    }

    /** End of stream: the server half-closes after its last reply, so even a peer still writing reads EOF. */
    private static void assertClosed(LineClient client) throws IOException {
        assertNull(client.readLine(), "no further reply");
    }

    @Test
    void statusRoundTrip() throws IOException {
        start(statusHandler());
        try (LineClient client = new LineClient(socket)) {
            AdminReply reply = client.call(STATUS);
            assertTrue(reply.ok());
            assertEquals(VIEW, AdminCodec.decodeResult(reply.result(), StatusView.class).orThrow());
        }
    }

    @Test
    void malformedJsonGetsBadRequestAndTheConnectionStaysUsable() throws IOException {
        start(statusHandler());
        try (LineClient client = new LineClient(socket)) {
            AdminReply bad = client.call("{\"version\":1,\"command\":");
            assertEquals(ErrorCode.BAD_REQUEST, bad.error().code());
            assertEquals(ErrorCode.BAD_REQUEST, client.call("").error().code());
            assertTrue(client.call(STATUS).ok());
        }
        assertEquals(1, handled.get());
    }

    @Test
    void oversizedLineGetsTooLargeAndIsClosed() throws IOException {
        start(statusHandler());
        try (LineClient client = new LineClient(socket)) {
            client.send("{\"version\":1,\"command\":\"status\",\"pad\":\"" + "x".repeat(AdminCodec.MAX_LINE_BYTES) + "\"}\n");
            AdminReply reply = client.readReply();
            assertEquals(ErrorCode.TOO_LARGE, reply.error().code());
            assertClosed(client);
        }
        assertEquals(0, handled.get());
    }

    @Test
    void lineJustUnderTheLimitIsAccepted() throws IOException {
        start(statusHandler());
        String prefix = "{\"version\":1,\"command\":\"status\",\"pad\":\"";
        String line = prefix + "x".repeat(AdminCodec.MAX_LINE_BYTES - prefix.length() - 2) + "\"}";
        assertEquals(AdminCodec.MAX_LINE_BYTES, line.length());
        try (LineClient client = new LineClient(socket)) {
            assertTrue(client.call(line).ok());
        }
    }

    @Test
    void unknownCommandIsRejectedBeforeTheHandler() throws IOException {
        start(statusHandler());
        try (LineClient client = new LineClient(socket)) {
            AdminReply reply = client.call("{\"version\":1,\"command\":\"reboot\"}");
            assertEquals(ErrorCode.UNKNOWN_COMMAND, reply.error().code());
            assertTrue(reply.error().message().contains("reboot") && reply.error().message().contains("status"));
            assertTrue(client.call(STATUS).ok());
        }
        assertEquals(1, handled.get());
    }

    @Test
    void unsupportedVersionIsRejected() throws IOException {
        start(statusHandler());
        try (LineClient client = new LineClient(socket)) {
            AdminReply reply = client.call("{\"version\":2,\"command\":\"status\"}");
            assertEquals(ErrorCode.UNSUPPORTED_VERSION, reply.error().code());
            assertEquals(AdminCodec.PROTOCOL_VERSION, reply.version());
        }
        assertEquals(0, handled.get());
    }

    @Test
    void handlerFailuresBecomeInternalAndTheConnectionStaysUsable() throws IOException {
        AtomicInteger call = new AtomicInteger();
        start(request -> switch (call.incrementAndGet()) {
            case 1 -> throw new IllegalStateException("loop is gone");
            case 2 -> CompletableFuture.failedFuture(new RuntimeException("decider crashed"));
            case 3 -> null;
            default -> CompletableFuture.completedFuture(AdminReply.success(VIEW));
        });
        try (LineClient client = new LineClient(socket)) {
            AdminReply thrown = client.call(STATUS);
            assertEquals(ErrorCode.INTERNAL, thrown.error().code());
            assertTrue(thrown.error().message().contains("loop is gone"), thrown.error().message());
            AdminReply failed = client.call(STATUS);
            assertEquals(ErrorCode.INTERNAL, failed.error().code());
            assertTrue(failed.error().message().contains("decider crashed"), failed.error().message());
            assertEquals(ErrorCode.INTERNAL, client.call(STATUS).error().code());
            assertTrue(client.call(STATUS).ok());
        }
    }

    @Test
    void slowHandlerTimesOutAsInternal() throws IOException {
        CompletableFuture<AdminReply> never = new CompletableFuture<>();
        start(request -> handled.get() == 1 ? never : CompletableFuture.completedFuture(AdminReply.success(VIEW)),
                Duration.ofMillis(200));
        try (LineClient client = new LineClient(socket)) {
            long t0 = System.nanoTime();
            AdminReply reply = client.call(STATUS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(ErrorCode.INTERNAL, reply.error().code());
            assertTrue(reply.error().message().contains("within 200 ms"), reply.error().message());
            assertTrue(ms >= 190, "timed out after " + ms + " ms");
            never.complete(AdminReply.success(VIEW)); // a late answer is dropped, not sent as an extra line
            assertTrue(client.call(STATUS).ok());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        CompletableFuture<AdminReply> first = new CompletableFuture<>();
        start(request -> handled.get() == 1 ? first : CompletableFuture.completedFuture(AdminReply.failure(ErrorCode.INTERNAL, "second")));
        try (LineClient client = new LineClient(socket)) {
            client.send(STATUS + "\n" + STATUS + "\nnot json\n");
            loop.submit(() -> first.complete(AdminReply.success(VIEW)));
            assertTrue(client.readReply().ok());
            assertEquals("second", client.readReply().error().message());
            assertEquals(ErrorCode.BAD_REQUEST, client.readReply().error().code());
        }
    }

    @Test
    void clientThatHalfClosesStillGetsEveryReply() throws IOException {
        start(request -> CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(100); // the answers are still being computed when the client's EOF arrives
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return AdminReply.success(VIEW);
        }, loop));
        try (LineClient client = new LineClient(socket)) {
            client.send(STATUS + "\n" + STATUS + "\n");
            client.finishSending();
            assertTrue(client.readReply().ok());
            assertTrue(client.readReply().ok());
            assertNull(client.readLine(), "closed once nothing is owed");
        }
    }

    @Test
    void twoHundredConcurrentClients() throws Exception {
        start(statusHandler());
        int n = 200;
        List<LineClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                clients.add(new LineClient(socket)); // all connections open at once
            }
            for (LineClient c : clients) {
                c.send(STATUS + "\n");
            }
            for (LineClient c : clients) {
                assertEquals(VIEW, AdminCodec.decodeResult(c.readReply().result(), StatusView.class).orThrow());
            }
        } finally {
            for (LineClient c : clients) {
                c.close();
            }
        }
        assertEquals(n, handled.get());
    }

    @Test
    void refusedPeerGetsOneForbiddenReplyAndIsClosed() throws IOException {
        servers.add(AdminServer.start(socket, Optional.empty(), statusHandler(), AdminServer.HANDLER_TIMEOUT,
                uid -> PeerPolicy.Decision.refuse("uid " + uid + " is not in group vigil")));
        try (LineClient client = new LineClient(socket)) {
            client.send(STATUS + "\n");
            AdminReply reply = client.readReply();
            assertEquals(ErrorCode.FORBIDDEN, reply.error().code());
            assertTrue(reply.error().message().contains("uid 0"), reply.error().message());
            assertClosed(client);
        }
    }

    @Test
    void refusedPeerReadsForbiddenThroughTheRealClientEvenWhenRefusedBeforeItWrites() throws Exception {
        servers.add(AdminServer.start(socket, Optional.empty(), statusHandler(), AdminServer.HANDLER_TIMEOUT,
                uid -> PeerPolicy.Decision.refuse("not in group vigil")));
        for (int i = 0; i < 50; i++) {
            AdminReply reply = vigil.daemon.ctl.AdminClient.call(socket,
                    AdminRequest.of(vigil.protocol.admin.AdminCommand.STATUS), Duration.ofSeconds(5)).orThrow();
            assertEquals(ErrorCode.FORBIDDEN, reply.error().code());
        }
        assertEquals(0, handled.get());
    }

    @Test
    void rootPassesTheRealPeerCheck() throws IOException {
        servers.add(AdminServer.start(socket, Optional.empty(), statusHandler()));
        try (LineClient client = new LineClient(socket)) {
            assertTrue(client.call(STATUS).ok(), "the test runs as root, which is always allowed");
        }
    }

    @Test
    void closeRemovesTheSocketAndStopsAnswering() throws IOException {
        AdminServer server = start(statusHandler());
        assertEquals(socket, server.socketPath());
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
        server.close();
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
        assertThrows(IOException.class, () -> new LineClient(socket));
        server.close(); // idempotent
    }

    /**
     * An answer under way when the server closes still goes out: vigilctl restart-daemon's reply is written after the
     * loop it stopped has ended, while vigild closes the socket on its way out (DaemonRestartIT once got "closed the
     * connection without a complete reply").
     */
    @Test
    void anAnswerUnderWayWhenTheServerClosesStillGoesOut() throws Exception {
        CompletableFuture<AdminReply> later = new CompletableFuture<>();
        CompletableFuture<Void> asked = new CompletableFuture<>();
        AdminServer server = start(request -> {
            asked.complete(null);
            return later;
        });
        try (LineClient client = new LineClient(socket)) {
            client.send(STATUS + "\n");
            asked.get(5, java.util.concurrent.TimeUnit.SECONDS);
            Thread closer = new Thread(server::close);
            closer.start();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            while (Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && System.nanoTime() < deadline) Thread.sleep(5);
            assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the server began to close");
            later.complete(AdminReply.success(VIEW));
            AdminReply reply = client.readReply();
            assertTrue(reply.ok(), "the answer went out: " + reply);
            closer.join(5_000);
        }
    }

    @Test
    void socketIsPrivateWithoutAGroupAndItsDirectoryIsCreated() throws IOException {
        start(statusHandler());
        PosixFileAttributes attrs = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertTrue(attrs.isOther(), "a socket");
        assertEquals("rw-------", PosixFilePermissions.toString(attrs.permissions()));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
        try (var files = Files.list(socket.getParent())) {
            assertEquals(List.of(socket), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void socketBelongsToTheAdminGroupWithMode0660() throws IOException {
        String group = Files.readAllLines(Path.of("/etc/group")).stream()
                .map(line -> line.split(":")[0])
                .filter(name -> !name.isBlank() && !name.equals("root"))
                .findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(group != null, "needs a group other than root");
        servers.add(AdminServer.start(socket, Optional.of(group), statusHandler()));
        PosixFileAttributes attrs = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertEquals("rw-rw----", PosixFilePermissions.toString(attrs.permissions()));
        assertEquals(group, attrs.group().getName());
    }

    @Test
    void missingGroupFailsClearly() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> AdminServer.start(socket, Optional.of("no-such-group-vg"), statusHandler()));
        assertTrue(e.getMessage().contains("no-such-group-vg") && e.getMessage().contains("does not exist"), e.getMessage());
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void staleSocketIsReplaced() throws IOException {
        Files.createDirectories(socket.getParent());
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket)); // closing it leaves the file: a crashed daemon
        }
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
        start(statusHandler());
        try (LineClient client = new LineClient(socket)) {
            assertTrue(client.call(STATUS).ok());
        }
    }

    @Test
    void liveDaemonOnTheSocketMakesStartFail() throws IOException {
        AdminServer first = start(statusHandler());
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> start(statusHandler()));
        assertTrue(e.getMessage().contains("another vigild is already listening") && e.getMessage().contains(socket.toString()),
                e.getMessage());
        try (LineClient client = new LineClient(first.socketPath())) {
            assertTrue(client.call(STATUS).ok(), "the running daemon keeps its socket");
        }
    }

    @Test
    void nonSocketFileIsNotReplaced() throws IOException {
        Files.createDirectories(socket.getParent());
        Files.writeString(socket, "precious");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> start(statusHandler()));
        assertTrue(e.getMessage().contains("is not a socket"), e.getMessage());
        assertEquals("precious", Files.readString(socket));
    }

    @Test
    void tooLongPathIsRefusedWithTheLimit() {
        Path deep = dir.resolve("x".repeat(120) + ".sock");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AdminServer.start(deep, Optional.empty(), statusHandler()));
        assertTrue(e.getMessage().contains("too long"), e.getMessage());
    }

    @Test
    void argsReachTheHandler() throws IOException {
        CompletableFuture<AdminRequest> seen = new CompletableFuture<>();
        start(request -> {
            seen.complete(request);
            return CompletableFuture.completedFuture(AdminReply.success(VIEW));
        });
        try (LineClient client = new LineClient(socket)) {
            assertTrue(client.call("{\"version\":1,\"command\":\"status\",\"args\":{\"verbose\":true}}").ok());
        }
        assertEquals(true, seen.join().args().get("verbose"));
    }

    @Test
    void clientThatDisconnectsMidRequestDoesNotDisturbOthers() throws Exception {
        CompletableFuture<AdminReply> slow = new CompletableFuture<>();
        start(request -> handled.get() == 1 ? slow : CompletableFuture.completedFuture(AdminReply.success(VIEW)));
        try (SocketChannel gone = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            gone.write(java.nio.ByteBuffer.wrap((STATUS + "\n").getBytes()));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (handled.get() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
        slow.complete(AdminReply.success(VIEW)); // answer for a closed connection: dropped
        try (LineClient client = new LineClient(socket)) {
            assertTrue(client.call(STATUS).ok());
        }
    }
}
