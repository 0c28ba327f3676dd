package io.branchline.testing;

import io.branchline.core.spi.Setting;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks a module's setting declarations against the README's configuration tables (both ways, defaults and
 * meanings included) and against the keys its sources mention, and derives malformed values from each declaration.
 * The routing and telemetry modules' tests use it from this module's test jar.
 */
public final class SettingsContract {
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `(branchline\\.[^`]+)` \\| (.+?) \\| (.+?) \\| (.+) \\|$");

    private SettingsContract() {
    }

    /** README rows: property -> [environment column, default column, meaning column], for the properties accepted. */
    public static Map<String, String[]> readmeRows(Predicate<String> property) throws IOException {
        Map<String, String[]> rows = new LinkedHashMap<>();
        Matcher m = ROW.matcher(Files.readString(Path.of("..", "README.md")));
        while (m.find()) {
            if (property.test(m.group(1))) {
                String[] cells = {m.group(2).trim(), m.group(3).trim(), m.group(4).trim().replace("\\|", "|")};
                assertTrue(rows.put(m.group(1), cells) == null, "README lists " + m.group(1) + " twice");
            }
        }
        return rows;
    }

    /** The README's table and the declarations agree both ways, with the same names, defaults and meanings. */
    public static void assertReadmeMatches(List<Setting<?>> declared, Predicate<String> property) throws IOException {
        Map<String, String[]> rows = readmeRows(property);
        Set<String> names = new TreeSet<>();
        for (Setting<?> s : declared) {
            names.add(s.name());
            String[] row = rows.get(s.name());
            assertTrue(row != null, "the README's configuration tables lack " + s.name() + ", which the code declares");
            assertEquals(s.environmentName() == null ? "—" : "`" + s.environmentName() + "`", row[0],
                "environment variable of " + s.name());
            assertEquals(s.defaultText(), row[1], "README default of " + s.name() + " differs from the code's");
            assertEquals(s.meaning() + (s.isSecret() ? " (secret: never logged)" : ""), row[2], "meaning of " + s.name());
        }
        for (String documented : rows.keySet()) {
            assertTrue(names.contains(documented), "the README documents " + documented + ", which no declaration has");
        }
    }

    /** Every {@code static final Setting} field of the class is in the list the module declares. */
    public static void assertAllFieldsDeclared(Class<?> settingsClass, List<Setting<?>> declared) throws IllegalAccessException {
        for (Field f : settingsClass.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == Setting.class) {
                f.setAccessible(true);
                assertTrue(declared.contains(f.get(null)), settingsClass.getSimpleName() + "." + f.getName()
                    + " is read but missing from the declarations");
            }
        }
    }

    /** Every {@code branchline.*} key the module's sources name is declared (or a declared per-region instance). */
    public static void assertSourcesNameDeclaredKeysOnly(Path sources, List<Setting<?>> declared, Set<String> notSettings)
        throws IOException {
        Pattern key = Pattern.compile("(?<![\\w.])branchline\\.[a-z][a-z0-9.<>-]*[a-z0-9>]");
        Pattern instance = Pattern.compile("^branchline\\.region\\.[a-z0-9_-]+\\.");
        List<String> undeclared = new ArrayList<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = key.matcher(Files.readString(f));
                while (m.find()) {
                    String k = m.group();
                    boolean ok = notSettings.contains(k) || declared.stream().anyMatch(s -> s.name().equals(k)
                        || s.name().startsWith(k + ".") || s.isPerRegion() && s.regionOf(k) != null);
                    if (!ok && !instance.matcher(k).find()) {
                        undeclared.add(f.getFileName() + ": " + k);
                    }
                }
            }
        }
        assertTrue(undeclared.isEmpty(), "keys named in the code but not declared: " + undeclared);
    }

    /** Malformed values of a setting, derived from its kind and bounds, plus the given ones. */
    public static List<String> malformed(Setting<?> s, Map<String, List<String>> more) {
        List<String> v = new ArrayList<>(more.getOrDefault(s.name(), List.of()));
        switch (s.kind()) {
            case DURATION: {
                Duration min = (Duration) s.minimum();
                Duration max = (Duration) s.maximum();
                v.addAll(List.of("soon", "10", "-5s", "999999999h", "99999999999999999999ms", "PT999999999999999H",
                    (max.toMillis() + 1) + "ms"));
                if (min.compareTo(Duration.ofMillis(1)) >= 0) {
                    v.add("0s");
                }
                if (min.toMillis() > 1) {
                    v.add((min.toMillis() - 1) + "ms");
                }
                break;
            }
            case INTEGER: {
                int min = (Integer) s.minimum();
                int max = (Integer) s.maximum();
                v.addAll(List.of("many", "1.5", "99999999999"));
                if (min > Integer.MIN_VALUE) {
                    v.add(Integer.toString(min - 1));
                }
                if (max < Integer.MAX_VALUE) {
                    v.add(Integer.toString(max + 1));
                }
                break;
            }
            case DECIMAL:
                v.addAll(List.of("lots", "NaN", Double.toString((Double) s.maximum() + 1), Double.toString((Double) s.minimum() - 1)));
                break;
            case BOOLEAN:
                v.addAll(List.of("maybe", "2", "ture"));
                break;
            case SIZE: {
                long min = (Long) s.minimum();
                v.addAll(List.of("lots", "999999999999GiB", "99999999999999999999", "-1", "12XB",
                    Long.toString((Long) s.maximum() + 1)));
                if (min > 1) {
                    v.add(Long.toString(min - 1));
                }
                break;
            }
            case CHOICE:
                v.addAll(List.of("FOO", s.choices().get(0) + "x"));
                break;
            case PATH:
                v.add("bad\u0000path");
                break;
            default:
                v.add("line\r\nbreak");
                break;
        }
        return v;
    }

    /** The message of a rejected value names the setting and, unless secret, shows the value. */
    public static void assertNames(String message, Setting<?> s, String name, String value) {
        assertTrue(message.contains(name), "names " + name + ": " + message);
        if (s.isSecret()) {
            assertFalse(message.contains(value), "hides the secret value: " + message);
        } else if (!value.contains("@") && !value.contains("code=") && !value.chars().anyMatch(Character::isISOControl)) {
            assertTrue(message.contains(value.trim()), "shows the value: " + message);
        }
    }
}
