package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static vigil.config.ConfigFixture.dump;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceDocTest {

    @Test
    void checkedInReferenceMatchesTheDeclarations() throws Exception {
        Path doc = ReferenceDoc.checkedInPath();
        String expected = ReferenceDoc.render();
        String actual = Files.exists(doc) ? Files.readString(doc, StandardCharsets.UTF_8) : "";
        if (!expected.equals(actual)) {
            fail(doc + " is out of date with the setting declarations in Schema.java — regenerate it at the "
                    + "repository root with: " + ReferenceDoc.REGENERATE + " and commit the result");
        }
    }

    @Test
    void everySettingIsDocumented() {
        String md = ReferenceDoc.render();
        for (Setting s : Schema.SETTINGS) {
            assertTrue(!s.doc.isBlank(), s.path + " has no doc text");
            assertTrue(md.contains("### `" + s.path + "`"), s.path);
        }
    }

    @Test
    void exampleInTheReferenceIsAValidConfig(@TempDir Path dir) throws Exception {
        ConfigFixture fx = new ConfigFixture(dir);
        String example = ReferenceDoc.EXAMPLE
                .replace("/etc/vigil/cluster.key", fx.keyFile.toString())
                .replace("/var/lib/vigil", dir.resolve("state").toString());
        LoadResult r = fx.load(example);
        assertTrue(r.ok(), dump(r));
        assertEquals(0, r.problems().size(), dump(r));
        assertEquals(3, r.config().orElseThrow().voters().size());
    }

    @Test
    void generatorWritesTheRenderedText(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("docs/configuration.md");
        ReferenceDoc.main(new String[] {out.toString()});
        assertEquals(ReferenceDoc.render(), Files.readString(out));
    }
}
