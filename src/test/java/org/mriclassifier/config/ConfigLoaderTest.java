package org.mriclassifier.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Configuration: conf/application.json, overridden by MRI_* environment variables")
class ConfigLoaderTest {

    @Test
    @DisplayName("the documented variables override their keys, converted to the default's type")
    void environmentOverrides() {
        JsonObject defaults = ConfigLoader.defaults();
        JsonObject config = ConfigLoader.applyEnvironment(defaults, defaults, Map.of(
                "MRI_HTTP_PORT", "9999",
                "MRI_DATA_DIR", "/var/lib/mri",
                "MRI_DB_URL", "postgresql://u:p@db:5432/mri",
                "MRI_JWT_KEY", "k",
                "MRI_ADMIN_EMAIL", "root@h.example",
                "MRI_ADMIN_PASSWORD", "pw",
                "MRI_AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT", "3",
                "UNRELATED", "x"));
        assertEquals(9999, config.getJsonObject("http").getInteger("port"));
        assertEquals("/var/lib/mri", config.getString("data_dir"));
        assertEquals("postgresql://u:p@db:5432/mri", config.getJsonObject("db").getString("url"));
        assertEquals("k", config.getJsonObject("jwt").getString("key"));
        assertEquals("root@h.example", config.getJsonObject("admin").getString("email"));
        assertEquals("pw", config.getJsonObject("admin").getString("password"));
        assertEquals(3, config.getJsonObject("auth").getInteger("login_max_failures_per_account"));
        assertEquals(defaults.getJsonObject("http").getString("host"), config.getJsonObject("http").getString("host"));
    }

    @Test
    @DisplayName("a variable that is not a number where a number is expected stops start-up, naming it")
    void badNumber() {
        JsonObject defaults = ConfigLoader.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.applyEnvironment(defaults, defaults, Map.of("MRI_HTTP_PORT", "eighty")));
        assertTrue(e.getMessage().contains("MRI_HTTP_PORT"));
    }
}
