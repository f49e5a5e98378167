package org.mriclassifier.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Loads the configuration once, in the entry point: the defaults shipped in the jar (a copy of the
 * repository's conf/application.json), then conf/application.json from the working directory (or the file
 * named by MRI_CONFIG) when there is one, then environment variables.
 *
 * <p>Every leaf key of the defaults can be overridden by an environment variable named
 * {@code MRI_} + its path in upper case joined by {@code _}: {@code http.port} by {@code MRI_HTTP_PORT},
 * {@code data_dir} by {@code MRI_DATA_DIR}. Only keys that exist in the defaults are mapped, so a variable
 * cannot be read two ways, and its value is converted to the type of the default.
 */
public final class ConfigLoader {

    static final String DEFAULTS_RESOURCE = "conf/application.json";
    private static final String ENV_PREFIX = "MRI_";

    private ConfigLoader() {
    }

    /** The defaults shipped in the jar. */
    public static JsonObject defaults() {
        try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks its default configuration " + DEFAULTS_RESOURCE);
            }
            return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Defaults, then the operator's file (through vertx-config, which merges the layers), then the environment.
     */
    public static Future<JsonObject> load(Vertx vertx, Map<String, String> env) {
        JsonObject defaults = defaults();
        ConfigRetrieverOptions options = new ConfigRetrieverOptions()
                .setScanPeriod(-1)
                .setIncludeDefaultStores(false)
                .addStore(new ConfigStoreOptions().setType("json").setConfig(defaults));
        Path operatorFile = Path.of(env.getOrDefault(ENV_PREFIX + "CONFIG", DEFAULTS_RESOURCE));
        if (Files.isRegularFile(operatorFile)) {
            options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
                    .setConfig(new JsonObject().put("path", operatorFile.toAbsolutePath().toString())));
        }
        ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
        return retriever.getConfig()
                .map(merged -> applyEnvironment(merged, defaults, env))
                .eventually(() -> {
                    retriever.close();
                    return Future.succeededFuture();
                });
    }

    /** Overrides every known leaf key whose environment variable is set. */
    public static JsonObject applyEnvironment(JsonObject config, JsonObject defaults, Map<String, String> env) {
        JsonObject result = config.copy();
        override(result, defaults, ENV_PREFIX, env);
        return result;
    }

    private static void override(JsonObject target, JsonObject defaults, String prefix, Map<String, String> env) {
        for (String key : defaults.fieldNames()) {
            Object defaultValue = defaults.getValue(key);
            String name = prefix + key.toUpperCase(Locale.ROOT);
            if (defaultValue instanceof JsonObject nested) {
                JsonObject child = target.getJsonObject(key);
                if (child == null) {
                    child = new JsonObject();
                    target.put(key, child);
                }
                override(child, nested, name + "_", env);
            } else if (env.containsKey(name)) {
                target.put(key, convert(name, env.get(name), defaultValue));
            }
        }
    }

    private static Object convert(String name, String raw, Object defaultValue) {
        String value = raw.trim();
        try {
            if (defaultValue instanceof Integer) {
                return Integer.parseInt(value);
            }
            if (defaultValue instanceof Long) {
                return Long.parseLong(value);
            }
            if (defaultValue instanceof Number) {
                return Double.parseDouble(value);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + raw + "'");
        }
        if (defaultValue instanceof Boolean) {
            if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException(name + " must be true or false, got '" + raw + "'");
            }
            return Boolean.parseBoolean(value);
        }
        return raw;
    }
}
