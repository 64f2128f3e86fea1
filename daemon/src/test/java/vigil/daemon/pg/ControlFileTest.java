package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vigil.daemon.pg.ControlData.ClusterState;

/**
 * {@link ControlFile} against control files captured from PostgreSQL 15 (src/test/resources/vigil/daemon/pg/pgcontrol:
 * each {@code .bin} is a copy of {@code global/pg_control}, its {@code .txt} what pg_controldata printed for that
 * copy), and against damaged or foreign files, which must give empty so that pg_controldata is run instead.
 */
class ControlFileTest {
    static byte[] golden(String name) {
        try (InputStream in = ControlFileTest.class.getResourceAsStream("pgcontrol/" + name + ".bin")) {
            if (in == null) {
                throw new IllegalStateException("no test resource pgcontrol/" + name + ".bin");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"primary-running", "primary-crashed", "standby-running", "standby-stopped", "promoted-tl2",
            "primary-tl2-stopped"})
    void readsWhatPgControldataPrinted(String name) {
        ControlData printed = ControlData.parse(ControlDataTest.resource("pgcontrol/" + name + ".txt"));
        assertEquals(Optional.of(printed), ControlFile.parse(golden(name)));
    }

    @Test
    void theGoldenFilesCoverEveryFieldItReads() {
        ControlData standby = ControlFile.parse(golden("standby-stopped")).orElseThrow();
        assertEquals(ClusterState.SHUT_DOWN_IN_RECOVERY, standby.state());
        assertEquals(Lsn.parse("0/3620220"), standby.minRecoveryEndLsn());
        assertEquals(1, standby.minRecoveryEndTimeline());
        ControlData promoted = ControlFile.parse(golden("primary-tl2-stopped")).orElseThrow();
        assertEquals(ClusterState.SHUT_DOWN, promoted.state());
        assertEquals(2, promoted.checkpointTimeline());
        assertEquals(Lsn.parse("0/36203B0"), promoted.checkpointLsn());
        assertEquals("7715525401598969204", Long.toUnsignedString(promoted.systemId()));
    }

    @Test
    void aDamagedFileIsLeftToPgControldata() {
        byte[] b = golden("standby-running");
        b[ControlFile.MIN_RECOVERY_POINT] ^= 0x10; // a torn or corrupted read: the CRC no longer matches
        assertEquals(Optional.empty(), ControlFile.parse(b));
    }

    @Test
    void anotherLayoutIsLeftToPgControldata() {
        byte[] v17 = golden("primary-running");
        ByteBuffer.wrap(v17).order(ByteOrder.nativeOrder()).putInt(ControlFile.CONTROL_VERSION, 1700);
        assertEquals(Optional.empty(), ControlFile.parse(withCrc(v17)), "PostgreSQL 17's layout is not read");
        byte[] otherFloats = golden("primary-running");
        ByteBuffer.wrap(otherFloats).order(ByteOrder.nativeOrder()).putDouble(ControlFile.FLOAT_FORMAT_AT, 1.0);
        assertEquals(Optional.empty(), ControlFile.parse(withCrc(otherFloats)),
                "written with another byte order or float format");
        byte[] otherAlignment = golden("primary-running");
        ByteBuffer.wrap(otherAlignment).order(ByteOrder.nativeOrder()).putInt(ControlFile.MAX_ALIGN_AT, 4);
        assertEquals(Optional.empty(), ControlFile.parse(withCrc(otherAlignment)), "another alignment, other offsets");
        assertEquals(Optional.empty(), ControlFile.parse(Arrays.copyOf(golden("primary-running"), ControlFile.CRC)));
    }

    @Test
    void theStateIsPostgresqlsNumber() {
        // DBState in src/include/catalog/pg_control.h
        assertEquals(ClusterState.STARTING_UP, withState(0).orElseThrow().state());
        assertEquals(ClusterState.SHUTTING_DOWN, withState(3).orElseThrow().state());
        assertEquals(ClusterState.IN_CRASH_RECOVERY, withState(4).orElseThrow().state());
        assertEquals(ClusterState.IN_ARCHIVE_RECOVERY, withState(5).orElseThrow().state());
        assertEquals(Optional.empty(), withState(7), "a state PostgreSQL 15 does not have");
        assertEquals(Optional.empty(), withState(-1));
    }

    @Test
    void readsTheDataDirectorysFile(@TempDir Path dir) throws IOException {
        assertEquals(Optional.empty(), ControlFile.read(dir), "no control file");
        Files.createDirectories(dir.resolve("global"));
        Files.write(dir.resolve("global/pg_control"), golden("standby-running"));
        ControlData read = ControlFile.read(dir).orElseThrow();
        assertEquals(ClusterState.IN_ARCHIVE_RECOVERY, read.state());
        assertTrue(read.minRecoveryEndLsn() > read.checkpointLsn(), read.toString());
    }

    private static Optional<ControlData> withState(int state) {
        byte[] b = golden("primary-running");
        ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(ControlFile.STATE, state);
        return ControlFile.parse(withCrc(b));
    }

    private static byte[] withCrc(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, ControlFile.CRC);
        ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(ControlFile.CRC, (int) crc.getValue());
        return b;
    }
}
