package vigil.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Streams YAML text into a {@link YamlNode} tree, recording each token's position.
 * Syntax errors end reading (the rest of the file cannot be trusted); duplicate keys and aliases are
 * reported and reading goes on, so they appear together with the semantic problems found later.
 */
final class YamlReader {
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private final Problems problems;
    private JsonParser parser;

    private YamlReader(Problems problems) {
        this.problems = problems;
    }

    /** The first document's root, or empty if the text is empty or not valid YAML (both reported). */
    static Optional<YamlNode> read(String text, Problems problems) {
        return new YamlReader(problems).readDocument(text);
    }

    @SuppressWarnings("deprecation") // Jackson's MarkedYAMLException is the only carrier of the exact error mark
    private Optional<YamlNode> readDocument(String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            parser = p;
            JsonToken first = p.nextToken();
            if (first == null) {
                problems.error("", Position.START, "the file is empty (or only comments) — "
                        + "write at least a \"cluster:\" section; see docs/configuration.md for an example");
                return Optional.empty();
            }
            YamlNode root = readValue(first, "");
            if (p.nextToken() != null) {
                problems.error("", position(), "a second YAML document starts here — "
                        + "put the whole configuration in one document (remove the \"---\" separator)");
            }
            return Optional.of(root);
        } catch (com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.MarkedYAMLException e) {
            reportSyntax(e);
            return Optional.empty();
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            Position at = l == null ? Position.START : new Position(Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
            problems.error("", at, "invalid YAML: " + e.getOriginalMessage() + " — fix the syntax at this position");
            return Optional.empty();
        } catch (IOException e) {
            problems.error("", Position.NONE, "cannot read the file: " + e.getMessage());
            return Optional.empty();
        }
    }

    @SuppressWarnings("deprecation")
    private void reportSyntax(com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.MarkedYAMLException e) {
        var mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        Position at = mark == null ? Position.START : new Position(mark.getLine() + 1, mark.getColumn() + 1);
        String what = e.getProblem() != null ? e.getProblem() : e.getOriginalMessage();
        String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
        problems.error("", at, "invalid YAML: " + oneLine(what) + context
                + " — fix the syntax here (indent with spaces, quote values containing \": \" or \"#\")");
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }

    private Position position() {
        JsonLocation l = parser.currentTokenLocation();
        return new Position(l.getLineNr(), l.getColumnNr());
    }

    private YamlNode readValue(JsonToken token, String path) throws IOException {
        Position at = position();
        switch (token) {
            case START_OBJECT:
                return readMap(at, path);
            case START_ARRAY:
                List<YamlNode> items = new ArrayList<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    items.add(readValue(t, path + "[" + items.size() + "]"));
                }
                return new YamlNode.ListNode(at, List.copyOf(items));
            default:
                if (parser instanceof YAMLParser y && y.isCurrentAlias()) {
                    problems.error(path, at, "YAML alias *" + parser.getText()
                            + " is not supported — write the value out in full");
                    return new YamlNode.ScalarNode(at, JsonToken.VALUE_NULL, "");
                }
                return new YamlNode.ScalarNode(at, token, parser.getText());
        }
    }

    private YamlNode readMap(Position at, String path) throws IOException {
        Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
            String key = parser.currentName();
            Position keyAt = position();
            String childPath = path.isEmpty() ? key : path + "." + key;
            YamlNode value = readValue(parser.nextToken(), childPath);
            YamlNode.Entry previous = entries.get(key);
            if (previous != null) {
                problems.error(childPath, keyAt, "duplicate key \"" + key + "\" (first at line "
                        + previous.keyAt().line() + ") — keep only one of them");
                continue;
            }
            entries.put(key, new YamlNode.Entry(key, keyAt, value));
        }
        return new YamlNode.MapNode(at, entries);
    }
}
