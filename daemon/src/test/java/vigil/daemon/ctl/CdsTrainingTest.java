package vigil.daemon.ctl;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.api.Test;

/**
 * {@link CdsTraining}: the run that records vigilctl's class-data archive renders every read-only command's output
 * without failing; a failure there would end the training early and leave the classes after it out of the archive,
 * making every later call slower (bin/bench idle times each command).
 */
class CdsTrainingTest {
    @Test
    void theTrainingRunRendersEveryReadOnlyCommandWithoutFailing() {
        assertDoesNotThrow(CdsTraining::exercise);
    }
}
