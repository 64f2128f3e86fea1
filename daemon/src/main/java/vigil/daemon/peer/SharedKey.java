package vigil.daemon.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Reads the cluster's shared AES key file: one line of standard base64 encoding 16, 24 or 32 random bytes.
 * Anything else is refused with a message naming the file and how to generate a good one, because a
 * mistyped key would otherwise show up only as "the nodes never see each other".
 */
public final class SharedKey {
    static final String HOW_TO_GENERATE = "generate one with: head -c 32 /dev/urandom | base64 > FILE";
    private static final int MAX_FILE_BYTES = 4096;

    private SharedKey() {
    }

    static byte[] read(Path file) throws PeerChannelException {
        byte[] raw;
        try {
            if (Files.size(file) > MAX_FILE_BYTES)
                throw new PeerChannelException("key file " + file + ": too large (" + Files.size(file)
                        + " bytes); expected one line of base64; " + HOW_TO_GENERATE);
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PeerChannelException("key file " + file + ": does not exist; " + HOW_TO_GENERATE, e);
        } catch (IOException e) {
            throw new PeerChannelException("key file " + file + ": cannot be read: " + e, e);
        }
        String text = new String(raw, StandardCharsets.US_ASCII).strip();
        if (text.isEmpty())
            throw new PeerChannelException("key file " + file + ": is empty; " + HOW_TO_GENERATE);
        if (text.contains("\n") || text.contains("\r"))
            throw new PeerChannelException("key file " + file + ": must contain exactly one line of base64; "
                    + HOW_TO_GENERATE);
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new PeerChannelException("key file " + file + ": not valid base64 (" + e.getMessage() + "); "
                    + HOW_TO_GENERATE, e);
        }
        if (key.length != 16 && key.length != 24 && key.length != 32)
            throw new PeerChannelException("key file " + file + ": decodes to " + key.length
                    + " bytes, but an AES key must be 16, 24 or 32 bytes; " + HOW_TO_GENERATE);
        return key;
    }

    /**
     * A key for one use alone, derived from the cluster key (HMAC-SHA256 of {@code purpose} under it): what one use
     * reveals or suffers never touches another's, nor JGroups' own use of the cluster key.
     */
    public static javax.crypto.spec.SecretKeySpec derive(byte[] clusterKey, String purpose, String algorithm) {
        try {
            javax.crypto.Mac m = javax.crypto.Mac.getInstance("HmacSHA256");
            m.init(new javax.crypto.spec.SecretKeySpec(clusterKey, "HmacSHA256"));
            return new javax.crypto.spec.SecretKeySpec(m.doFinal(purpose.getBytes(StandardCharsets.UTF_8)), algorithm);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
