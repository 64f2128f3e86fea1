package vigil.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeStatusTest {
    private static final String STATUS = "{\"version\":1,\"node\":\"n1\",\"cluster\":\"maas\",\"role\":\"leader\","
            + "\"term\":7,\"leader\":\"n1\",\"lease_remaining_ms\":1312,\"quorum\":true,\"voters\":3,"
            + "\"reachable_voters\":2,\"nodes\":[{\"name\":\"n1\",\"kind\":\"data\",\"role\":\"leader\","
            + "\"reachable\":true,\"self\":true},{\"name\":\"n3\",\"kind\":\"data\",\"role\":\"unknown\","
            + "\"reachable\":false,\"self\":false}]}";

    @Test
    void parsesTheContractExample() {
        NodeStatus s = NodeStatus.parse(STATUS);
        assertEquals("n1", s.node());
        assertEquals(7, s.term());
        assertEquals(Optional.of("n1"), s.leader());
        assertTrue(s.isLeaderWithLease());
        assertEquals(2, s.reachableVoters());
        assertFalse(s.nodes().get(1).reachable());
    }

    @Test
    void unwrapsAnAdminReplyAndReadsNullLeader() {
        NodeStatus s = NodeStatus.parse("{\"version\":1,\"ok\":true,\"result\":"
                + STATUS.replace("\"leader\":\"n1\"", "\"leader\":null").replace("\"role\":\"leader\",\"term\"",
                        "\"role\":\"follower\",\"term\"") + "}");
        assertEquals(Optional.empty(), s.leader());
        assertFalse(s.isLeaderWithLease());
    }

    @Test
    void rejectsErrorsAndNonJson() {
        assertThrows(RigException.class, () -> NodeStatus.parse("{\"version\":1,\"ok\":false,\"result\":{},"
                + "\"error\":{\"code\":\"INTERNAL\",\"message\":\"x\"}}"));
        assertThrows(RigException.class, () -> NodeStatus.parse("vigilctl: cannot reach socket"));
    }
}
