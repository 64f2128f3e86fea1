package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LsnTest {
    @Test
    void parsesBothHalves() {
        assertEquals(0x3000148L, Lsn.parse("0/3000148"));
        assertEquals(0x16B374D848L, Lsn.parse("16/B374D848"));
        assertEquals(0xFFFFFFFFL << 32 | 0xFFFFFFFFL, Lsn.parse("FFFFFFFF/FFFFFFFF"));
        assertEquals(0xABL << 32, Lsn.parse("ab/0"));
    }

    @Test
    void nullIsZero() {
        assertEquals(0, Lsn.parse(null));
        assertEquals(0, Lsn.parse("0/0"));
    }

    @Test
    void formatIsTheInverse() {
        for (String text : new String[] {"0/0", "0/3000148", "16/B374D848", "1/0"}) {
            assertEquals(text, Lsn.format(Lsn.parse(text)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "3000148", "0/", "/1", "0/1/2", "G/0", "123456789/0", " 0/1", "0x0/1"})
    void rejectsNonLsnText(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lsn.parse(text));
        assertEquals("not a PostgreSQL LSN: \"" + text + "\" (expected hex X/Y such as 0/3000148)", e.getMessage());
    }
}
