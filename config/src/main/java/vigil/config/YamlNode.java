package vigil.config;

import com.fasterxml.jackson.core.JsonToken;
import java.util.List;
import java.util.Map;

/** A YAML document as a tree in which every node remembers where it was written. */
sealed interface YamlNode {
    Position at();

    /** A key of a mapping, with the position of the key itself (where "unknown setting" points). */
    record Entry(String key, Position keyAt, YamlNode value) {}

    /** Entries in file order; keys unique (duplicates are reported while reading). */
    record MapNode(Position at, Map<String, Entry> entries) implements YamlNode {}

    record ListNode(Position at, List<YamlNode> items) implements YamlNode {}

    /** A scalar exactly as YAML typed it: the token says whether it was a string, number, boolean or null. */
    record ScalarNode(Position at, JsonToken token, String text) implements YamlNode {
        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }

        /** How the value reads in a message, e.g. {@code the string "7800"} or {@code the number 150}. */
        String describe() {
            return switch (token) {
                case VALUE_STRING -> "the string \"" + text + "\"";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + text;
                case VALUE_TRUE, VALUE_FALSE -> "the boolean " + text;
                default -> "no value";
            };
        }
    }
}
