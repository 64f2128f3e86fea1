package vigil.daemon.admin;

import java.util.concurrent.CompletableFuture;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;

/**
 * Answers admin requests. Called on the admin server's I/O thread, so it must return quickly: the
 * daemon hands the request to its loop thread and completes the future from there.
 *
 * <p>The server only passes requests that decoded cleanly, are in the current protocol version and
 * name a command from {@link vigil.protocol.admin.AdminCommand}. A handler that throws, returns
 * null, completes exceptionally or takes longer than the server's timeout (5 s) produces an
 * {@code INTERNAL} error reply; the connection stays usable.
 */
@FunctionalInterface
public interface AdminHandler {
    CompletableFuture<AdminReply> handle(AdminRequest request);
}
