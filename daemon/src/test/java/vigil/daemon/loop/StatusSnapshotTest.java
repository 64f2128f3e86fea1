package vigil.daemon.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import vigil.core.election.Durable;
import vigil.core.election.Electorate;
import vigil.core.election.Voter;
import vigil.core.ha.HaDurable;
import vigil.core.node.NodeConfig;
import vigil.core.node.NodeState;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.StatusView;

/** {@link StatusSnapshot}: why each data node is not a candidate, as this node knows it. */
class StatusSnapshotTest {
    @Test
    void eachDataNodeSaysWhyItIsNotACandidateTheWitnessNothing() {
        List<Voter> voters = List.of(Voter.data("n1"), Voter.data("n2"), Voter.witness("w1"));
        NodeConfig config = new NodeConfig(new Electorate("n1", voters, NodeLoopSupervisionTest.TIMING),
                NodeLoopSupervisionTest.POLICY, null, null);
        NodeState booted = NodeState.boot(config, Durable.INITIAL, HaDurable.INITIAL, 1_000, "b");
        StatusView s = StatusSnapshot.of(booted, config, "test", Set.of(), 1_000, null);
        // its own reason from its supervisor's rule: nothing probed yet, no primary recorded
        assertEquals("no primary recorded yet, and PostgreSQL is not probed yet", row(s, "n1").postgres().notCandidate());
        assertEquals("not reachable from here", row(s, "n2").postgres().notCandidate());
        assertEquals(null, row(s, "w1").postgres(), "a witness has no PostgreSQL row");
    }

    private static NodeStatusView row(StatusView s, String node) {
        return s.nodes().stream().filter(n -> n.name().equals(node)).findFirst().orElseThrow();
    }
}
