package vigil.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects every problem of one file so they can all be reported together, in file order. */
final class Problems {
    private final String file;
    private final List<Problem> list = new ArrayList<>();

    Problems(String file) {
        this.file = file;
    }

    void error(String path, Position at, String message) {
        add(Problem.Severity.ERROR, path, at, message);
    }

    void warning(String path, Position at, String message) {
        add(Problem.Severity.WARNING, path, at, message);
    }

    private void add(Problem.Severity severity, String path, Position at, String message) {
        list.add(new Problem(severity, file, at.line(), at.column(), path, message));
    }

    boolean hasErrors() {
        return list.stream().anyMatch(p -> p.severity() == Problem.Severity.ERROR);
    }

    /** Sorted by line then column (stable, so problems at one spot keep the order they were found in). */
    List<Problem> sorted() {
        List<Problem> out = new ArrayList<>(list);
        out.sort(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
        return out;
    }
}
