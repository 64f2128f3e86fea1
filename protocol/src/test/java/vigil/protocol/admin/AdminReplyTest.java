package vigil.protocol.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminReplyTest {

    @Test
    void replyIsEitherSuccessOrFailure() {
        var result = JsonNodeFactory.instance.objectNode();
        var error = new AdminError(ErrorCode.INTERNAL, "x");
        assertThrows(IllegalArgumentException.class, () -> new AdminReply(1, true, null, null));
        assertThrows(IllegalArgumentException.class, () -> new AdminReply(1, true, result, error));
        assertThrows(IllegalArgumentException.class, () -> new AdminReply(1, false, null, null));
        assertThrows(IllegalArgumentException.class, () -> new AdminReply(1, false, result, error));
        assertThrows(IllegalArgumentException.class, () -> new AdminReply(1, true, JsonNodeFactory.instance.nullNode(), null));
    }

    @Test
    void decodedHoldsExactlyOneOutcome() {
        assertThrows(IllegalArgumentException.class, () -> new Decoded<>(null, null));
        assertThrows(IllegalArgumentException.class, () -> new Decoded<>("v", new AdminError(ErrorCode.INTERNAL, "x")));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Decoded.invalid(ErrorCode.FORBIDDEN, "not in group vigil").orThrow());
        assertTrue(e.getMessage().contains("FORBIDDEN"));
    }

    @Test
    void knownCommandsAreLookedUpByWireName() {
        assertEquals(Optional.of(AdminCommand.STATUS), AdminCommand.fromWireName("status"));
        assertEquals(Optional.empty(), AdminCommand.fromWireName("STATUS"));
        assertEquals(Optional.empty(), AdminCommand.fromWireName("reboot"));
    }
}
