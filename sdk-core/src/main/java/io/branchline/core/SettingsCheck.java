package io.branchline.core;

import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.spi.ClientExtension;
import io.branchline.core.spi.Setting;
import io.branchline.core.spi.SettingSource;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks a whole settings source when a client is built: every declared setting present is parsed and validated
 * (core's and those of the modules on the class path), names no declaration knows are reported with the closest
 * known one, a setting whose module is absent fails naming the artifact to add, and settings that have no effect
 * without another (orphans) are reported. Unknown names and orphans are warnings, or errors with
 * {@code branchline.strict-settings=true}.
 */
final class SettingsCheck {
    private static final ClientLogger LOGGER = new ClientLogger(SettingsCheck.class);

    /** The modules whose settings core knows by prefix, so that it can name the artifact when one is absent. */
    static final Map<String, String> MODULES = Map.of(
        "branchline.routing.", "io.branchline:branchline-routing",
        "branchline.control.", "io.branchline:branchline-routing",
        "branchline.telemetry.", "io.branchline:branchline-telemetry");

    private SettingsCheck() {
    }

    /**
     * Runs every check.
     *
     * @param source the settings
     * @param extensions the modules present
     * @param regions the client's region names (per-region settings are known for these only)
     * @return the warnings logged (errors are thrown)
     */
    static List<String> check(SettingSource source, List<ClientExtension> extensions, Collection<String> regions) {
        List<Setting<?>> declared = new ArrayList<>(Settings.DEFS);
        for (ClientExtension e : extensions) {
            declared.addAll(e.settings());
        }
        List<String> invalid = new ArrayList<>();
        for (Setting<?> s : declared) {
            if (s.isPerRegion()) {
                for (String r : regions) {
                    validate(source, s, r, invalid);
                }
            } else {
                validate(source, s, null, invalid);
            }
        }
        if (invalid.size() == 1) {
            throw new IllegalArgumentException(invalid.get(0));
        }
        if (!invalid.isEmpty()) {
            throw new IllegalArgumentException(invalid.size() + " settings are invalid: " + String.join("; ", invalid));
        }

        List<String> missingModule = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, Setting<?>> known = known(source, declared, regions);
        for (String name : source.names()) {
            if (known.containsKey(name)) {
                continue;
            }
            String artifact = absentModule(source, name, extensions);
            if (artifact != null) {
                missingModule.add("Setting " + name + " is read by " + artifact + ", which is not on the class path: add"
                    + " the dependency " + artifact + " (its version comes with io.branchline:branchline-bom), or remove"
                    + " the setting");
                continue;
            }
            String closest = closest(name, known.keySet());
            problems.add("Unknown setting " + name + " in the " + source.sourceName()
                + (closest != null ? ": did you mean " + closest + "?" : ": no Branchline setting has this name (see the"
                + " README's configuration reference)"));
        }
        if (!missingModule.isEmpty()) {
            throw new IllegalStateException(String.join("; ", missingModule));
        }
        for (Setting<?> s : declared) {
            Setting<?> parent = s.requires();
            if (parent == null) {
                continue;
            }
            List<String> instances = new ArrayList<>();
            if (s.isPerRegion()) {
                for (String r : regions) {
                    if (source.isSet(s, r)) {
                        instances.add(r);
                    }
                }
            } else if (source.isSet(s)) {
                instances.add(null);
            }
            String parentValue = parent.isPerRegion() ? null : source.raw(parent, null);
            boolean matters = parentValue != null
                && (s.requiresValues().isEmpty() || s.requiresValues().contains(parentValue.toLowerCase(Locale.ROOT)));
            if (!matters) {
                for (String r : instances) {
                    problems.add("Setting " + source.label(s, r) + " has no effect without " + source.label(parent, null)
                        + (s.requiresValues().isEmpty() ? "" : " set to " + String.join(" or ", s.requiresValues()))
                        + (parentValue == null ? ", which is not set" : "")
                        + ": set it, or remove " + (r == null ? s.name() : s.nameFor(r)));
                }
            }
        }
        if (!problems.isEmpty() && Boolean.TRUE.equals(source.get(Settings.STRICT))) {
            throw new IllegalStateException(String.join("; ", problems) + " (" + source.label(Settings.STRICT, null)
                + " is true; set it to false to only warn)");
        }
        for (String p : problems) {
            LOGGER.warning(p);
        }
        return problems;
    }

    private static void validate(SettingSource source, Setting<?> s, String region, List<String> invalid) {
        try {
            source.get(s, region);
        } catch (IllegalArgumentException e) {
            invalid.add(e.getMessage());
        }
    }

    /** Every name the source may hold, as it would spell it, mapped to its declaration. */
    private static Map<String, Setting<?>> known(SettingSource source, List<Setting<?>> declared, Collection<String> regions) {
        Map<String, Setting<?>> out = new LinkedHashMap<>();
        for (Setting<?> s : declared) {
            if (s.isPerRegion()) {
                for (String r : regions) {
                    String property = s.nameFor(r);
                    if (!source.isEnvironment()) {
                        out.put(property, s);
                    } else if (s.environmentName() != null) {
                        out.put(Setting.environmentName(property), s);
                    }
                }
            } else if (!source.isEnvironment()) {
                out.put(s.name(), s);
            } else if (s.environmentName() != null) {
                out.put(s.environmentName(), s);
            }
        }
        return out;
    }

    /** The artifact that reads a name, when that module is absent. */
    private static String absentModule(SettingSource source, String name, List<ClientExtension> extensions) {
        for (Map.Entry<String, String> m : MODULES.entrySet()) {
            String prefix = source.isEnvironment() ? Setting.environmentName(m.getKey()) : m.getKey();
            if (!name.startsWith(prefix)) {
                continue;
            }
            for (ClientExtension e : extensions) {
                if (e.prefix().equals(m.getKey()) || e.artifact().equals(m.getValue())) {
                    return null;
                }
            }
            return m.getValue();
        }
        return null;
    }

    /** The known name nearest to an unknown one by edit distance, when near enough to be a likely typo. */
    static String closest(String name, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(name.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        // a typo or two, or a word spelled differently: at most a third of the name's tail after "branchline."
        int allowed = Math.max(2, (name.length() - "branchline.".length()) / 3);
        return bestDistance <= allowed ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
