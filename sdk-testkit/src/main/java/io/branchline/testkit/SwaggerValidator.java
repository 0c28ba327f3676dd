package io.branchline.testkit;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small validator for the subset of swagger 2.0 / JSON schema the Application Insights track contract uses:
 * {@code $ref}, {@code allOf}, {@code type}, {@code required}, {@code properties}, {@code additionalProperties},
 * {@code items}, {@code enum}, {@code maxLength} and the formats {@code date-time} and {@code int32}. Semantics the
 * contract states only in descriptions (the {@code DD.HH:MM:SS.MMMMMM} durations, UTC times with a trailing 'Z') are
 * checked too.
 */
final class SwaggerValidator {
    static final String RESOURCE = "appinsights-track-v2.1.swagger.json";
    private static final String DURATION_HINT = "DD.HH:MM:SS";
    private static final Pattern DURATION =
            Pattern.compile("(?:(\\d{1,3})\\.)?(\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,7}))?");

    private final Map<String, Object> definitions;

    private SwaggerValidator(Map<String, Object> definitions) {
        this.definitions = definitions;
    }

    @SuppressWarnings("unchecked")
    static SwaggerValidator load() {
        try (InputStream in = SwaggerValidator.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            try (JsonReader reader = JsonProviders.createReader(in)) {
                reader.nextToken();
                Map<String, Object> swagger = (Map<String, Object>) reader.readUntyped();
                return new SwaggerValidator((Map<String, Object>) swagger.get("definitions"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean hasDefinition(String name) {
        return definitions.containsKey(name);
    }

    /** Whether a definition is telemetry data, that is, built on {@code Domain} with {@code allOf}. */
    boolean isDomainData(String name) {
        Map<String, Object> schema = asSchema(definitions.get(name));
        if (schema == null || !(schema.get("allOf") instanceof List<?> allOf)) {
            return false;
        }
        for (Object part : allOf) {
            Map<String, Object> p = asSchema(part);
            if (p != null && "#/definitions/Domain".equals(p.get("$ref"))) {
                return true;
            }
        }
        return false;
    }

    void validate(Object value, String definition, String path, List<String> violations) {
        validate(value, resolve("#/definitions/" + definition), path, violations);
    }

    private void validate(Object value, Map<String, Object> schema, String path, List<String> out) {
        if (schema.get("$ref") instanceof String ref) {
            validate(value, resolve(ref), path, out);
            return;
        }
        if (schema.get("allOf") instanceof List<?> allOf) {
            for (Object part : allOf) {
                validate(value, asSchema(part), path, out);
            }
        }
        if (schema.get("type") instanceof String type && !typeMatches(type, value)) {
            out.add(path + ": expected " + type + " but was " + describe(value));
            return;
        }
        if (schema.get("enum") instanceof List<?> values && !values.contains(value)) {
            out.add(path + ": " + render(value) + " is not one of " + values);
        }
        if (value instanceof String s) {
            validateString(s, schema, path, out);
        } else if (value instanceof Number n && "int32".equals(schema.get("format")) && !isInt32(n)) {
            out.add(path + ": " + n + " is not a 32-bit integer");
        } else if (value instanceof Map<?, ?> map) {
            validateObject(map, schema, path, out);
        } else if (value instanceof List<?> list && schema.get("items") != null) {
            Map<String, Object> items = asSchema(schema.get("items"));
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i) != null) {
                    validate(list.get(i), items, path + "[" + i + "]", out);
                }
            }
        }
    }

    private void validateString(String s, Map<String, Object> schema, String path, List<String> out) {
        if (schema.get("maxLength") instanceof Number max && s.length() > max.intValue()) {
            out.add(path + ": length " + s.length() + " exceeds maxLength " + max.intValue());
        }
        if ("date-time".equals(schema.get("format")) && !isUtcDateTime(s)) {
            out.add(path + ": " + render(s) + " is not an ISO-8601 UTC date-time like 2009-06-15T13:45:30.0000000Z");
        }
        if (schema.get("description") instanceof String d && d.contains(DURATION_HINT) && !isDuration(s)) {
            out.add(path + ": " + render(s) + " is not hh:mm:ss.ffffff or d.hh:mm:ss.ffffff");
        }
    }

    private void validateObject(Map<?, ?> map, Map<String, Object> schema, String path, List<String> out) {
        if (schema.get("required") instanceof List<?> required) {
            for (Object name : required) {
                if (map.get(name) == null) {
                    out.add(path + "." + name + ": required field is missing");
                }
            }
        }
        Map<String, Object> properties = asSchema(schema.get("properties"));
        Object additional = schema.get("additionalProperties");
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            Map<String, Object> property = properties == null ? null : asSchema(properties.get(key));
            if (property != null) {
                if (v != null) {
                    validate(v, property, path + "." + key, out);
                }
            } else if (additional instanceof Map<?, ?>) {
                if (v != null) {
                    validate(v, asSchema(additional), path + "." + key, out);
                }
            } else if (Boolean.FALSE.equals(additional)) {
                out.add(path + "." + key + ": unknown field");
            }
        }
    }

    private Map<String, Object> resolve(String ref) {
        String prefix = "#/definitions/";
        if (!ref.startsWith(prefix)) {
            throw new IllegalStateException("unsupported $ref " + ref);
        }
        Map<String, Object> schema = asSchema(definitions.get(ref.substring(prefix.length())));
        if (schema == null) {
            throw new IllegalStateException("unknown definition " + ref);
        }
        return schema;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asSchema(Object o) {
        return o instanceof Map<?, ?> ? (Map<String, Object>) o : null;
    }

    private static boolean typeMatches(String type, Object v) {
        return switch (type) {
            case "string" -> v instanceof String;
            case "boolean" -> v instanceof Boolean;
            case "number" -> v instanceof Number;
            case "integer" -> v instanceof Number n && isIntegral(n);
            case "object" -> v instanceof Map;
            case "array" -> v instanceof List;
            default -> true;
        };
    }

    private static boolean isIntegral(Number n) {
        if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
                || n instanceof BigInteger) {
            return true;
        }
        if (n instanceof BigDecimal b) {
            return b.stripTrailingZeros().scale() <= 0;
        }
        double d = n.doubleValue();
        return !Double.isInfinite(d) && d == Math.rint(d);
    }

    private static boolean isInt32(Number n) {
        if (!isIntegral(n)) {
            return false;
        }
        double d = n.doubleValue();
        return d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE;
    }

    static boolean isUtcDateTime(String s) {
        if (!s.endsWith("Z")) {
            return false;
        }
        try {
            OffsetDateTime.parse(s);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    static boolean isDuration(String s) {
        Matcher m = DURATION.matcher(s);
        return m.matches() && Integer.parseInt(m.group(2)) < 24 && Integer.parseInt(m.group(3)) < 60
                && Integer.parseInt(m.group(4)) < 60;
    }

    private static String describe(Object v) {
        if (v instanceof String s) {
            return "string " + render(s);
        }
        if (v instanceof Number) {
            return "number " + v;
        }
        if (v instanceof Boolean) {
            return "boolean " + v;
        }
        if (v instanceof Map) {
            return "object";
        }
        if (v instanceof List) {
            return "array";
        }
        return String.valueOf(v);
    }

    static String render(Object v) {
        if (v instanceof String s) {
            return Http.quote(s.length() > 64 ? s.substring(0, 64) + "..." : s);
        }
        return String.valueOf(v);
    }
}
