package vigil.daemon;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import vigil.protocol.peer.PeerCodec;

/**
 * Encrypts the datagram copy of a forwarded operator request or answer ({@link Forwarding}): AES-256-GCM, a fresh
 * random 12-byte nonce per datagram, under a key derived from the cluster key apart from every other use of it. What
 * JGroups carries encrypted (SYM_ENCRYPT) must not cross the network in clear by the other path: a {@code status} or
 * {@code history} answer holds logged command lines and their output. The datagram path authenticates each datagram
 * already (sender, receiver, frame); the GCM tag adds nothing there but is checked all the same.
 *
 * <p>Without a cluster key (an insecure cluster, whose JGroups traffic is clear too) frames go as they are. With one, a
 * clear operator frame by datagram is refused: nothing the other path encrypts is taken in clear.
 *
 * <pre>sealed = 0xE5 nonce:12 ciphertext-with-tag</pre>
 * The first byte is no {@link PeerCodec} wire version, so a sealed datagram is never read as an election frame.
 */
final class OperatorSeal {
    static final byte MARK = (byte) 0xE5;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Null without a cluster key. */
    private final SecretKeySpec key;

    /** @param clusterKey the cluster's shared key, or null for an insecure cluster */
    OperatorSeal(byte[] clusterKey) {
        this.key = clusterKey == null ? null : derive(clusterKey);
    }

    /** Whether {@code datagram} claims to be sealed (its first byte); {@link #open} says whether it is. */
    static boolean sealed(byte[] datagram) {
        return datagram.length > 0 && datagram[0] == MARK;
    }

    /** {@code frame} as it goes by datagram: sealed under the cluster key, or as it is without one. */
    byte[] seal(byte[] frame) {
        if (key == null) return frame;
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            byte[] sealed = c.doFinal(frame);
            byte[] out = new byte[1 + NONCE_BYTES + sealed.length];
            out[0] = MARK;
            System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, 1 + NONCE_BYTES, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM unavailable", e);
        }
    }

    /**
     * The operator frame inside {@code datagram}; null when it is none: not sealed under this key (tampered, another
     * cluster's, or in clear while this cluster has a key), or, without a key, not an operator frame.
     */
    byte[] open(byte[] datagram) {
        if (key == null) return PeerCodec.carriesOperator(datagram) ? datagram : null;
        if (!sealed(datagram) || datagram.length < 1 + NONCE_BYTES + TAG_BITS / 8) return null;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, datagram, 1, NONCE_BYTES));
            return c.doFinal(datagram, 1 + NONCE_BYTES, datagram.length - 1 - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    private static SecretKeySpec derive(byte[] clusterKey) {
        return vigil.daemon.peer.SharedKey.derive(clusterKey, "vigil operator datagram encryption v1", "AES");
    }
}
