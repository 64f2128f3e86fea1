package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PostgresFilesTest {
    @Test
    void configValuesDoubleSingleQuotes() {
        assertEquals("'ANY 1 (n2)'", PostgresFiles.quote("ANY 1 (n2)"));
        assertEquals("'it''s'", PostgresFiles.quote("it's"));
    }

    @Test
    void conninfoValuesEscapeQuotesAndBackslashes() {
        assertEquals("'a\\'b\\\\c'", PostgresFiles.conninfoValue("a'b\\c"));
    }

    @Test
    void pgpassEscapesColonsAndBackslashes() {
        assertEquals("*:*:*:replicator:p\\:w\\\\d\n", PostgresFiles.pgpassLine("replicator", "p:w\\d"));
    }

    @Test
    void hbaAddressesAreSingleHosts() {
        assertEquals("10.232.1.11/32", PostgresFiles.hbaAddress("10.232.1.11"));
        assertEquals("fd00::11/128", PostgresFiles.hbaAddress("fd00::11"));
        assertEquals("db1.example.org", PostgresFiles.hbaAddress("db1.example.org"));
    }
}
