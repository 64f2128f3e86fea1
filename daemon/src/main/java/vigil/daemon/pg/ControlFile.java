package vigil.daemon.pg;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Reads {@code global/pg_control} itself, for the layout it knows (pg_control version 1300: PostgreSQL 13 to 16),
 * and gives the same {@link ControlData} as {@code pg_controldata}. Why: pg_controldata as vigild runs it is four
 * programs ({@code runuser}, {@code sh}, {@code pg_controldata}, {@code grep}); on a host whose page cache does not
 * survive an idle spell they took 141–335 ms, and after a crash they ran beside PostgreSQL's restart on the same
 * two cores. Reading the 8 KB file takes microseconds.
 *
 * <p>Invariant: a value is returned only from a control file whose version is 1300, whose float-format marker and
 * maximum alignment are PostgreSQL's on this machine (written with its byte order and 8-byte alignment) and whose
 * CRC-32C matches. That is stricter than pg_controldata, which only warns of a CRC mismatch and prints the values
 * anyway. Anything else (another version, a torn read while PostgreSQL rewrites the file, a short or unreadable
 * file) gives empty, and the caller runs pg_controldata, which explains the file in its own words. So this reader
 * never says something pg_controldata would not.
 *
 * <p>PostgreSQL bumps {@code PG_CONTROL_VERSION} whenever the struct's layout changes, so the version pins every
 * offset below (src/include/catalog/pg_control.h; verified against pg_controldata on PostgreSQL 15 in each state, see
 * ControlFileTest).
 */
final class ControlFile {
    /** {@code PG_CONTROL_VERSION} of PostgreSQL 13, 14, 15 and 16. */
    static final int VERSION = 1300;
    /** {@code FLOATFORMAT_VALUE}: a double that reads back equal only with the writer's byte order and format. */
    static final double FLOAT_FORMAT = 1234567.0;

    // Offsets in ControlFileData, version 1300, 8-byte alignment.
    static final int SYSTEM_ID = 0;
    static final int CONTROL_VERSION = 8;
    static final int STATE = 16;
    static final int CHECKPOINT = 32;
    /** checkPointCopy starts at 40; its ThisTimeLineID follows its 8-byte redo pointer. */
    static final int CHECKPOINT_TIMELINE = 48;
    static final int MIN_RECOVERY_POINT = 136;
    static final int MIN_RECOVERY_TIMELINE = 144;
    /** {@code maxAlign}: 8 on the platforms whose layout the offsets here are. */
    static final int MAX_ALIGN_AT = 204;
    static final int FLOAT_FORMAT_AT = 208;
    /** The CRC-32C of every byte before it. */
    static final int CRC = 288;

    private ControlFile() {
    }

    /**
     * The control file of {@code dataDir}; empty when it cannot be read or is not in the layout this class knows
     * (then ask pg_controldata). A file of the known layout whose CRC does not match is read once more: PostgreSQL
     * rewrites the file in place with one write, and a read beside that write can see part of each.
     */
    static Optional<ControlData> read(Path dataDir) {
        Path file = dataDir.resolve("global").resolve("pg_control");
        for (int attempt = 0; attempt < 2; attempt++) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException | SecurityException e) {
                return Optional.empty();
            }
            Optional<ControlData> read = parse(bytes);
            if (read.isPresent() || !knownLayout(bytes)) {
                return read;
            }
        }
        return Optional.empty();
    }

    /** The contents of a control file, if they are version 1300 written on this machine's byte order, intact. */
    static Optional<ControlData> parse(byte[] bytes) {
        if (!knownLayout(bytes) || crcMismatch(bytes)) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        ControlData.ClusterState[] states = ControlData.ClusterState.values();
        int state = b.getInt(STATE);
        if (state < 0 || state >= states.length) {
            return Optional.empty();
        }
        return Optional.of(new ControlData(b.getLong(SYSTEM_ID), states[state], b.getLong(CHECKPOINT),
                Integer.toUnsignedLong(b.getInt(CHECKPOINT_TIMELINE)), b.getLong(MIN_RECOVERY_POINT),
                Integer.toUnsignedLong(b.getInt(MIN_RECOVERY_TIMELINE))));
    }

    /** Long enough, version 1300, this machine's byte order, float format and alignment: the offsets here apply. */
    private static boolean knownLayout(byte[] bytes) {
        if (bytes.length < CRC + 4) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        return b.getInt(CONTROL_VERSION) == VERSION && b.getDouble(FLOAT_FORMAT_AT) == FLOAT_FORMAT
                && b.getInt(MAX_ALIGN_AT) == 8;
    }

    private static boolean crcMismatch(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CRC);
        return (int) crc.getValue() != ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getInt(CRC);
    }
}
