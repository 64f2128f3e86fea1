package vigil.testkit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void interpolatesBetweenRanks() {
        Stats s = Stats.of(List.of(4.0, 1.0, 3.0, 2.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0));
        assertEquals(5.5, s.p50(), 1e-9);
        assertEquals(9.1, s.p90(), 1e-9);
        assertEquals(10.0, s.max());
        assertEquals(10, s.count());
    }

    @Test
    void singleValueAndEmpty() {
        assertEquals(1.7, Stats.of(List.of(1.7)).p90());
        assertTrue(Double.isNaN(Stats.of(List.of()).p50()));
        assertEquals(null, Stats.of(List.of()).toJson().get("p50"));
    }

    @Test
    void niceAxisCeiling() {
        assertEquals(2.5, Chart.niceCeiling(2.3));
        assertEquals(5.0, Chart.niceCeiling(2.6));
        assertEquals(50.0, Chart.niceCeiling(41));
    }
}
