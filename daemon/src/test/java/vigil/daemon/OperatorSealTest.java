package vigil.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.peer.OperatorFrame;
import vigil.protocol.peer.PeerCodec;

/** The datagram copy of an operator frame is encrypted under the cluster key and opens only under it, untouched. */
class OperatorSealTest {
    private final PeerCodec codec = new PeerCodec(ForwardingTest.HASH, ForwardingTest.KEY);
    private final byte[] answer = codec.encode(new OperatorFrame(42, true, AdminCodec.encodeReply(AdminReply.success(
            Map.of("entries", "argv=/usr/local/bin/hook --token s3cr3t output=done")))));

    @Test
    void aSealedFrameOpensUnderTheSameKeyOnly() {
        OperatorSeal seal = new OperatorSeal(ForwardingTest.KEY);
        byte[] sealed = seal.seal(answer);
        assertTrue(OperatorSeal.sealed(sealed));
        assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains("s3cr3t"), "nothing of it in clear");
        assertArrayEquals(answer, seal.open(sealed));
        assertArrayEquals(answer, new OperatorSeal(ForwardingTest.KEY.clone()).open(sealed), "another node, same key");
        assertNull(new OperatorSeal("another cluster's key, 32 bytes!".getBytes(StandardCharsets.UTF_8)).open(sealed));
        assertFalse(java.util.Arrays.equals(sealed, seal.seal(answer)), "a fresh nonce each time");
    }

    @Test
    void aTamperedTruncatedOrClearFrameDoesNotOpen() {
        OperatorSeal seal = new OperatorSeal(ForwardingTest.KEY);
        byte[] sealed = seal.seal(answer);
        byte[] tampered = sealed.clone();
        tampered[tampered.length / 2] ^= 1;
        assertNull(seal.open(tampered));
        assertNull(seal.open(java.util.Arrays.copyOf(sealed, 20)));
        assertNull(seal.open(answer), "in clear, while the cluster has a key");
        assertFalse(OperatorSeal.sealed(answer), "a PeerCodec frame is never taken for a sealed one");
        assertFalse(PeerCodec.WIRE_VERSION == (OperatorSeal.MARK & 0xff), "every PeerCodec frame begins with its version");
    }

    /** An insecure cluster (no key) sends the frame as it is, as its JGroups traffic goes in clear too. */
    @Test
    void withoutAKeyFramesGoAsTheyAre() {
        OperatorSeal none = new OperatorSeal(null);
        assertArrayEquals(answer, none.seal(answer));
        assertArrayEquals(answer, none.open(answer));
        assertNull(none.open("heartbeat".getBytes(StandardCharsets.UTF_8)), "not an operator frame");
    }
}
