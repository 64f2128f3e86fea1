package vigil.daemon.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Shell scripts standing in for PostgreSQL's programs, so the driver's decisions (what it refuses, what it runs,
 * in which order, what it leaves on disk) can be tested without a server. A cluster is a directory with PG_VERSION
 * and a {@code fake-sysid} file (and optionally {@code fake-tli}); the "source" server's identity and replies are
 * files in the bin directory. Runs as the current user (no runuser).
 */
public final class FakeBin {
    final Path bin;
    public final Path data;
    public final Postgres pg;
    final List<CommandResult> commands = new CopyOnWriteArrayList<>();

    public FakeBin(Path root) {
        try {
            bin = Files.createDirectory(root.resolve("bin"));
            data = root.resolve("data");
            script("pg_controldata", """
                    d="$2"
                    [ -f "$d/fake-sysid" ] || { echo "pg_controldata: error: could not open file \\"$d/global/pg_control\\""; exit 1; }
                    tli=$(cat "$d/fake-tli" 2>/dev/null || echo 1)
                    echo "Database system identifier:           $(cat "$d/fake-sysid")"
                    echo "Database cluster state:               shut down"
                    echo "Latest checkpoint location:           0/3000060"
                    echo "Latest checkpoint's TimeLineID:       $tli"
                    echo "Minimum recovery ending location:     0/0"
                    echo "Min recovery ending loc's timeline:   0"
                    """);
            script("psql", """
                    for last; do :; done
                    case "$last" in
                      IDENTIFY_SYSTEM) echo "$(cat "$B/source-sysid")|$(cat "$B/source-tli" 2>/dev/null || echo 1)|0/3000148|postgres";;
                      TIMELINE_HISTORY*) printf '%s|' "$(printf %08X "${last#TIMELINE_HISTORY }").history"; cat "$B/source-history";;
                      *) echo "psql: unexpected $last"; exit 2;;
                    esac
                    """);
            script("pg_basebackup", """
                    d="$2"
                    touch "$B/basebackup-started"
                    [ -f "$B/basebackup-hangs" ] && exec sleep 60
                    [ -f "$B/basebackup-fails" ] && { cat "$B/basebackup-fails"; exit 1; }
                    echo 15 > "$d/PG_VERSION"; cp "$B/source-sysid" "$d/fake-sysid"; echo "# copied" > "$d/postgresql.conf"
                    touch "$d/standby.signal"
                    """);
            // the end of the WAL of any cluster: 0/3000100, found after the checkpoint pg_controldata names
            script("pg_waldump", """
                    echo "pg_waldump: error: error in WAL record at 0/3000060: invalid record length at 0/3000100: wanted 24, got 0"
                    exit 1
                    """);
            script("pg_rewind", """
                    cat "$B/rewind-output"; exit $(cat "$B/rewind-exit" 2>/dev/null || echo 0)
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String me = System.getProperty("user.name");
        PgSettings s = new PgSettings(bin, data, data, 5999, "127.0.0.1", root, me, "postgres", "replicator",
                Optional.empty(), "n1", Duration.ofMillis(500), List.of("127.0.0.1"));
        pg = new Postgres(s, commands::add);
    }

    private void script(String name, String body) throws IOException {
        Path p = bin.resolve(name);
        Files.writeString(p, "#!/bin/sh\nB='" + bin + "'\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    }

    /** Makes {@code dir} a fake cluster of system {@code sysid} on timeline {@code tli}. */
    public static void cluster(Path dir, String sysid, int tli) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("PG_VERSION"), "15\n");
            Files.writeString(dir.resolve("fake-sysid"), sysid + "\n");
            Files.writeString(dir.resolve("fake-tli"), tli + "\n");
            Files.writeString(dir.resolve("postgresql.conf"), "# local\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void set(String file, String content) {
        try {
            Files.writeString(bin.resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean exists(String binFile) {
        return Files.exists(bin.resolve(binFile));
    }

    /** The program names of the commands run so far (argv[0], or the name a {@code sh -c} wrapper gives). */
    public List<String> ran() {
        return commands.stream().filter(r -> !r.argv().isEmpty())
                .map(r -> r.argv().get(0).equals("sh") ? r.argv().get(3) : Path.of(r.argv().get(0)).getFileName().toString())
                .toList();
    }

    static CommandResult require(CommandResult r) {
        return PgFixture.require(r, String.join(" ", r.argv()));
    }
}
